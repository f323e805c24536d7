"""Relocation orders: the shift leader sends an available unit to stand by at a post (a key site's position), to
cover sites a dispatch left uncovered. One guarded write: the unit must still be available (its version is bumped
by a conditional UPDATE on its status, so a dispatch at another workstation in the meantime wins cleanly); the
unit's previous open order is closed as superseded; one `unit_relocated` event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db.tx import affected
from ..enums import EventKind, UnitStatus
from ..events import record_event
from ..models import Dispatch, KeySite, Relocation, Unit
from ..timeutil import utcnow
from . import scope
from .actor import Action, Actor
from .errors import NotFound, OutOfScope, UnitUnavailable, ValidationError


def order_relocation(
    session: Session,
    *,
    unit_id: int,
    site_code: str,
    actor: Actor,
    covers: Sequence[str] = (),
    now: datetime | None = None,
) -> Relocation:
    actor.require(Action.RELOCATE)
    now = now or utcnow()
    # A scoped user moves its own units to its own sites (`scope.check_site` / `check_unit` refuse the rest).
    site = scope.check_site(session, actor, site_code)
    scope.require_unit(session, actor, unit_id)
    known = {c.code: c for c in session.scalars(select(KeySite).where(KeySite.code.in_(list(covers))))}
    unknown = set(covers) - set(known)
    if unknown:
        raise ValidationError("covers", f"unknown key sites: {', '.join(sorted(unknown))}")
    for code in sorted(known):
        if not scope.case_in_scope(actor, known[code]):
            raise OutOfScope("key site", code, scope.scope_name(actor))
    claimed = affected(
        session.execute(
            update(Unit)
            .where(Unit.id == unit_id, Unit.status == UnitStatus.AVAILABLE)
            .values(version=Unit.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    unit = session.get(Unit, unit_id, populate_existing=True)
    if unit is None:
        raise NotFound("unit", unit_id)
    if claimed != 1:
        raise UnitUnavailable(unit.callsign, unit.status.value)
    superseded = list(
        session.scalars(select(Relocation.id).where(Relocation.unit_id == unit_id, Relocation.closed_at.is_(None)))
    )
    if superseded:
        session.execute(
            update(Relocation)
            .where(Relocation.id.in_(superseded))
            .values(closed_at=now, close_reason="superseded")
            .execution_options(synchronize_session=False)
        )
    order = Relocation(
        unit_id=unit_id,
        site_id=site.id,
        lat=site.lat,
        lon=site.lon,
        covers=sorted(set(covers) | {site.code}),
        ordered_by=actor.name,
        ordered_at=now,
        details={"from": [unit.lat, unit.lon]},
    )
    session.add(order)
    session.flush()
    record_event(
        session,
        EventKind.UNIT_RELOCATED,
        actor=actor.name,
        unit_id=unit_id,
        ts=now,
        payload={
            "callsign": unit.callsign,
            "relocation_id": order.id,
            "site": site.code,
            "lat": site.lat,
            "lon": site.lon,
            "covers": order.covers,
            "superseded": superseded,
        },
    )
    return order


def standing_orders(session: Session) -> dict[int, Relocation]:
    """Each unit's order in force: open, and the unit not dispatched since it was given."""
    out: dict[int, Relocation] = {}
    orders = session.scalars(select(Relocation).where(Relocation.closed_at.is_(None)).order_by(Relocation.id)).all()
    if not orders:
        return out
    last_dispatch = dict(
        session.execute(
            select(Dispatch.unit_id, Dispatch.dispatched_at)
            .where(Dispatch.unit_id.in_([o.unit_id for o in orders]))
            .order_by(Dispatch.dispatched_at)
        )
        .tuples()
        .all()
    )
    for order in orders:
        dispatched = last_dispatch.get(order.unit_id)
        if dispatched is None or dispatched < order.ordered_at:
            out[order.unit_id] = order
    return out
