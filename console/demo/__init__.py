"""The demo county: a deterministic fictional county with 30 days of history, and a live simulator.

`build_demo(db)` fills an empty, migrated database (the `init --demo` command calls it);
`county.generate_county(seed)` gives the geography as pure data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..db import Database
from ..enums import OPEN_CASE_STATUSES
from ..models import Assignment, Callback, Case, Department, Dispatch, Event, Grid, Place, Township, Unit, User
from ..timeutil import utcnow
from .county import DEFAULT_SEED, County, generate_county
from .history import History
from .levels import play_levels
from .patrol_history import PatrolHistory
from .positions import report_positions_at
from .reference import create_users, load_geography, load_roads

__all__ = ["DEFAULT_SEED", "County", "DemoSummary", "build_demo", "generate_county"]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    townships: int
    grids: int
    places: int
    departments: int
    units: int
    users: int
    cases: int
    open_cases: int
    dispatches: int
    assignments: int
    callbacks: int
    events: int
    refused_steps: int
    position_fixes: int
    seconds: float
    patrol_plans: int = 0
    patrol_shifts: int = 0
    patrol_fixes: int = 0
    patrol_reviews: int = 0
    patrol_reports: int = 0
    key_sites: int = 0
    refused_by_action: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def build_demo(
    db: Database,
    *,
    seed: int = DEFAULT_SEED,
    days: int = 30,
    per_day: int = 90,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with the demo county and `days` days of history ending at `now`."""
    started = time.perf_counter()
    now = (now or utcnow()).replace(microsecond=0)
    start = now - timedelta(days=days)

    def report(stage: str, done: int, total: int) -> None:
        if progress:
            progress(stage, done, total)

    report("county", 0, 4)
    county = generate_county(seed)
    report("county", 1, 4)
    ids = load_geography(db, county, now=start)
    report("county", 2, 4)
    load_roads(db, county, now=start)
    report("county", 3, 4)
    actors = create_users(db, ids, now=start)
    report("county", 4, 4)
    report("patrol", 0, 1)
    patrol = PatrolHistory(db, county, ids, actors, seed=seed, start=start, end=now)
    side_steps = patrol.setup()
    report("patrol", 1, 1)
    history = History(db, county, ids, actors, seed=seed, start=start, end=now, per_day=per_day, side_steps=side_steps)
    stats = history.run(progress=lambda done, total: report("history", done, total))
    play_levels(db, ids, actors, now=now)  # a township's and a village's users, cases handled at each level
    report("positions", 0, 1)
    fixes = report_positions_at(db, now, seed=seed)
    report("positions", 1, 1)

    with db.session() as s:

        def count(column: object, *where: object) -> int:
            return int(s.scalar(select(func.count(column)).where(*where)) or 0)  # type: ignore[arg-type]

        return DemoSummary(
            seed=seed,
            townships=count(Township.id),
            grids=count(Grid.id),
            places=count(Place.id),
            departments=count(Department.id),
            units=count(Unit.id),
            users=count(User.id),
            cases=count(Case.id),
            open_cases=count(Case.id, Case.status.in_(list(OPEN_CASE_STATUSES))),
            dispatches=count(Dispatch.id),
            assignments=count(Assignment.id),
            callbacks=count(Callback.id),
            events=count(Event.id),
            refused_steps=stats.refused,
            position_fixes=fixes,
            seconds=round(time.perf_counter() - started, 2),
            refused_by_action=dict(sorted(stats.refused_by_action.items())),
            patrol_plans=patrol.stats.plans,
            patrol_shifts=patrol.stats.shifts,
            patrol_fixes=patrol.stats.fixes,
            patrol_reviews=patrol.stats.reviews,
            patrol_reports=patrol.stats.reports,
            key_sites=patrol.stats.sites,
        )
