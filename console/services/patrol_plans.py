"""Patrol plans: create, edit, suspend, resume and import (shift leader or administrator), each with its event.

Every change is one guarded write: an edit or a suspension names the version it saw and loses cleanly (`Conflict`)
when another workstation changed the plan first. Editing retires the plan's targets and adds the new ones (the
shifts and check-ins of the past keep what was due then) and remakes the shifts that have not started; suspending
drops those; resuming makes them again from that moment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely.geometry import shape
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..db.tx import affected
from ..enums import EventKind, PlanStatus, TargetKind
from ..events import record_event
from ..geo.gridindex import grid_index
from ..models import PatrolPlan, PatrolPlanUnit, PatrolTarget, Unit
from ..patrol.drafts import PlanDraft, check_plan
from ..patrol.geometry import polyline_length_m
from ..patrol.schedule import local_day
from ..periods import local_midnight
from ..timeutil import utcnow
from . import scope
from .actor import Action, Actor
from .errors import Conflict, InvalidTransition, NotFound, OutOfScope, ValidationError
from .patrol_matching import forget_patrol_index
from .patrol_shifts import drop_unstarted, materialize_plan


def _plan(session: Session, plan_id: int) -> PatrolPlan:
    plan = session.get(PatrolPlan, plan_id, populate_existing=True)
    if plan is None:
        raise NotFound("patrol plan", plan_id)
    return plan


def _team(session: Session, callsigns: Sequence[str], field: str, actor: Actor) -> list[int]:
    """The team's unit ids; a scoped `actor` names only units it may send (`scope.unit_filter`)."""
    found = dict(
        session.execute(select(Unit.callsign, Unit.id).where(Unit.callsign.in_(list(callsigns)))).tuples().all()
    )
    for callsign in callsigns:
        if callsign not in found:
            raise ValidationError(field, f"no unit with callsign {callsign!r}")
    if actor.scoped:
        for callsign in callsigns:
            scope.check_unit(session, actor, found[callsign])
    return [found[c] for c in callsigns]


def _placed_in_scope(plan: PatrolPlan, actor: Actor) -> None:
    """A scoped user's plan must lie in its scope where its targets put it (refused before any shift is made)."""
    if not scope.case_in_scope(actor, plan):
        raise OutOfScope("patrol plan", plan.name, scope.scope_name(actor))


def _add_targets(session: Session, plan: PatrolPlan, draft: PlanDraft, now: datetime) -> None:
    index = grid_index(session)
    grids: Counter[int] = Counter()
    towns: dict[int, int] = {}
    for seq, t in enumerate(draft.targets):
        geom = shape(t.geometry)
        anchor = geom if t.kind == TargetKind.POINT else geom.representative_point()
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        hit = index.locate(anchor.y, anchor.x)
        touching = [h.grid_id for h in index.touching(geom)] if t.kind != TargetKind.POINT else []
        if hit is not None:
            grids[hit.grid_id] += 1
            towns[hit.grid_id] = hit.township_id
        session.add(
            PatrolTarget(
                plan_id=plan.id,
                seq=seq,
                name=t.name,
                kind=t.kind,
                geometry=t.geometry,
                lat=anchor.y,
                lon=anchor.x,
                min_lat=min_lat,
                min_lon=min_lon,
                max_lat=max_lat,
                max_lon=max_lon,
                radius_m=t.radius_m,
                dwell_s=t.dwell_s,
                buffer_m=t.buffer_m,
                min_share=t.min_share,
                min_minutes=t.min_minutes,
                length_m=polyline_length_m(t.geometry["coordinates"]) if t.kind == TargetKind.ROUTE else None,
                grid_id=hit.grid_id if hit else None,
                township_id=hit.township_id if hit else None,
                grid_ids=sorted(set(touching) | ({hit.grid_id} if hit else set())),
                created_at=now,
            )
        )
    if grids:
        grid_id = max(grids, key=lambda g: (grids[g], -g))
        plan.grid_id, plan.township_id = grid_id, towns[grid_id]
    else:
        plan.grid_id = plan.township_id = None


def _active_since(draft: PlanDraft, now: datetime) -> datetime:
    """An explicit valid_from counts from that day's midnight; otherwise the plan owes nothing before now."""
    return local_midnight(draft.valid_from) if draft.valid_from is not None else now


def create_plan(
    session: Session, draft: PlanDraft, *, actor: Actor, now: datetime | None = None, source: str = "manual"
) -> PatrolPlan:
    actor.require(Action.MANAGE_PATROL)
    now = now or utcnow()
    draft = check_plan(draft)
    team = _team(session, draft.team, "team", actor)
    if session.scalars(select(PatrolPlan.id).where(PatrolPlan.name == draft.name)).first() is not None:
        raise ValidationError("name", f"a plan named {draft.name!r} exists; edit it instead")
    plan = PatrolPlan(
        name=draft.name,
        status=PlanStatus.ACTIVE,
        days=list(draft.days),
        windows=list(draft.windows),
        valid_from=draft.valid_from or local_day(now),
        valid_to=draft.valid_to,
        active_since=_active_since(draft, now),
        source=source[:16],
        version=1,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    session.flush()
    session.add_all(PatrolPlanUnit(plan_id=plan.id, unit_id=u) for u in team)
    _add_targets(session, plan, draft, now)
    session.flush()
    _placed_in_scope(plan, actor)
    forget_patrol_index(session)
    materialize_plan(session, plan.id, not_before=plan.active_since, now=now)
    record_event(
        session,
        EventKind.PATROL_PLAN_CREATED,
        actor=actor.name,
        ts=now,
        payload={"plan_id": plan.id, "name": plan.name, "team": list(draft.team), "targets": len(draft.targets)},
    )
    return plan


def update_plan(
    session: Session,
    plan_id: int,
    draft: PlanDraft,
    *,
    actor: Actor,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> PatrolPlan:
    """Replace the plan's definition (name, team, schedule, targets) from now on (a scoped `actor`: a plan of its
    scope, which stays in its scope)."""
    actor.require(Action.MANAGE_PATROL)
    if actor.scoped:
        scope.check_plan(session, actor, plan_id)
    now = now or utcnow()
    draft = check_plan(draft)
    team = _team(session, draft.team, "team", actor)
    clash = session.scalars(
        select(PatrolPlan.id).where(PatrolPlan.name == draft.name, PatrolPlan.id != plan_id)
    ).first()
    if clash is not None:
        raise ValidationError("name", f"another plan is named {draft.name!r}")
    guard = [PatrolPlan.id == plan_id]
    if expected_version is not None:
        guard.append(PatrolPlan.version == expected_version)
    values: dict[str, Any] = {
        "name": draft.name,
        "days": list(draft.days),
        "windows": list(draft.windows),
        "valid_to": draft.valid_to,
        "version": PatrolPlan.version + 1,
        "updated_at": now,
    }
    if draft.valid_from is not None:
        values["valid_from"] = draft.valid_from
    if (
        affected(
            session.execute(
                update(PatrolPlan).where(*guard).values(**values).execution_options(synchronize_session=False)
            )
        )
        != 1
    ):
        current = _plan(session, plan_id)
        raise Conflict(
            f"plan {current.name} was changed meanwhile (version {current.version}); reload it", version=current.version
        )
    plan = _plan(session, plan_id)
    session.execute(
        update(PatrolTarget)
        .where(PatrolTarget.plan_id == plan_id, PatrolTarget.retired_at.is_(None))
        .values(retired_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(PatrolPlanUnit).where(PatrolPlanUnit.plan_id == plan_id))
    session.add_all(PatrolPlanUnit(plan_id=plan_id, unit_id=u) for u in team)
    _add_targets(session, plan, draft, now)
    session.flush()
    _placed_in_scope(plan, actor)
    forget_patrol_index(session)
    dropped = drop_unstarted(session, plan_id, now=now)
    if plan.status == PlanStatus.ACTIVE:
        materialize_plan(session, plan_id, not_before=now, now=now)
    record_event(
        session,
        EventKind.PATROL_PLAN_UPDATED,
        actor=actor.name,
        ts=now,
        payload={
            "plan_id": plan_id,
            "name": plan.name,
            "version": plan.version,
            "team": list(draft.team),
            "targets": len(draft.targets),
            "shifts_remade": dropped,
        },
    )
    return plan


def _set_status(
    session: Session,
    plan_id: int,
    *,
    to: PlanStatus,
    actor: Actor,
    expected_version: int | None,
    now: datetime | None,
) -> PatrolPlan:
    actor.require(Action.MANAGE_PATROL)
    if actor.scoped:
        scope.check_plan(session, actor, plan_id)
    now = now or utcnow()
    source = PlanStatus.SUSPENDED if to == PlanStatus.ACTIVE else PlanStatus.ACTIVE
    guard = [PatrolPlan.id == plan_id, PatrolPlan.status == source]
    if expected_version is not None:
        guard.append(PatrolPlan.version == expected_version)
    values: dict[str, Any] = {"status": to, "version": PatrolPlan.version + 1, "updated_at": now}
    if to == PlanStatus.ACTIVE:
        values["active_since"] = now
    changed = affected(
        session.execute(update(PatrolPlan).where(*guard).values(**values).execution_options(synchronize_session=False))
    )
    plan = _plan(session, plan_id)
    if changed != 1:
        if plan.status == source:
            raise Conflict(f"plan {plan.name} was changed meanwhile (version {plan.version})", version=plan.version)
        action = "resume" if to == PlanStatus.ACTIVE else "suspend"
        raise InvalidTransition("patrol plan", plan.name, plan.status.value, action)
    forget_patrol_index(session)
    dropped = drop_unstarted(session, plan_id, now=now)
    made = materialize_plan(session, plan_id, not_before=now, now=now) if to == PlanStatus.ACTIVE else []
    record_event(
        session,
        EventKind.PATROL_PLAN_RESUMED if to == PlanStatus.ACTIVE else EventKind.PATROL_PLAN_SUSPENDED,
        actor=actor.name,
        ts=now,
        payload={
            "plan_id": plan_id,
            "name": plan.name,
            "version": plan.version,
            "shifts_dropped": dropped,
            "shifts_made": len(made),
        },
    )
    return plan


def suspend_plan(
    session: Session, plan_id: int, *, actor: Actor, expected_version: int | None = None, now: datetime | None = None
) -> PatrolPlan:
    """No more shifts from now on (the ones that started run to their end)."""
    return _set_status(
        session, plan_id, to=PlanStatus.SUSPENDED, actor=actor, expected_version=expected_version, now=now
    )


def resume_plan(
    session: Session, plan_id: int, *, actor: Actor, expected_version: int | None = None, now: datetime | None = None
) -> PatrolPlan:
    """Shifts again, from the next window that starts after now."""
    return _set_status(session, plan_id, to=PlanStatus.ACTIVE, actor=actor, expected_version=expected_version, now=now)


@dataclass(frozen=True)
class PlansImport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    targets: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "targets": self.targets}


def import_plans(
    session: Session, drafts: Sequence[PlanDraft], *, actor: Actor, now: datetime | None = None
) -> PlansImport:
    """All or nothing: new names make plans, known names replace those plans' definitions."""
    actor.require(Action.MANAGE_PATROL)
    now = now or utcnow()
    result = PlansImport()
    for draft in drafts:
        existing = session.scalars(select(PatrolPlan.id).where(PatrolPlan.name == draft.name)).first()
        if existing is None:
            create_plan(session, draft, actor=actor, now=now, source="import")
            result.created.append(draft.name)
        else:
            update_plan(session, existing, draft, actor=actor, now=now)
            result.updated.append(draft.name)
    report = PlansImport(result.created, result.updated, sum(len(d.targets) for d in drafts))
    record_event(session, EventKind.PATROL_PLANS_IMPORTED, actor=actor.name, ts=now, payload=report.as_dict())
    return report
