"""Patrol and key-site operations (巡防, 重点单位): plans (import, list, show, suspend, resume, suggest), the day's
board and its review (board, shift, approve, return), filing from patrol, the plans' map layer, track playback,
the figures of a period, and key sites with their readiness and the relocation order (力量前置).

The board, the map layer and the report first make the shifts of the days they show (`ensure_days`: derived rows,
no event) in a short write of their own, then read; the rest is one transaction each, like every operation.
Values are plain dicts (what the command line prints) except `patrol.track`, whose `PlaybackData` also carries the
frames the map's playback draws.

Every operation works within the acting user's scope (`services.scope`): a township's or village's user reads and
changes only the plans, shifts, units and key sites of its scope; naming another one is refused (`OutOfScope`).
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..errors import ValidationError
from ..models import PatrolPlan, PatrolPlanUnit, PatrolTarget, Unit
from ..patrol.config import patrol_settings
from ..patrol.plan_geojson import parse_plans_geojson, plans_geojson
from ..patrol.playback import PlaybackData, playback
from ..patrol.readiness import readiness
from ..patrol.report import patrol_report
from ..patrol.schedule import local_day
from ..patrol.shifts import patrol_board, plans_layer, shift_detail, shift_view
from ..patrol.suggest import suggest_plans
from ..services import key_sites, patrol_filing, patrol_plans, patrol_review, relocation, scope
from ..services.actor import Action
from ..services.patrol_shifts import days_between, ensure_days
from ..services.positions_import import import_positions, parse_positions_csv
from ..timeutil import parse_iso8601, utcnow
from . import refs
from .changes import OpResult
from .registry import Kind, OpContext, operation

#: Longest period a report covers, and longest track a playback loads.
MAX_REPORT_DAYS = 367
MAX_TRACK = timedelta(days=7)


def _plan_id(session: Session, name: str, ctx: OpContext) -> int:
    """The plan named `name`, if the acting user's scope holds it."""
    return scope.check_plan_named(session, ctx.actor, name).id


def _moment(value: str | datetime | None, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(field, "needs a time zone offset")
        return value
    try:
        return parse_iso8601(value)
    except ValueError as exc:
        raise ValidationError(field, f"{value!r} is not an ISO 8601 time with an offset ({exc})") from None


def _day(value: str | date, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _ensure(ctx: OpContext, days: list[date], now: datetime) -> None:
    """The shifts of these days exist (derived rows, no event; a no-op once a day is done). A console reading from
    a hot standby cannot write them: it shows what the primary has made (an outage still fails the read after)."""
    wanted = [d for d in days if d <= local_day(now)]
    if wanted:
        with contextlib.suppress(DBAPIError):
            ctx.write(lambda s: ensure_days(s, wanted, now=now))


# -- plans -----------------------------------------------------------------------------------------------------------


@operation("patrol.import", action=Action.MANAGE_PATROL)
def import_plans(ctx: OpContext, *, text: str) -> OpResult[dict[str, Any]]:
    """Plans from a GeoJSON text (one Feature per target); checked whole before anything is stored."""
    drafts = parse_plans_geojson(text)
    return ctx.write(lambda s: {"plans": patrol_plans.import_plans(s, drafts, actor=ctx.actor).as_dict()})


@operation("positions.import", action=Action.INGEST_POSITIONS)
def import_positions_csv(ctx: OpContext, *, text: str, source: str = "import") -> OpResult[dict[str, Any]]:
    """GPS history from a tracker server's CSV text (tracker_id or callsign, fix_at, lat, lon[, speed_kmh, course]):
    checked whole first, stored in one transaction and matched against the patrol shifts."""
    key, rows = parse_positions_csv(text)
    return ctx.write(
        lambda s: {"positions": import_positions(s, key, rows, actor=ctx.actor, source=source[:32]).as_dict()}
    )


def plan_dict(session: Session, plan: PatrolPlan, *, targets: bool) -> dict[str, Any]:
    team = list(
        session.scalars(
            select(Unit.callsign)
            .join(PatrolPlanUnit, PatrolPlanUnit.unit_id == Unit.id)
            .where(PatrolPlanUnit.plan_id == plan.id)
            .order_by(Unit.callsign)
        )
    )
    rows = session.scalars(
        select(PatrolTarget)
        .where(PatrolTarget.plan_id == plan.id, PatrolTarget.retired_at.is_(None))
        .order_by(PatrolTarget.seq)
    ).all()
    out: dict[str, Any] = {
        "id": plan.id,
        "name": plan.name,
        "status": plan.status.value,
        "team": team,
        "days": plan.days,
        "windows": plan.windows,
        "valid_from": plan.valid_from.isoformat(),
        "valid_to": plan.valid_to.isoformat() if plan.valid_to else None,
        "source": plan.source,
        "version": plan.version,
        "targets": len(rows),
    }
    if targets:
        out["targets"] = [
            {
                "name": t.name,
                "kind": t.kind.value,
                "geometry": t.geometry,
                **{
                    k: getattr(t, k)
                    for k in ("radius_m", "dwell_s", "buffer_m", "min_share", "min_minutes", "length_m")
                    if getattr(t, k) is not None
                },
            }
            for t in rows
        ]
    return out


@operation("patrol.plans", action=None, kind=Kind.READ)
def list_plans(ctx: OpContext) -> OpResult[dict[str, Any]]:
    """The plans: team, schedule, status, number of targets."""

    def read(s: Session) -> dict[str, Any]:
        plans = s.scalars(select(PatrolPlan).where(scope.plan_filter(ctx.actor)).order_by(PatrolPlan.name)).all()
        return {"plans": [plan_dict(s, p, targets=False) for p in plans]}

    return ctx.read(read)


@operation("patrol.plan", action=None, kind=Kind.READ)
def show_plan(ctx: OpContext, *, plan: str) -> OpResult[dict[str, Any]]:
    """One plan by name with its targets (GeoJSON geometry)."""

    def read(s: Session) -> dict[str, Any]:
        row = s.get(PatrolPlan, _plan_id(s, plan, ctx))
        assert row is not None
        return plan_dict(s, row, targets=True)

    return ctx.read(read)


def _set_status(ctx: OpContext, plan: str, version: int | None, *, suspend: bool) -> OpResult[dict[str, Any]]:
    change = patrol_plans.suspend_plan if suspend else patrol_plans.resume_plan

    def work(s: Session) -> dict[str, Any]:
        row = change(s, _plan_id(s, plan, ctx), actor=ctx.actor, expected_version=version)
        return {"plan": row.name, "status": row.status.value, "version": row.version}

    return ctx.write(work)


@operation("patrol.suspend", action=Action.MANAGE_PATROL)
def suspend(ctx: OpContext, *, plan: str, version: int | None = None) -> OpResult[dict[str, Any]]:
    """No more shifts of the plan from now on (refused if its version is no longer `version`)."""
    return _set_status(ctx, plan, version, suspend=True)


@operation("patrol.resume", action=Action.MANAGE_PATROL)
def resume(ctx: OpContext, *, plan: str, version: int | None = None) -> OpResult[dict[str, Any]]:
    """Shifts of the plan again from its next window."""
    return _set_status(ctx, plan, version, suspend=False)


@operation("patrol.suggest", action=None, kind=Kind.READ)
def suggest(ctx: OpContext, *, days: int | None = None) -> OpResult[dict[str, Any]]:
    """Draft plans from the clusters of the last `days` days' appeals (研判), with the cases behind each and the
    drafts as an import file (`geojson`)."""
    if days is not None and not 1 <= days <= 365:
        raise ValidationError("days", "must be between 1 and 365")

    def read(s: Session) -> dict[str, Any]:
        found = suggest_plans(s, now=utcnow(), days=days, actor=ctx.actor)
        extra = {sg.draft.name: {"cases": list(sg.cases), "note": f"{len(sg.cases)} cases"} for sg in found}
        return {
            "suggestions": [sg.as_dict() for sg in found],
            "geojson": plans_geojson([sg.draft for sg in found], extra=extra),
        }

    return ctx.read(read)


# -- the day's shifts and their review -----------------------------------------------------------------------------


@operation("patrol.board", action=None, kind=Kind.READ)
def board(ctx: OpContext, *, at: str | datetime | None = None) -> OpResult[dict[str, Any]]:
    """Today's shifts with progress (targets done / due), yesterday's finished shifts awaiting review."""
    now = _moment(at, "at") or utcnow()
    today = local_day(now)
    _ensure(ctx, [today - timedelta(days=1), today], now)
    return ctx.read(lambda s: patrol_board(s, now=now, actor=ctx.actor).as_dict())


@operation("patrol.shift", action=None, kind=Kind.READ)
def shift(ctx: OpContext, *, shift_id: int) -> OpResult[dict[str, Any]]:
    """One shift: its targets and how far each got, check-ins, units, reports filed from it."""
    return ctx.read(lambda s: shift_detail(s, int(shift_id), now=utcnow(), actor=ctx.actor).as_dict())


def _review(
    ctx: OpContext, shift_id: int, remark: str | None, version: int | None, *, approve: bool
) -> OpResult[dict[str, Any]]:
    def work(s: Session) -> dict[str, Any]:
        if approve:
            patrol_review.approve_shift(s, shift_id, actor=ctx.actor, remark=remark, expected_version=version)
        else:
            patrol_review.return_shift(s, shift_id, remark=remark or "", actor=ctx.actor, expected_version=version)
        return shift_view(s, shift_id, now=utcnow()).as_dict()

    return ctx.write(work)


@operation("patrol.approve", action=Action.REVIEW_PATROL)
def approve(
    ctx: OpContext, *, shift_id: int, remark: str | None = None, version: int | None = None
) -> OpResult[dict[str, Any]]:
    """Approve a finished shift (审核通过)."""
    return _review(ctx, int(shift_id), remark, version, approve=True)


@operation("patrol.return", action=Action.REVIEW_PATROL)
def return_(ctx: OpContext, *, shift_id: int, remark: str, version: int | None = None) -> OpResult[dict[str, Any]]:
    """Return a finished shift to its team with a remark (退回)."""
    return _review(ctx, int(shift_id), remark, version, approve=False)


@operation("patrol.file", action=Action.INTAKE)
def file_report(
    ctx: OpContext,
    *,
    category: str,
    description: str,
    callsign: str | None = None,
    unit_id: int | None = None,
    priority: str = "yellow",
    address: str | None = None,
) -> OpResult[dict[str, Any]]:
    """A case found on patrol: channel `patrol`, at the unit's position and grid, remembering the shift."""

    def work(s: Session) -> dict[str, Any]:
        filed = patrol_filing.file_patrol_report(
            s,
            unit_id=refs.unit_id(s, unit_id, callsign),
            category=category,
            priority=priority,
            description=description,
            address=address,
            actor=ctx.actor,
        )
        case = filed.intake.case
        return {
            "case": case.number,
            "case_id": case.id,
            "channel": case.channel.value,
            "unit": filed.callsign,
            "lat": case.lat,
            "lon": case.lon,
            "grid": filed.intake.grid_code,
            "township": filed.intake.township_name,
            "shift_id": filed.shift_id,
            "plan": filed.plan,
            "duplicates": filed.intake.duplicates,
        }

    return ctx.write(work)


# -- the map and playback ------------------------------------------------------------------------------------------


@operation("patrol.layer", action=None, kind=Kind.READ)
def layer(ctx: OpContext) -> OpResult[list[dict[str, Any]]]:
    """Every target of the active plans (GeoJSON geometry) with today's state: done, due_now, missed, planned or
    none_today — the map's plans layer."""
    now = utcnow()
    _ensure(ctx, [local_day(now)], now)
    return ctx.read(lambda s: [t.as_dict() for t in plans_layer(s, now=now, actor=ctx.actor)])


@operation("patrol.track", action=None, kind=Kind.READ)
def track(
    ctx: OpContext,
    *,
    callsigns: list[str] | tuple[str, ...] = (),
    unit_ids: list[int] | tuple[int, ...] = (),
    shift_id: int | None = None,
    start: str | datetime | None = None,
    end: str | datetime | None = None,
) -> OpResult[PlaybackData]:
    """Tracks of these units (or of a shift's team) over a range of at most 7 days, with their stops, check-ins
    and the cases received meanwhile (轨迹回放). A shift gives the range (its window and grace) when none is given."""
    until = _moment(end, "to")
    since = _moment(start, "from")

    def read(s: Session) -> PlaybackData:
        ids = [refs.unit_id(s, None, c) for c in callsigns] + [int(u) for u in unit_ids]
        first, last = since, until
        if shift_id is not None:
            scope.check_shift(s, ctx.actor, int(shift_id))
            view = shift_view(s, int(shift_id), now=utcnow())
            first = first or view.starts_at
            last = last or view.ends_at + timedelta(seconds=patrol_settings().late_grace_s)
            if not ids:  # the shift's team: of a scoped user's plan, the members it may see
                team = [refs.unit_id(s, None, c) for c in view.team]
                ids = list(s.scalars(select(Unit.id).where(Unit.id.in_(team), scope.unit_filter(ctx.actor))))
        last = last or utcnow()
        first = first or last - timedelta(hours=24)
        if not ids:
            raise ValidationError("units", "name at least one unit (or a shift)")
        if last <= first:
            raise ValidationError("to", "is not after --from")
        if last - first > MAX_TRACK:
            raise ValidationError("to", "a track covers at most 7 days")
        return playback(s, sorted(set(ids)), first, last, actor=ctx.actor)

    return ctx.read(read)


# -- figures -------------------------------------------------------------------------------------------------------


@operation("patrol.report", action=None, kind=Kind.READ)
def report(
    ctx: OpContext,
    *,
    first: str | date,
    last: str | date,
    by: str | None = None,
    shifts: bool = False,
    stale_days: int | None = None,
) -> OpResult[dict[str, Any]]:
    """Compliance (达标率) and coverage (覆盖率) of a period with every numerator and denominator, by plan, team,
    unit, township or grid; the shifts with missed and late targets; targets not met for `stale_days` days."""
    day0, day1 = _day(first, "from"), _day(last, "to")
    if day1 < day0:
        raise ValidationError("to", "is before --from")
    if (day1 - day0).days >= MAX_REPORT_DAYS:
        raise ValidationError("to", "a report covers at most 367 days")
    if stale_days is not None and stale_days < 1:
        raise ValidationError("stale_days", "must be at least 1")
    now = utcnow()
    _ensure(ctx, list(days_between(day0, day1)), now)
    return ctx.read(
        lambda s: patrol_report(
            s, first=day0, last=day1, now=now, by=by, with_shifts=shifts, stale_days=stale_days, actor=ctx.actor
        ).as_dict()
    )


# -- key sites -----------------------------------------------------------------------------------------------------


@operation("sites.import", action=Action.MANAGE_SITES)
def import_sites(ctx: OpContext, *, text: str) -> OpResult[dict[str, Any]]:
    """Key sites (重点单位) from GeoJSON Point features with properties code, name, kind, target_min."""
    records = key_sites.parse_sites_geojson(text)
    return ctx.write(lambda s: {"sites": key_sites.import_sites(s, records, actor=ctx.actor).as_dict()})


@operation("sites.readiness", action=None, kind=Kind.READ)
def site_readiness(ctx: OpContext, *, moves: int | None = None) -> OpResult[dict[str, Any]]:
    """Readiness now: which key sites an available unit reaches within the site's target (the estimate dispatch
    uses) and which not, every site with its best arrival, and the suggested relocations (greedy maximal covering).
    The value is `readiness --format json`'s, with every site under `all_sites`."""
    if moves is not None and not 0 <= moves <= 50:
        raise ValidationError("moves", "must be between 0 and 50")

    def read(s: Session) -> dict[str, Any]:
        result = readiness(s, now=utcnow(), max_moves=moves, actor=ctx.actor)
        return {**result.as_dict(), "all_sites": [site.as_dict() for site in result.sites]}

    return ctx.read(read)


@operation("sites.relocate", action=Action.RELOCATE)
def relocate(
    ctx: OpContext,
    *,
    site: str,
    callsign: str | None = None,
    unit_id: int | None = None,
    covers: list[str] | tuple[str, ...] = (),
) -> OpResult[dict[str, Any]]:
    """Order an available unit to stand by at a key site (力量前置), naming the uncovered sites the move covers."""

    def work(s: Session) -> dict[str, Any]:
        uid = refs.unit_id(s, unit_id, callsign)
        order = relocation.order_relocation(s, unit_id=uid, site_code=site, covers=list(covers), actor=ctx.actor)
        name = callsign or s.scalars(select(Unit.callsign).where(Unit.id == uid)).one()
        return {
            "relocation_id": order.id,
            "unit": name,
            "site": site,
            "lat": order.lat,
            "lon": order.lon,
            "covers": order.covers,
            "ordered_by": order.ordered_by,
            "ordered_at": order.ordered_at.isoformat(),
        }

    return ctx.write(work)
