"""Scope: what a user of the county, a township or a village may see and act on — the one place that says it.

The county sees everything. A township user sees the cases, units and assignments of its township; a village user
(a grid group) those of its grid. Queries add `case_filter` / `unit_filter` / `assignment_filter` to their `WHERE`;
services taking one object by id call `check_case` / `check_unit` / `check_assignment` first, which refuse an object
outside the scope with `OutOfScope` (the same answer whether the object exists elsewhere or not would leak nothing
more: an unknown id is still `NotFound`).
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from ..enums import Level
from ..models import Assignment, Case, Grid, Handoff, KeySite, PatrolPlan, PatrolShift, Township, Unit
from .actor import Actor
from .errors import NotFound, OutOfScope


def scope_name(actor: Actor) -> str:
    """`county`, `township 12` or `village 345` (ids; the refusal names no place the user cannot see)."""
    if actor.level == Level.TOWNSHIP:
        return f"township {actor.township_id}"
    if actor.level == Level.VILLAGE:
        return f"village {actor.grid_id}"
    return "county"


def case_filter(actor: Actor) -> ColumnElement[bool]:
    """The cases `actor` may see (true for the county; a scoped user missing its place sees nothing)."""
    if actor.level == Level.TOWNSHIP:
        return Case.township_id == actor.township_id if actor.township_id is not None else false()
    if actor.level == Level.VILLAGE:
        return Case.grid_id == actor.grid_id if actor.grid_id is not None else false()
    return true()


def figures_filter(actor: Actor) -> ColumnElement[bool] | None:
    """`case_filter` for reads over a period or over the open cases (the figures, the live snapshot; None for the
    county), written so that the planner keeps range-scanning the period (`received_at`) or the open cases
    (`status`) and filters the scope's rows from those, instead of walking the township's whole history by its own
    index."""
    if not actor.scoped:
        return None
    if actor.level == Level.TOWNSHIP:
        return func.coalesce(Case.township_id, -1) == (actor.township_id if actor.township_id is not None else -2)
    return func.coalesce(Case.grid_id, -1) == (actor.grid_id if actor.grid_id is not None else -2)


def grid_in_scope(actor: Actor, grid: Grid) -> bool:
    """A township user works in its township's grids, a village user in its own grid, the county everywhere."""
    if actor.level == Level.TOWNSHIP:
        return actor.township_id is not None and grid.township_id == actor.township_id
    if actor.level == Level.VILLAGE:
        return actor.grid_id is not None and grid.id == actor.grid_id
    return True


def grid_filter(actor: Actor) -> ColumnElement[bool]:
    """`grid_in_scope` as a filter on `Grid` (true for the county)."""
    if actor.level == Level.TOWNSHIP:
        return Grid.township_id == actor.township_id if actor.township_id is not None else false()
    if actor.level == Level.VILLAGE:
        return Grid.id == actor.grid_id if actor.grid_id is not None else false()
    return true()


def unit_filter(actor: Actor) -> ColumnElement[bool]:
    """The units `actor` may see and send: a township's units (its own, or based in one of its grids), a village's
    own grid units."""
    if actor.level == Level.TOWNSHIP:
        if actor.township_id is None:
            return false()
        return or_(
            Unit.township_id == actor.township_id,
            Unit.home_grid_id.in_(select(Grid.id).where(Grid.township_id == actor.township_id)),
        )
    if actor.level == Level.VILLAGE:
        return Unit.home_grid_id == actor.grid_id if actor.grid_id is not None else false()
    return true()


def assignment_filter(actor: Actor) -> ColumnElement[bool]:
    """The assignments of the cases `actor` may see."""
    if not actor.scoped:
        return true()
    return Assignment.case_id.in_(select(Case.id).where(case_filter(actor)))


def handoff_filter(actor: Actor) -> ColumnElement[bool]:
    if not actor.scoped:
        return true()
    return Handoff.case_id.in_(select(Case.id).where(case_filter(actor)))


class Placed(Protocol):
    """Where a case lies, as a `Case` and its `CaseView` both say."""

    @property
    def township_id(self) -> int | None: ...

    @property
    def grid_id(self) -> int | None: ...


PlacedT = TypeVar("PlacedT", bound=Placed)


def case_in_scope(actor: Actor, case: Placed) -> bool:
    if actor.level == Level.TOWNSHIP:
        return actor.township_id is not None and case.township_id == actor.township_id
    if actor.level == Level.VILLAGE:
        return actor.grid_id is not None and case.grid_id == actor.grid_id
    return True


def check_case(session: Session, actor: Actor, case_id: int, *, key: Any = None) -> Case:
    """The case, if `actor` may see it; `OutOfScope` if it lies outside; `NotFound` if there is none."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", key if key is not None else case_id)
    if not case_in_scope(actor, case):
        raise OutOfScope("case", case.number, scope_name(actor))
    return case


def check_unit(session: Session, actor: Actor, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit", unit_id)
    ok = True
    if actor.level == Level.TOWNSHIP:
        home = session.get(Grid, unit.home_grid_id) if unit.home_grid_id is not None else None
        ok = actor.township_id is not None and actor.township_id in (
            unit.township_id,
            home.township_id if home else None,
        )
    elif actor.level == Level.VILLAGE:
        ok = actor.grid_id is not None and unit.home_grid_id == actor.grid_id
    if not ok:
        raise OutOfScope("unit", unit.callsign, scope_name(actor))
    return unit


def check_assignment(session: Session, actor: Actor, assignment_id: int) -> Assignment:
    a = session.get(Assignment, assignment_id)
    if a is None:
        raise NotFound("assignment", assignment_id)
    if actor.scoped:
        check_case(session, actor, a.case_id)
    return a


def check_township(actor: Actor, township_id: int | None) -> None:
    """A scoped user asks for figures or lists of one township: only its own."""
    if actor.level == Level.COUNTY or township_id is None:
        return
    if township_id != actor.township_id:
        raise OutOfScope("township", township_id, scope_name(actor))


def scope_township_id(actor: Actor) -> int | None:
    """The township a scoped user's figures are restricted to (None for the county)."""
    return actor.township_id if actor.scoped else None


def grid_of(session: Session, code: str) -> Grid:
    grid = session.scalars(select(Grid).where(Grid.code == code)).first()
    if grid is None:
        raise NotFound("grid", code, field="village")
    return grid


def township_named(session: Session, name: str) -> Township:
    town = session.scalars(select(Township).where(Township.name == name)).first()
    if town is None:
        raise NotFound("township", name, field="township")
    return town


__all__ = [
    "assignment_filter",
    "case_filter",
    "grid_in_scope",
    "case_in_scope",
    "check_assignment",
    "check_case",
    "check_township",
    "check_unit",
    "figures_filter",
    "require_assignment",
    "require_case",
    "require_unit",
    "grid_of",
    "intake_level",
    "handoff_filter",
    "check_plan",
    "check_plan_named",
    "check_shift",
    "check_site",
    "plan_filter",
    "plan_id_filter",
    "site_filter",
    "scope_name",
    "scope_township_id",
    "township_named",
    "unit_filter",
]


def require_case(session: Session, actor: Actor, case_id: int) -> None:
    """`check_case` for a scoped user; nothing (no statement) for the county."""
    if actor.scoped:
        check_case(session, actor, case_id)


def require_unit(session: Session, actor: Actor, unit_id: int) -> None:
    if actor.scoped:
        check_unit(session, actor, unit_id)


def require_assignment(session: Session, actor: Actor, assignment_id: int) -> None:
    if actor.scoped:
        check_assignment(session, actor, assignment_id)


def intake_level(actor: Actor, township_id: int | None, grid_id: int | None) -> Level:
    """The level a new case starts at: the county's for the county; a township or village user takes in only
    cases located in its scope, and holds them at its level."""
    if not actor.scoped:
        return Level.COUNTY
    inside = (
        township_id is not None and township_id == actor.township_id
        if actor.level == Level.TOWNSHIP
        else grid_id is not None and grid_id == actor.grid_id
    )
    if not inside:
        raise OutOfScope("location", f"grid {grid_id}" if grid_id else "unlocated", scope_name(actor))
    return actor.level


# -- patrol plans, their shifts, key sites ---------------------------------------------------------------------------
#
# A plan and a key site lie where the grid index put them (`township_id`, `grid_id`: a plan where most of its targets
# lie). They are scoped like units: the county sees all; a township user its township's plans, shifts and sites; a
# village user those of its own grid (a unit of a village is one of its grid, so a village's patrol plans and key
# sites are its grid's too). A plan or site the index placed nowhere belongs to the county only.


def _placed_filter(model: type[PatrolPlan] | type[KeySite], actor: Actor) -> ColumnElement[bool]:
    """Rows of a model placed by the grid index (`township_id`, `grid_id`) that `actor` may see (true for the county)."""
    if actor.level == Level.TOWNSHIP:
        return model.township_id == actor.township_id if actor.township_id is not None else false()
    if actor.level == Level.VILLAGE:
        return model.grid_id == actor.grid_id if actor.grid_id is not None else false()
    return true()


def plan_filter(actor: Actor) -> ColumnElement[bool]:
    """The patrol plans `actor` may see (true for the county)."""
    return _placed_filter(PatrolPlan, actor)


def plan_id_filter(actor: Actor, column: Any) -> ColumnElement[bool]:
    """`column` (a plan id: a shift's, a target's, a team row's) names a plan `actor` may see (true for the county)."""
    if not actor.scoped:
        return true()
    return column.in_(select(PatrolPlan.id).where(plan_filter(actor)))  # type: ignore[no-any-return]


def site_filter(actor: Actor) -> ColumnElement[bool]:
    """The key sites `actor` may see (true for the county)."""
    return _placed_filter(KeySite, actor)


def _placed_in_scope(actor: Actor, found: PlacedT | None, what: str, key: Any, shown: Any) -> PlacedT:
    """`found` (looked up by `key`) if `actor` may see it; `NotFound` if there is none; `OutOfScope` (naming it by
    `shown`) if it lies outside."""
    if found is None:
        raise NotFound(what, key)
    if not case_in_scope(actor, found):
        raise OutOfScope(what, shown, scope_name(actor))
    return found


def check_plan(session: Session, actor: Actor, plan_id: int) -> PatrolPlan:
    """The plan, if `actor` may see it; `OutOfScope` if it lies outside; `NotFound` if there is none."""
    plan = session.get(PatrolPlan, plan_id)
    return _placed_in_scope(actor, plan, "patrol plan", plan_id, plan.name if plan else plan_id)


def check_plan_named(session: Session, actor: Actor, name: str) -> PatrolPlan:
    plan = session.scalars(select(PatrolPlan).where(PatrolPlan.name == name)).first()
    return _placed_in_scope(actor, plan, "patrol plan", name, name)


def check_shift(session: Session, actor: Actor, shift_id: int) -> None:
    """A shift is in scope when its plan is."""
    if not actor.scoped:
        return
    plan_id = session.scalar(select(PatrolShift.plan_id).where(PatrolShift.id == shift_id))
    if plan_id is None:
        raise NotFound("patrol shift", shift_id)
    plan = session.get(PatrolPlan, plan_id)
    if plan is None or not case_in_scope(actor, plan):
        raise OutOfScope("patrol shift", shift_id, scope_name(actor))


def check_site(session: Session, actor: Actor, code: str) -> KeySite:
    site = session.scalars(select(KeySite).where(KeySite.code == code)).first()
    return _placed_in_scope(actor, site, "key site", code, code)
