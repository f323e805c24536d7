"""The console's live state (Qt-free core) and the keyword suggestion of a category."""

from __future__ import annotations

import pytest

from console.config import ConfigError
from console.db import Database, write_transaction
from console.enums import CaseStatus, Category, Role
from console.events import ChangeFeed
from console.live import LiveState, fetch_changes, load_snapshot
from console.services import cases as case_service
from console.services import dispatch as dispatch_service
from console.services import intake as intake_service
from console.services.suggest import parse_rules, suggest_category
from tests.county import MiniCounty

from .helpers import LAT, LON


def _intake(db: Database, county: MiniCounty) -> int:
    req = intake_service.parse_intake(
        {
            "channel": "online",
            "category": "dispute",
            "priority": "orange",
            "description": "quarrel",
            "lat": LAT,
            "lon": LON,
        }
    )
    actor = county.actors[Role.DISPATCHER]
    return write_transaction(db.sessions, lambda s: intake_service.create_case(s, req, actor=actor).case.id)


def test_feed_batches_become_diffs(db: Database, county: MiniCounty) -> None:
    actor = county.actors[Role.DISPATCHER]
    feed = ChangeFeed(db)
    with db.session() as s:
        snap = load_snapshot(s, actor=actor, last_event_id=feed.last_id)
    state = LiveState()
    cases_dict = state.cases
    first = state.reset(snap)
    assert first.cases_inserted == [] and len(first.units_inserted) == len(county.unit_ids)

    case_id = _intake(db, county)
    with db.session() as s:
        diff = state.apply(fetch_changes(s, feed.poll(), actor=actor))
    assert diff.cases_inserted == [case_id] and not diff.units_updated
    assert state.cases is cases_dict  # views hold the same dict across resets and changes

    unit = county.unit_ids["PC-01"]
    write_transaction(
        db.sessions, lambda s: dispatch_service.dispatch_unit(s, case_id=case_id, unit_id=unit, actor=actor)
    )
    with db.session() as s:
        diff = state.apply(fetch_changes(s, feed.poll(), actor=actor))
    assert diff.cases_updated == [case_id] and diff.units_updated == [unit]
    assert state.cases[case_id].status == CaseStatus.DISPATCHED

    write_transaction(
        db.sessions, lambda s: case_service.resolve_case(s, case_id=case_id, resolution="settled", actor=actor)
    )
    with db.session() as s:
        changes = fetch_changes(s, feed.poll(), actor=actor)
    diff = state.apply(changes)
    assert diff.cases_removed == [case_id] and case_id not in state.cases
    # Applying the same batch again changes nothing (a console's own write arrives twice).
    assert state.apply(changes).empty


def test_suggested_category_with_matched_words() -> None:
    found = suggest_category("邻居两家因为宅基地吵架")
    assert found is not None and found.category == Category.DISPUTE
    assert "吵架" in found.words and "宅基地" in found.words
    english = suggest_category("Gas leak and smoke in the stairwell")
    assert english is not None and english.category == Category.SAFETY_HAZARD
    assert suggest_category("hello there") is None


def test_keyword_rules_are_validated() -> None:
    with pytest.raises(ConfigError, match="unknown value 'weather'") as err:
        parse_rules({"weather": {"words": ["rain"]}})
    assert err.value.field == "weather"
    with pytest.raises(ConfigError, match="must be a list") as err:
        parse_rules({"traffic": {"words": "crash"}})
    assert err.value.field == "traffic.words"
    rules = parse_rules({"traffic": {"words": ["crash"]}, "dispute": {"words": ["crash", "fight"]}})
    assert rules.suggest("crash").category == Category.TRAFFIC  # tie: the first listed
    assert rules.suggest("a crash and a fight").category == Category.DISPUTE
