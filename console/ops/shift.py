"""Shift-change operations (交接班): what the handover note would list, writing it, and the last one (shown to the next
user at login)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..services import handover
from ..services.actor import Action
from ..services.handover import Handover
from .changes import OpResult
from .registry import Kind, OpContext, operation


@operation("shift.handover_draft", action=None, kind=Kind.READ)
def handover_draft(ctx: OpContext, *, alarms: Sequence[int] = ()) -> OpResult[Handover]:
    """The open cases, the unacknowledged alarms (`alarms`: case ids) and the shift's notes, as the note would list."""
    return ctx.read(lambda s: handover.draft(s, actor=ctx.actor, alarms=list(alarms)))


@operation("shift.handover", action=Action.NOTE)
def hand_over(ctx: OpContext, *, note: Any = None, alarms: Sequence[int] = ()) -> OpResult[Handover]:
    """Write the handover note (the user's words and the listing) as a `shift_handover` event."""
    return ctx.write(lambda s: handover.hand_over(s, actor=ctx.actor, note=note, alarms=list(alarms)))


@operation("shift.last_handover", action=None, kind=Kind.READ)
def last_handover(ctx: OpContext) -> OpResult[Handover | None]:
    """The newest handover of the last day left by another user (shown at login)."""
    return ctx.read(lambda s: handover.last_handover(s, actor=ctx.actor))
