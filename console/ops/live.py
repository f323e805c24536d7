"""The live state's two reads, run by a console's database worker: the snapshot at start (and after an outage), and
the fresh views of what a batch of change-feed events touched. Every change reaches a console this way, its own
writes included."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..events import EventRecord
from ..live import Changes, Snapshot, fetch_changes, load_snapshot
from .changes import OpResult
from .registry import Kind, OpContext, operation


@operation("live.snapshot", action=None, kind=Kind.READ)
def snapshot(
    ctx: OpContext, *, last_event_id: int, between_chunks: Callable[[], None] | None = None
) -> OpResult[Snapshot]:
    """The open cases and every unit, as of the event `last_event_id` (taken before reading)."""
    return ctx.read(
        lambda s: load_snapshot(s, actor=ctx.actor, last_event_id=last_event_id, between_chunks=between_chunks)
    )


@operation("live.changes", action=None, kind=Kind.READ)
def changes(ctx: OpContext, *, events: Sequence[EventRecord]) -> OpResult[Changes]:
    """Fresh views of the cases and units the events touched."""
    return ctx.read(lambda s: fetch_changes(s, list(events), actor=ctx.actor))
