"""Dispatch (派警): rank units for a case, dispatch one with a guarded update, follow its status to clear.

The race guard is the first statement of `dispatch_unit`:
    UPDATE units SET status='dispatched', ... WHERE id=:unit AND status='available'
Of two workstations dispatching the same unit at once, exactly one updates a row; the other finds zero rows
and is told who holds the unit and for which case.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from ..db.tx import affected
from ..enums import OPEN_CASE_STATUSES, CaseStatus, EventKind, UnitStatus
from ..events import record_event
from ..geo.ranking import UnitArrays, rank
from ..geo.travel import travel_eta, travel_model
from ..models import Case, Dispatch, Unit
from ..models.base import UTCDateTime
from ..models.cases import dispatch_is_active
from ..rules import Rules, default_rules
from ..timeutil import utcnow
from ..views import Recommendation
from .actor import Action, Actor
from .errors import InvalidTransition, NotFound, UnitUnavailable, ValidationError


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", case_id)
    return case


def available_units(session: Session) -> UnitArrays:
    rows = (
        session.execute(
            select(
                Unit.id, Unit.callsign, Unit.kind, Unit.lat, Unit.lon, Unit.fix_at, Unit.home_grid_id, Unit.capabilities
            )
            .where(Unit.status == UnitStatus.AVAILABLE)
            .order_by(Unit.id)
        )
        .tuples()
        .all()
    )
    return UnitArrays.build(rows)


def recommend(
    session: Session,
    case_id: int,
    *,
    limit: int = 3,
    now: datetime | None = None,
    rules: Rules | None = None,
) -> list[Recommendation]:
    """The best available units for the case by estimated arrival, with the reasons for each."""
    case = _case(session, case_id)
    if case.lat is None or case.lon is None:
        raise ValidationError("location", f"case {case.number} has no location; set one before dispatching")
    rules = rules or default_rules()
    units = available_units(session)
    kinds = dict(session.execute(select(Unit.id, Unit.kind).where(Unit.status == UnitStatus.AVAILABLE)).tuples().all())
    ranked = rank(
        units,
        lat=case.lat,
        lon=case.lon,
        category=case.category,
        grid_id=case.grid_id,
        now=now or utcnow(),
        rules=rules,
        limit=limit,
        travel=travel_model(session, rules),
    )
    return [
        Recommendation(
            unit_id=r.unit_id,
            callsign=units.callsigns[r.index],
            kind=kinds[r.unit_id],
            distance_m=r.distance_m,
            eta_s=r.eta_s,
            reasons=r.reasons,
            route=r.route,
        )
        for r in ranked
    ]


def _holder(session: Session, unit: Unit) -> UnitUnavailable:
    """Who holds the unit: the last active dispatch's dispatcher and case."""
    row = session.execute(
        select(Dispatch.dispatched_by, Case.number)
        .join(Case, Case.id == Dispatch.case_id)
        .where(Dispatch.unit_id == unit.id, dispatch_is_active())
        .order_by(Dispatch.id.desc())
        .limit(1)
    ).first()
    return UnitUnavailable(unit.callsign, unit.status.value, row[0] if row else None, row[1] if row else None)


def dispatch_unit(
    session: Session,
    *,
    case_id: int,
    unit_id: int,
    actor: Actor,
    now: datetime | None = None,
    rules: Rules | None = None,
) -> Dispatch:
    actor.require(Action.DISPATCH)
    now = now or utcnow()
    rules = rules or default_rules()
    # The claim: the first statement, and the whole race guard. RETURNING saves a round trip on the hot path.
    claimed = session.execute(
        update(Unit)
        .where(Unit.id == unit_id, Unit.status == UnitStatus.AVAILABLE)
        .values(
            status=UnitStatus.DISPATCHED,
            status_since=now,
            current_case_id=case_id,
            version=Unit.version + 1,
            updated_at=now,
        )
        .returning(Unit.callsign, Unit.kind, Unit.lat, Unit.lon)
        .execution_options(synchronize_session=False)
    ).first()
    if claimed is None:
        unit = session.get(Unit, unit_id, populate_existing=True)
        if unit is None:
            raise NotFound("unit", unit_id)
        raise _holder(session, unit)
    callsign, kind, unit_lat, unit_lon = claimed
    moved = session.execute(
        update(Case)
        .where(Case.id == case_id, Case.status.in_(list(OPEN_CASE_STATUSES)))
        .values(
            status=sql_case((Case.status == CaseStatus.RECEIVED, CaseStatus.DISPATCHED.value), else_=Case.status),
            first_dispatched_at=func.coalesce(Case.first_dispatched_at, literal(now, UTCDateTime())),
            version=Case.version + 1,
            updated_at=now,
        )
        .returning(Case.number, Case.lat, Case.lon)
        .execution_options(synchronize_session=False)
    ).first()
    if moved is None:
        case = session.get(Case, case_id, populate_existing=True)
        if case is None:
            raise NotFound("case", case_id)
        raise InvalidTransition("case", case.number, case.status.value, "dispatch")
    number, case_lat, case_lon = moved
    eta = None
    if unit_lat is not None and unit_lon is not None and case_lat is not None and case_lon is not None:
        eta = travel_eta(travel_model(session, rules), kind, unit_lat, unit_lon, case_lat, case_lon)
    dispatch = Dispatch(case_id=case_id, unit_id=unit_id, dispatched_by=actor.name, dispatched_at=now, eta_s=eta)
    session.add(dispatch)
    session.flush()
    record_event(
        session,
        EventKind.CASE_DISPATCHED,
        actor=actor.name,
        case_id=case_id,
        unit_id=unit_id,
        ts=now,
        payload={"number": number, "callsign": callsign, "dispatch_id": dispatch.id, "eta_s": eta},
    )
    return dispatch


def dispatch_nearest(
    session: Session, *, case_id: int, actor: Actor, now: datetime | None = None, rules: Rules | None = None
) -> Dispatch:
    """Dispatch the top recommendation. If another workstation takes it first, the caller is told who did."""
    actor.require(Action.DISPATCH)
    recs = recommend(session, case_id, limit=1, now=now, rules=rules)
    if not recs:
        case = _case(session, case_id)
        raise InvalidTransition("case", case.number, case.status.value, "dispatch: no unit is available")
    if not math.isfinite(recs[0].eta_s):
        case = _case(session, case_id)
        raise InvalidTransition("case", case.number, case.status.value, "dispatch: no available unit can reach it")
    return dispatch_unit(session, case_id=case_id, unit_id=recs[0].unit_id, actor=actor, now=now, rules=rules)


# Unit status transitions: target -> statuses it may come from.
_FROM: dict[UnitStatus, frozenset[UnitStatus]] = {
    UnitStatus.EN_ROUTE: frozenset({UnitStatus.DISPATCHED}),
    UnitStatus.ON_SCENE: frozenset({UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE}),
    UnitStatus.AVAILABLE: frozenset(
        {UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.OFF_DUTY}
    ),
    UnitStatus.OFF_DUTY: frozenset({UnitStatus.AVAILABLE}),
}


def set_unit_status(
    session: Session,
    *,
    unit_id: int,
    status: UnitStatus,
    actor: Actor,
    now: datetime | None = None,
) -> Unit:
    """Move a unit along available → dispatched → en_route → on_scene → available (clear); or off duty and back.

    The unit's active dispatch gets the time of each step; the case follows: its first unit on scene puts it
    on scene; when its last unit clears, the case records the clear time (and a case whose only unit was
    recalled before arriving goes back to `received`).
    """
    actor.require(Action.UNIT_STATUS)
    status = UnitStatus(status)
    if status == UnitStatus.DISPATCHED:
        raise ValidationError("status", "use dispatch to send a unit to a case")
    now = now or utcnow()
    allowed = _FROM[status]
    changed = affected(
        session.execute(
            update(Unit)
            .where(Unit.id == unit_id, Unit.status.in_(list(allowed)))
            .values(status=status, status_since=now, version=Unit.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    # Read what the guarded update left (or what stopped it).
    unit = session.get(Unit, unit_id, populate_existing=True)
    if unit is None:
        raise NotFound("unit", unit_id)
    if changed != 1:
        raise InvalidTransition("unit", unit.callsign, unit.status.value, f"set {status.value}")
    dispatch = session.scalars(
        select(Dispatch).where(Dispatch.unit_id == unit.id, dispatch_is_active()).order_by(Dispatch.id.desc()).limit(1)
    ).first()
    case = session.get(Case, dispatch.case_id) if dispatch else None
    previous = None
    if dispatch is not None and case is not None:
        if status == UnitStatus.EN_ROUTE:
            dispatch.en_route_at = now
        elif status == UnitStatus.ON_SCENE:
            dispatch.on_scene_at = now
            if case.first_on_scene_at is None:
                case.first_on_scene_at = now
            if case.status == CaseStatus.DISPATCHED:
                case.status = CaseStatus.ON_SCENE
        elif status == UnitStatus.AVAILABLE:
            if dispatch.on_scene_at is None:
                dispatch.cancelled_at = now
            else:
                dispatch.cleared_at = now
            unit.current_case_id = None
            others = session.scalars(
                select(Dispatch.id).where(
                    Dispatch.case_id == case.id,
                    Dispatch.id != dispatch.id,
                    dispatch_is_active(),
                )
            ).first()
            if others is None:
                if case.status == CaseStatus.DISPATCHED and dispatch.on_scene_at is None:
                    previous = case.status
                    case.status = CaseStatus.RECEIVED
                elif case.status in OPEN_CASE_STATUSES:
                    case.cleared_at = now
        case.version += 1
        case.updated_at = now
    elif status == UnitStatus.AVAILABLE:
        unit.current_case_id = None
    record_event(
        session,
        EventKind.UNIT_STATUS,
        actor=actor.name,
        unit_id=unit.id,
        case_id=case.id if case else None,
        ts=now,
        payload={
            "callsign": unit.callsign,
            "status": status.value,
            "number": case.number if case else None,
            "case_status": case.status.value if case else None,
            **({"case_reverted_from": previous.value} if previous else {}),
        },
    )
    return unit


def release_units_of_case(session: Session, case: Case, *, actor: Actor, now: datetime) -> list[str]:
    """Clear every unit still attached to the case (used when the case is resolved). Returns their callsigns."""
    released: list[str] = []
    active = session.scalars(select(Dispatch).where(Dispatch.case_id == case.id, dispatch_is_active())).all()
    for dispatch in active:
        session.execute(
            update(Unit)
            .where(Unit.id == dispatch.unit_id, Unit.current_case_id == case.id)
            .values(
                status=UnitStatus.AVAILABLE,
                status_since=now,
                current_case_id=None,
                version=Unit.version + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if dispatch.on_scene_at is None:
            dispatch.cancelled_at = now
        else:
            dispatch.cleared_at = now
        unit = session.get(Unit, dispatch.unit_id, populate_existing=True)
        callsign = unit.callsign if unit else str(dispatch.unit_id)
        released.append(callsign)
        record_event(
            session,
            EventKind.UNIT_STATUS,
            actor=actor.name,
            unit_id=dispatch.unit_id,
            case_id=case.id,
            ts=now,
            payload={
                "callsign": callsign,
                "status": UnitStatus.AVAILABLE.value,
                "number": case.number,
                "reason": "case_closed",
            },
        )
    return released


def reroute_unit(
    session: Session,
    *,
    unit_id: int,
    to_case_id: int,
    actor: Actor,
    now: datetime | None = None,
    rules: Rules | None = None,
) -> Dispatch:
    """A shift leader takes a unit that is on its way from a lower-priority case to a more urgent one.

    The guard names the case the unit was on: if it moved on meanwhile (arrived, cleared, re-routed by someone
    else), the reroute is refused with the unit's current state.
    """
    actor.require(Action.REROUTE)
    now = now or utcnow()
    rules = rules or default_rules()
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit", unit_id)
    target = _case(session, to_case_id)
    from_case_id = unit.current_case_id
    if unit.status not in (UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE) or from_case_id is None:
        raise InvalidTransition("unit", unit.callsign, unit.status.value, "reroute (only a unit on its way can be)")
    if from_case_id == to_case_id:
        raise ValidationError("to_case", "the unit is already on this case")
    source = _case(session, from_case_id)
    if target.priority.rank >= source.priority.rank:
        raise ValidationError(
            "to_case", f"case {target.number} ({target.priority.value}) is not more urgent than {source.number}"
        )
    claimed = affected(
        session.execute(
            update(Unit)
            .where(
                Unit.id == unit_id,
                Unit.current_case_id == from_case_id,
                Unit.status.in_([UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE]),
            )
            .values(
                status=UnitStatus.DISPATCHED,
                status_since=now,
                current_case_id=None,
                version=Unit.version + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if claimed != 1:
        session.refresh(unit)
        raise InvalidTransition("unit", unit.callsign, unit.status.value, "reroute")
    old = session.scalars(
        select(Dispatch)
        .where(
            Dispatch.unit_id == unit_id,
            Dispatch.case_id == from_case_id,
            dispatch_is_active(),
        )
        .order_by(Dispatch.id.desc())
        .limit(1)
    ).first()
    if old is not None:
        old.cancelled_at = now
    others = session.scalars(select(Dispatch.id).where(Dispatch.case_id == from_case_id, dispatch_is_active())).first()
    if others is None and source.status == CaseStatus.DISPATCHED:
        source.status = CaseStatus.RECEIVED
    source.version += 1
    source.updated_at = now
    record_event(
        session,
        EventKind.UNIT_STATUS,
        actor=actor.name,
        unit_id=unit_id,
        case_id=source.id,
        ts=now,
        payload={
            "callsign": unit.callsign,
            "status": "rerouted",
            "number": source.number,
            "to": target.number,
            "case_status": source.status.value,
        },
    )
    # The unit is now free of its old case; claim it for the new one through the one guarded path.
    session.execute(
        update(Unit)
        .where(Unit.id == unit_id)
        .values(status=UnitStatus.AVAILABLE)
        .execution_options(synchronize_session=False)
    )
    return dispatch_unit(session, case_id=to_case_id, unit_id=unit_id, actor=actor, now=now, rules=rules)
