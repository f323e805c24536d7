"""Intake's one read: a duplicate read folded into the repeat read of the same way (issue 12) finds exactly the
duplicate candidates its own branch finds, newest first; an appeal entered late keeps its own duplicate reads."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from console.db import Database, write_transaction
from console.enums import CaseStatus, Category
from console.models import Case
from console.rules import default_rules
from console.services import intake, repeats
from console.worktime import default_calendar
from tests.county import MiniCounty
from tests.services.test_intake import GOOD, save

M = 1 / 111_320  # a metre north, in degrees of latitude
H, D = timedelta(hours=1), timedelta(days=1)


def _read(db: Database, county: MiniCounty, received: datetime, *, fold: bool) -> tuple[list[str], list[int]]:
    """The duplicate numbers and repeat candidates' ids of GOOD's appeal received at `received`."""
    req = intake.parse_intake({**GOOD, "received_at": received.isoformat()}, now=county.now)
    appeal = repeats.Appeal(req.description, req.category, req.caller_phone, req.lat, req.lon, received)
    with db.engine.connect() as conn:
        if fold:
            numbers, candidates = intake._nearby(conn, req, received, default_rules(), appeal, county.now)
        else:
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(intake, "_folds", lambda *a: (False, False))
                numbers, candidates = intake._nearby(conn, req, received, default_rules(), appeal, county.now)
    return numbers, sorted(c.id for c in candidates)


def _folds(county: MiniCounty, received: datetime) -> tuple[bool, bool]:
    rules, repeat_rules = default_rules(), default_calendar().repeats
    appeal = repeats.Appeal("x", Category.DISPUTE, "13812345678", 24.805, 113.605, received)
    params = {"received": received, **repeats.candidate_params(appeal, repeat_rules, county.now)}
    return intake._folds(
        params,
        received - timedelta(hours=rules.same_phone_hours),
        received - timedelta(hours=rules.same_category_hours),
        rules,
        repeat_rules,
    )


@pytest.fixture
def earlier(db: Database, county: MiniCounty) -> list[str]:
    """Earlier appeals around GOOD's caller and place, inside and outside each window (numbers, in this order)."""

    def at(ago: timedelta, **change: Any) -> str:
        return save(db, {**GOOD, "received_at": (county.now - ago).isoformat(), **change}, county).case.number

    elsewhere = {"lat": 24.815, "lon": 113.635, "category": "livelihood"}
    made = [
        at(60 * timedelta(minutes=1)),  # 0: same phone, same place: both ways
        at(5 * H, **elsewhere),  # 1: same phone only
        at(23 * H, **elsewhere),  # 2
        at(25 * H, **elsewhere),  # 3: same phone, outside 24 h
        at(10 * D, **elsewhere),  # 4
        at(2 * H, **elsewhere),  # 5: merged below: never a duplicate
        at(30 * timedelta(minutes=1), caller_phone="13900000001", lat=24.805 + 100 * M),  # 6: place, 100 m
        at(70 * timedelta(minutes=1), caller_phone="13900000002", lat=24.805 + 250 * M),  # 7: place, 250 m
        at(1 * H, caller_phone="13900000003", lat=24.805 + 400 * M),  # 8: 400 m: the repeat read's radius only
        at(3 * H, caller_phone="13900000004", lat=24.805 + 100 * M),  # 9: place, outside 2 h
        at(10 * timedelta(minutes=1), caller_phone="13900000005", category="livelihood"),  # 10: other category
    ]
    write_transaction(
        db.sessions,
        lambda s: s.execute(update(Case).where(Case.number == made[5]).values(status=CaseStatus.MERGED)),
    )
    return made


def test_folded_reads_find_the_same_duplicates_newest_first(
    db: Database, county: MiniCounty, earlier: list[str]
) -> None:
    assert _folds(county, county.now) == (True, True)  # the shipped rules: both duplicate reads fold
    folded = _read(db, county, county.now, fold=True)
    assert folded == _read(db, county, county.now, fold=False)
    assert folded[0] == [earlier[i] for i in (6, 0, 7, 1, 2)]


def test_an_appeal_entered_late_keeps_its_own_duplicate_reads(
    db: Database, county: MiniCounty, earlier: list[str]
) -> None:
    received = county.now - 40 * D  # the repeat read's closed-case window starts after its duplicate windows
    assert _folds(county, received) == (False, False)
    late = _read(db, county, received, fold=True)
    assert late == _read(db, county, received, fold=False)
