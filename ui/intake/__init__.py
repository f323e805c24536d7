"""Single-window intake: one keyboard-first form for every channel, with a draft that survives crashes."""

from .draft import DraftStore
from .form import IntakeForm

__all__ = ["DraftStore", "IntakeForm"]
