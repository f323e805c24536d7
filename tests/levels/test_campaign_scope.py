"""Screening campaigns in a scope: a township's or village's user sees the campaigns with a grid in its scope, and
of each only its own grids' progress; the county sees every grid (on both databases)."""

from __future__ import annotations

from datetime import timedelta

from console.db import Database
from console.ops import execute
from console.timeutil import utcnow

from .conftest import LevelsCounty

DUE = (utcnow() + timedelta(days=30)).date().isoformat()


def _grids(progress: object) -> set[str]:
    return {g.grid for g in progress.grids}  # type: ignore[attr-defined]


def test_campaign_progress_holds_the_users_scope(db: Database, levels_county: LevelsCounty) -> None:
    county = levels_county.county
    both = execute(
        db,
        county,
        "campaign.create",
        name="两镇排查",
        focus="dispute",
        due=DUE,
        townships=["东河镇", "西岭镇"],
    ).value
    west = execute(db, county, "campaign.create", name="西岭排查", focus="dispute", due=DUE, townships=["西岭镇"])
    everywhere = _grids(both)
    assert west.value.grids and any(g.township == "西岭镇" for g in both.grids)

    listed = {c.name: c for c in execute(db, county, "campaign.list").value}
    assert set(listed) == {"两镇排查", "西岭排查"} and _grids(listed["两镇排查"]) == everywhere

    town = execute(db, levels_county.town_lead, "campaign.list").value
    assert [c.name for c in town] == ["两镇排查"]  # the other township's campaign is not its business
    assert {g.township for g in town[0].grids} == {"东河镇"} and _grids(town[0]) < everywhere
    assert town[0].as_dict()["totals"]["grids"] == len(town[0].grids)

    village = execute(db, levels_county.village_lead, "campaign.progress", campaign="两镇排查").value
    assert _grids(village) == {"G100"}
    assert _grids(execute(db, levels_county.village_lead, "campaign.progress", campaign="西岭排查").value) == set()
