"""The change feed: events are the audit trail, the case timeline and how workstations learn what changed."""

from .feed import ChangeFeed, EventRecord
from .record import NOTIFY_CHANNEL, record_event, written_events

__all__ = ["NOTIFY_CHANNEL", "ChangeFeed", "EventRecord", "record_event", "written_events"]
