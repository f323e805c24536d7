"""The queue of open cases: a table model over the live state and the widget with its filters."""

from .filters import QueueFilter
from .model import QueueModel
from .widget import QueueWidget

__all__ = ["QueueFilter", "QueueModel", "QueueWidget"]
