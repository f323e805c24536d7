"""The live state of one console: open cases and units as plain views, kept current by the change feed.

The Qt models and the map are thin adapters over it: they turn its diffs into row inserts and `dataChanged`.
"""

from .state import Changes, LiveDiff, LiveState, Snapshot, fetch_changes, load_snapshot, touched_ids

__all__ = ["Changes", "LiveDiff", "LiveState", "Snapshot", "fetch_changes", "load_snapshot", "touched_ids"]
