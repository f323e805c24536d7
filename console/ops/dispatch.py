"""Dispatch operations: recommend units for a case, dispatch one (or the nearest), move a unit along its statuses,
re-route a unit to a more urgent case.

`dispatch.nearest` is what F5 and `dispatch NUMBER` without `--unit` mean: the core ranks the units available at
that moment and dispatches the first, in one transaction. `dispatch.unit` dispatches the unit the dispatcher chose;
if another workstation took it first, the refusal says who did.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import EventKind
from ..events import written_events
from ..models import Case, Dispatch, Unit
from ..services import dispatch
from ..services.actor import Action
from ..views import Recommendation
from . import refs
from .changes import OpChanges, OpResult
from .registry import Kind, OpContext, operation
from .values import DispatchState, UnitState


def _dispatch_state(session: Session, d: Dispatch) -> DispatchState:
    # The dispatch's own event names the case and the unit: no read back on the hot path.
    for e in reversed(written_events(session)):
        if e.kind == EventKind.CASE_DISPATCHED and e.payload.get("dispatch_id") == d.id:
            return DispatchState.of(d, number=e.payload["number"], callsign=e.payload["callsign"])
    number = session.scalar(select(Case.number).where(Case.id == d.case_id))
    callsign = session.scalar(select(Unit.callsign).where(Unit.id == d.unit_id))
    return DispatchState.of(d, number=number or str(d.case_id), callsign=callsign or str(d.unit_id))


def _changes(state: DispatchState) -> OpChanges:
    return OpChanges.of(cases=[state.case_id], units=[state.unit_id])


@operation("dispatch.recommend", action=None, kind=Kind.READ)
def recommend(
    ctx: OpContext, *, case_id: int | None = None, number: str | None = None, limit: int = 3
) -> OpResult[list[Recommendation]]:
    """The best available units for a case by estimated arrival, with the reasons."""

    def work(session: Session) -> list[Recommendation]:
        return dispatch.recommend(
            session, refs.case_id(session, case_id, number), limit=max(1, int(limit)), actor=ctx.actor
        )

    return ctx.read(work)


@operation("dispatch.unit", action=Action.DISPATCH)
def dispatch_unit(
    ctx: OpContext,
    *,
    case_id: int | None = None,
    number: str | None = None,
    unit_id: int | None = None,
    callsign: str | None = None,
) -> OpResult[DispatchState]:
    """Dispatch the chosen unit to a case; if another workstation took it first, say who."""

    def work(session: Session) -> DispatchState:
        cid = refs.case_id(session, case_id, number)
        uid = refs.unit_id(session, unit_id, callsign, field="unit")
        return _dispatch_state(session, dispatch.dispatch_unit(session, case_id=cid, unit_id=uid, actor=ctx.actor))

    return ctx.write(work, changes=_changes)


@operation("dispatch.nearest", action=Action.DISPATCH)
def dispatch_nearest(
    ctx: OpContext, *, case_id: int | None = None, number: str | None = None
) -> OpResult[DispatchState]:
    """Dispatch the unit ranked first at this moment (F5)."""

    def work(session: Session) -> DispatchState:
        cid = refs.case_id(session, case_id, number)
        return _dispatch_state(session, dispatch.dispatch_nearest(session, case_id=cid, actor=ctx.actor))

    return ctx.write(work, changes=_changes)


@operation("unit.status", action=Action.UNIT_STATUS)
def unit_status(
    ctx: OpContext, *, status: str, unit_id: int | None = None, callsign: str | None = None
) -> OpResult[UnitState]:
    """Move a unit to en_route, on_scene, available (clear) or off_duty; its case follows."""

    def work(session: Session) -> UnitState:
        uid = refs.unit_id(session, unit_id, callsign)
        unit = dispatch.set_unit_status(session, unit_id=uid, status=status, actor=ctx.actor)
        # The case it followed, as the step's own event recorded it.
        step = next(e for e in reversed(written_events(session)) if e.kind == EventKind.UNIT_STATUS)
        return UnitState.of(unit, step.case_id, step.payload.get("number"), step.payload.get("case_status"))

    return ctx.write(work, changes=lambda state: OpChanges.of(units=[state.id], cases=[state.case_id]))


@operation("unit.reroute", action=Action.REROUTE)
def reroute(
    ctx: OpContext,
    *,
    unit_id: int | None = None,
    callsign: str | None = None,
    to_case_id: int | None = None,
    to: str | None = None,
) -> OpResult[DispatchState]:
    """Take a unit on its way from a less urgent case to a more urgent one (a shift leader's decision)."""

    def work(session: Session) -> DispatchState:
        uid = refs.unit_id(session, unit_id, callsign)
        target = refs.case_id(session, to_case_id, to, field="to")
        d = dispatch.reroute_unit(session, unit_id=uid, to_case_id=target, actor=ctx.actor)
        return _dispatch_state(session, d)

    return ctx.write(work, changes=_changes)
