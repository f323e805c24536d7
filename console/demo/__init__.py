"""The demo county: a deterministic fictional county with 30 days of history, and a live simulator.

`build_demo(db)` fills an empty, migrated database (the `init --demo` command calls it);
`county.generate_county(seed)` gives the geography as pure data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ..db import Database
from ..enums import OPEN_CASE_STATUSES
from ..models import (
    Assignment,
    Callback,
    Case,
    Department,
    Dispatch,
    Event,
    Grid,
    KeySite,
    PatrolPlan,
    PatrolShift,
    Place,
    Township,
    Unit,
    User,
)
from ..timeutil import utcnow
from . import template
from .county import DEFAULT_SEED, County, generate_county
from .history import History
from .levels import level_steps
from .patrol_history import PatrolHistory
from .positions import report_positions_at
from .reference import create_users, load_geography, load_roads

__all__ = ["DEFAULT_SEED", "County", "DemoSummary", "build_demo", "generate_county"]

Progress = Callable[[str, int, int], None]
log = logging.getLogger(__name__)


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
    from_template: bool = False
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
    template_dir: Path | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with the demo county and `days` days of history ending at `now`.

    With `template_dir` (the user's data directory) an SQLite database is filled from the prepared copy there when
    one was built before with the same inputs (seconds instead of minutes, see `template`), and a fresh build leaves
    such a copy for the next time."""
    started = time.perf_counter()
    now = (now or utcnow()).replace(microsecond=0)
    start = now - timedelta(days=days)

    def report(stage: str, done: int, total: int) -> None:
        if progress:
            progress(stage, done, total)

    key = template.key_for(db, seed=seed, days=days, per_day=per_day) if template_dir is not None else None
    if key is not None and template_dir is not None:
        report("template", 0, 1)
        try:
            moved = template.restore(db, template_dir, key, now)
        except Exception:  # a damaged copy: build as if there were none
            log.exception("the prepared demo county could not be copied; building it")
            moved = None
        if moved is not None:
            report("template", 1, 1)
            return _summary(db, seed=seed, started=started, from_template=True)

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
    # A township's and a village's users and cases handled at each level, played in time with the rest.
    side_steps = [*side_steps, *level_steps(ids, actors, now=now)]
    history = History(db, county, ids, actors, seed=seed, start=start, end=now, per_day=per_day, side_steps=side_steps)
    stats = history.run(progress=lambda done, total: report("history", done, total))
    report("positions", 0, 1)
    fixes = report_positions_at(db, now, seed=seed)
    report("positions", 1, 1)
    if key is not None and template_dir is not None:
        try:
            template.save(db, template_dir, key, now)
        except OSError:
            log.exception("the prepared demo county could not be saved")
    return _summary(
        db,
        seed=seed,
        started=started,
        refused=stats.refused,
        refused_by_action=dict(sorted(stats.refused_by_action.items())),
        patrol=patrol.stats,
        position_fixes=fixes,
    )


def _summary(
    db: Database,
    *,
    seed: int,
    started: float,
    refused: int = 0,
    refused_by_action: dict[str, int] | None = None,
    patrol: Any = None,
    position_fixes: int | None = None,
    from_template: bool = False,
) -> DemoSummary:
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
            refused_steps=refused,
            position_fixes=count(Unit.id, Unit.fix_at.is_not(None)) if position_fixes is None else position_fixes,
            seconds=round(time.perf_counter() - started, 2),
            refused_by_action=refused_by_action or {},
            patrol_plans=count(PatrolPlan.id),
            patrol_shifts=count(PatrolShift.id),
            patrol_fixes=patrol.fixes if patrol is not None else 0,
            patrol_reviews=patrol.reviews if patrol is not None else 0,
            patrol_reports=patrol.reports if patrol is not None else 0,
            key_sites=count(KeySite.id),
            from_template=from_template,
        )
