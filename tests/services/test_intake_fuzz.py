"""Malformed intakes thrown at the service: each is either stored whole or refused naming a field; nothing half-way."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from console.db import Database, write_transaction
from console.enums import Category, Channel, Priority, Role
from console.models import Case, Citizen, Event
from console.services import intake
from console.services.errors import ValidationError
from tests.county import MiniCounty, build_mini_county

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)
values: dict[str, st.SearchStrategy[Any]] = {
    "channel": st.one_of(st.sampled_from([c.value for c in Channel]), junk),
    "category": st.one_of(st.sampled_from([c.value for c in Category]), junk),
    "priority": st.one_of(st.sampled_from([p.value for p in Priority]), junk),
    "description": st.one_of(st.text(min_size=1, max_size=60), junk),
    "caller_phone": st.one_of(st.from_regex(r"\+?1[3-9][0-9]{9}", fullmatch=True), junk),
    "caller_name": st.one_of(st.text(max_size=10), junk),
    "address": st.one_of(st.text(max_size=20), junk),
    "lat": st.one_of(st.floats(min_value=24.80, max_value=24.82), junk),
    "lon": st.one_of(st.floats(min_value=113.60, max_value=113.64), junk),
    "received_at": st.one_of(st.sampled_from(["2026-11-20T08:00:00+08:00", "2026-11-20T08:00:00+0800"]), junk),
}
intakes = st.fixed_dictionaries({}, optional={**values, "extra": junk})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=intakes)
def test_every_intake_is_stored_whole_or_refused_with_a_field(sqlite_db: Database, data: dict[str, Any]) -> None:
    _check(sqlite_db, data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=intakes)
def test_same_on_each_backend(db: Database, data: dict[str, Any]) -> None:
    _check(db, data)


_counties: dict[str, MiniCounty] = {}


def _check(db: Database, data: dict[str, Any]) -> None:
    county = _counties.get(db.url)
    if county is None:
        county = _counties[db.url] = build_mini_county(db)
    with db.session() as s:
        before = (
            s.scalar(select(func.count(Case.id))),
            s.scalar(select(func.count(Event.id))),
            s.scalar(select(func.count(Citizen.id))),
        )
    try:
        req = intake.parse_intake(data)
        result = write_transaction(
            db.sessions, lambda s: intake.create_case(s, req, actor=county.actors[Role.DISPATCHER])
        )
    except ValidationError as exc:
        assert exc.field, "a refusal names its field"
        assert exc.field.split(".")[0].split("[")[0] in {*values, "extra", "intake"}
        with db.session() as s:
            after = (
                s.scalar(select(func.count(Case.id))),
                s.scalar(select(func.count(Event.id))),
                s.scalar(select(func.count(Citizen.id))),
            )
        assert after == before, "nothing stored for a refused intake"
        return
    with db.session() as s:
        case = s.get(Case, result.case.id)
        assert case is not None
        assert case.description == req.description
        events = s.scalar(select(func.count(Event.id)).where(Event.case_id == case.id))
        assert events == 1
