"""Dispatch (派警): rank units for a case, dispatch one with a guarded update, follow its status to clear.

The race guard is the first statement of `dispatch_unit`:
    UPDATE units SET status='dispatched', ... WHERE id=:unit AND status='available'
Of two workstations dispatching the same unit at once, exactly one updates a row; the other finds zero rows
and is told who holds the unit and for which case.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, literal, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from ..db.hot import HotInsert, HotStatement, bound, literal_states, loaded
from ..enums import OPEN_CASE_STATUSES, CaseStatus, EventKind, UnitStatus
from ..events import record_event
from ..geo.ranking import KINDS, UnitArrays, rank
from ..geo.travel import travel_eta, travel_model
from ..models import Case, Dispatch, Unit
from ..models.base import UTCDateTime
from ..models.cases import dispatch_is_active
from ..rules import Rules, default_rules
from ..timeutil import utcnow
from ..views import Recommendation
from . import scope
from .actor import Action, Actor
from .errors import InvalidTransition, NotFound, UnitUnavailable, ValidationError
from .guard import guarded_update, touch_case, unit_step
from .permissions import UNIT_TRANSITIONS

#: The states a case may be in for `dispatch_nearest` (F5): still waiting for its first unit.
NEAREST_CASE_STATES = frozenset({CaseStatus.RECEIVED})


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", case_id)
    return case


def available_units(session: Session, actor: Actor | None = None) -> UnitArrays:
    """The available units (within `actor`'s scope when given)."""
    where = [Unit.status == UnitStatus.AVAILABLE]
    if actor is not None and actor.scoped:
        where.append(scope.unit_filter(actor))
    rows = (
        session.execute(
            select(
                Unit.id, Unit.callsign, Unit.kind, Unit.lat, Unit.lon, Unit.fix_at, Unit.home_grid_id, Unit.capabilities
            )
            .where(*where)
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
    actor: Actor | None = None,
) -> list[Recommendation]:
    """The best available units for the case by estimated arrival, with the reasons for each (a scoped `actor`:
    only its own case, and only its own units)."""
    case = scope.check_case(session, actor, case_id) if actor is not None else _case(session, case_id)
    if case.lat is None or case.lon is None:
        raise ValidationError("location", f"case {case.number} has no location; set one before dispatching")
    rules = rules or default_rules()
    # One read of the available units: a second query for their kinds could miss a unit another workstation has just
    # dispatched (PostgreSQL's read committed), so the kind comes from the same rows as the position.
    units = available_units(session, actor)
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
            kind=KINDS[units.kinds[r.index]],
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
    case_states: Collection[CaseStatus] = OPEN_CASE_STATUSES,
    refusal: str = "dispatch",
) -> Dispatch:
    """Claim the unit for the case (the guarded unit update), move the case on, write the dispatch and its event.

    The case must be in one of `case_states` (any open state: a case may get more units), checked by the case's
    own guarded update in the same transaction; otherwise the whole dispatch is refused with `refusal`."""
    actor.require(Action.DISPATCH)
    scope.require_case(session, actor, case_id)
    scope.require_unit(session, actor, unit_id)
    now = now or utcnow()
    rules = rules or default_rules()
    # The claim: the first statement, and the whole race guard. RETURNING saves a round trip on the hot path. The
    # hot statements (`console.db.hot`) go straight to the driver, not through the ORM's bulk-persistence path.
    conn = session.connection()
    claimed = _CLAIM.first(conn, {"p_unit": unit_id, "p_case": case_id, "p_now": now})
    if claimed is None:
        unit = session.get(Unit, unit_id, populate_existing=True)
        if unit is None:
            raise NotFound("unit", unit_id)
        raise _holder(session, unit)
    callsign, kind, unit_lat, unit_lon = claimed
    moved = _case_move(frozenset(case_states)).first(conn, {"p_case": case_id, "p_now": now})
    if moved is None:
        case = session.get(Case, case_id, populate_existing=True)
        if case is None:
            raise NotFound("case", case_id)
        raise InvalidTransition("case", case.number, case.status.value, refusal)
    number, case_lat, case_lon = moved
    eta = None
    if unit_lat is not None and unit_lon is not None and case_lat is not None and case_lon is not None:
        eta = travel_eta(travel_model(session, rules), kind, unit_lat, unit_lon, case_lat, case_lon)
    values: dict[str, Any] = {
        "case_id": case_id,
        "unit_id": unit_id,
        "dispatched_by": actor.name,
        "dispatched_at": now,
        "eta_s": eta,
    }
    # One INSERT; the object returned carries the row's values (it is not in the session).
    dispatch_id = _DISPATCH_INSERT.insert(conn, values)
    dispatch = loaded(None, Dispatch, {**_DISPATCH_UNWRITTEN, **values, "id": dispatch_id})
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


# The hot statements of a dispatch (`console.db.hot`): built once with bind parameters, compiled once per database.
_NOW = bindparam("p_now", type_=UTCDateTime())
_CLAIM = HotStatement(
    update(Unit)
    .where(Unit.id == bindparam("p_unit"), Unit.status == UnitStatus.AVAILABLE)
    .values(
        status=UnitStatus.DISPATCHED,
        status_since=_NOW,
        current_case_id=bindparam("p_case"),
        version=Unit.version + 1,
        updated_at=_NOW,
    )
    .returning(Unit.callsign, Unit.kind, Unit.lat, Unit.lon)
)
_CASE_MOVES: dict[frozenset[CaseStatus], HotStatement] = {}
_DISPATCHES = cast(Table, Dispatch.__table__)
_DISPATCH_COLUMNS = ("case_id", "unit_id", "dispatched_by", "dispatched_at", "eta_s")
_DISPATCH_INSERT = HotInsert(insert(_DISPATCHES).values(**bound(_DISPATCHES, _DISPATCH_COLUMNS)), _DISPATCHES.c.id)
_DISPATCH_UNWRITTEN = {"en_route_at": None, "on_scene_at": None, "cleared_at": None, "cancelled_at": None}


def _case_move(states: frozenset[CaseStatus]) -> HotStatement:
    """The case's guarded update of a dispatch, for the states it may be in (one statement per set of states)."""
    if states not in _CASE_MOVES:
        _CASE_MOVES[states] = HotStatement(
            update(Case)
            .where(Case.id == bindparam("p_case"), Case.status.in_(literal_states(states)))
            .values(
                status=sql_case((Case.status == CaseStatus.RECEIVED, CaseStatus.DISPATCHED.value), else_=Case.status),
                first_dispatched_at=func.coalesce(Case.first_dispatched_at, _NOW),
                version=Case.version + 1,
                updated_at=_NOW,
            )
            .returning(Case.number, Case.lat, Case.lon)
        )
    return _CASE_MOVES[states]


def dispatch_nearest(
    session: Session, *, case_id: int, actor: Actor, now: datetime | None = None, rules: Rules | None = None
) -> Dispatch:
    """Dispatch the top recommendation to a case still waiting for its first unit. If another workstation takes
    the unit first, the caller is told who did.

    F5 pressed for the same case at two workstations at once must not send two units: the case's guarded update
    accepts only a case still `received`, so of two such dispatches exactly one commits and the other is refused
    with the case's state (`InvalidTransition`). A further unit for a case that has one is chosen by name
    (`dispatch_unit`)."""
    actor.require(Action.DISPATCH)
    recs = recommend(session, case_id, limit=1, now=now, rules=rules, actor=actor)
    if not recs:
        case = _case(session, case_id)
        raise InvalidTransition("case", case.number, case.status.value, "dispatch: no unit is available")
    if not math.isfinite(recs[0].eta_s):
        case = _case(session, case_id)
        raise InvalidTransition("case", case.number, case.status.value, "dispatch: no available unit can reach it")
    return dispatch_unit(
        session,
        case_id=case_id,
        unit_id=recs[0].unit_id,
        actor=actor,
        now=now,
        rules=rules,
        case_states=NEAREST_CASE_STATES,
        refusal="dispatch nearest: the case already has a unit (choose a unit to send another)",
    )


def _new_status(value: UnitStatus | str) -> UnitStatus:
    try:
        status = UnitStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in UNIT_TRANSITIONS)
        raise ValidationError("status", f"unknown status {value!r}; expected one of {allowed}") from None
    if status not in UNIT_TRANSITIONS:
        raise ValidationError("status", "use dispatch to send a unit to a case")
    return status


def _active_dispatch(session: Session, unit_id: int, case_id: int | None = None) -> Dispatch | None:
    """The unit's dispatch still in progress (of that case, when given)."""
    stmt = select(Dispatch).where(Dispatch.unit_id == unit_id, dispatch_is_active())
    if case_id is not None:
        stmt = stmt.where(Dispatch.case_id == case_id)
    return session.scalars(stmt.order_by(Dispatch.id.desc()).limit(1)).first()


def unit_left_case(session: Session, dispatch: Dispatch, now: datetime) -> tuple[Case, CaseStatus | None]:
    """The one rule for a unit leaving its case (cleared, recalled, re-routed): its dispatch ends — cleared if the
    unit had arrived, cancelled if not — and when it was the case's last unit, the case records the clear time, or,
    if it was still only dispatched and this unit never arrived, goes back to `received` to be dispatched again.

    Returns the case (its version moved on) and the status it was reverted from, if it was."""
    if dispatch.on_scene_at is None:
        dispatch.cancelled_at = now
    else:
        dispatch.cleared_at = now
    others = session.scalars(
        select(Dispatch.id).where(
            Dispatch.case_id == dispatch.case_id, Dispatch.id != dispatch.id, dispatch_is_active()
        )
    ).first()
    values: dict[str, object] = {}
    reverted: CaseStatus | None = None
    if others is None:
        status = session.scalar(select(Case.status).where(Case.id == dispatch.case_id))
        if status == CaseStatus.DISPATCHED and dispatch.on_scene_at is None:
            reverted = CaseStatus.DISPATCHED
            values["status"] = CaseStatus.RECEIVED
        elif status in OPEN_CASE_STATUSES:
            values["cleared_at"] = now
    return touch_case(session, dispatch.case_id, now, **values), reverted


def set_unit_status(
    session: Session,
    *,
    unit_id: int,
    status: UnitStatus | str,
    actor: Actor,
    now: datetime | None = None,
) -> Unit:
    """Move a unit along available → dispatched → en_route → on_scene → available (clear); or off duty and back.

    The transitions are `permissions.UNIT_TRANSITIONS`. The unit's active dispatch gets the time of each step; the
    case follows: its first unit on scene puts it on scene; a unit that clears leaves the case by `unit_left_case`.
    """
    actor.require(Action.UNIT_STATUS)
    scope.require_unit(session, actor, unit_id)
    target = _new_status(status)
    now = now or utcnow()
    values: dict[str, Any] = {"status": target, "status_since": now}
    if target == UnitStatus.AVAILABLE:
        values["current_case_id"] = None
    unit = unit_step(
        session, unit_id=unit_id, states=UNIT_TRANSITIONS[target], action=f"set {target.value}", now=now, **values
    )
    dispatch = _active_dispatch(session, unit.id)
    case: Case | None = None
    reverted: CaseStatus | None = None
    if dispatch is not None:
        if target == UnitStatus.EN_ROUTE:
            dispatch.en_route_at = now
            case = touch_case(session, dispatch.case_id, now)
        elif target == UnitStatus.ON_SCENE:
            dispatch.on_scene_at = now
            case = touch_case(
                session,
                dispatch.case_id,
                now,
                first_on_scene_at=func.coalesce(Case.first_on_scene_at, literal(now, UTCDateTime())),
                status=sql_case((Case.status == CaseStatus.DISPATCHED, CaseStatus.ON_SCENE.value), else_=Case.status),
            )
        elif target == UnitStatus.AVAILABLE:
            case, reverted = unit_left_case(session, dispatch, now)
    record_event(
        session,
        EventKind.UNIT_STATUS,
        actor=actor.name,
        unit_id=unit.id,
        case_id=case.id if case else None,
        ts=now,
        payload={
            "callsign": unit.callsign,
            "status": target.value,
            "number": case.number if case else None,
            "case_status": case.status.value if case else None,
            **({"case_reverted_from": reverted.value} if reverted else {}),
        },
    )
    return unit


def release_units_of_case(session: Session, case: Case, *, actor: Actor, now: datetime) -> list[str]:
    """Clear every unit still attached to the case (used when the case is resolved). Returns their callsigns."""
    released: list[str] = []
    for dispatch in session.scalars(select(Dispatch).where(Dispatch.case_id == case.id, dispatch_is_active())).all():
        unit = guarded_update(
            session,
            Unit,
            dispatch.unit_id,
            where=[Unit.current_case_id == case.id],
            now=now,
            status=UnitStatus.AVAILABLE,
            status_since=now,
            current_case_id=None,
        )
        if dispatch.on_scene_at is None:
            dispatch.cancelled_at = now
        else:
            dispatch.cleared_at = now
        callsign = unit.callsign if unit else session.scalar(select(Unit.callsign).where(Unit.id == dispatch.unit_id))
        released.append(callsign or str(dispatch.unit_id))
        record_event(
            session,
            EventKind.UNIT_STATUS,
            actor=actor.name,
            unit_id=dispatch.unit_id,
            case_id=case.id,
            ts=now,
            payload={
                "callsign": released[-1],
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
    else), the reroute is refused with the unit's current state. The old case is left by `unit_left_case`; the
    unit is then claimed for the new case through `dispatch_unit`, in the same transaction.
    """
    actor.require(Action.REROUTE)
    scope.require_unit(session, actor, unit_id)
    scope.require_case(session, actor, to_case_id)
    now = now or utcnow()
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit", unit_id)
    target = _case(session, to_case_id)
    from_case_id = unit.current_case_id
    on_the_way = frozenset({UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE})
    if unit.status not in on_the_way or from_case_id is None:
        raise InvalidTransition("unit", unit.callsign, unit.status.value, "reroute (only a unit on its way can be)")
    if from_case_id == to_case_id:
        raise ValidationError("to_case", "the unit is already on this case")
    source = _case(session, from_case_id)
    if target.priority.rank >= source.priority.rank:
        raise ValidationError(
            "to_case", f"case {target.number} ({target.priority.value}) is not more urgent than {source.number}"
        )
    # Free of its old case and available for the claim below; no other transaction sees this in-between state.
    unit = unit_step(
        session,
        unit_id=unit_id,
        states=on_the_way,
        where=[Unit.current_case_id == from_case_id],
        action="reroute",
        now=now,
        status=UnitStatus.AVAILABLE,
        status_since=now,
        current_case_id=None,
    )
    old = _active_dispatch(session, unit_id, from_case_id)
    source = unit_left_case(session, old, now)[0] if old is not None else touch_case(session, from_case_id, now)
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
    return dispatch_unit(session, case_id=to_case_id, unit_id=unit_id, actor=actor, now=now, rules=rules)
