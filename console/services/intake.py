"""Intake (受理): validate an appeal, locate it, find duplicate candidates, set its deadline, create the case.

One intake is one transaction whose first statement increments the case-number counter, so on SQLite the write
lock is taken at once and concurrent intakes queue instead of failing half-way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, String, Table, bindparam, func, insert, literal_column, select, text, union_all
from sqlalchemy.orm import Session

from ..db.hot import HotInsert, HotStatement, bound, literal_states, loaded
from ..db.tx import Tx
from ..enums import CaseStatus, Category, Channel, EventKind, Priority
from ..events import record_event
from ..geo.distance import bbox_around, haversine_m
from ..geo.gazetteer import geocode
from ..geo.gridindex import GridHit, grid_index
from ..models import Case, Citizen
from ..models.base import UTCDateTime
from ..rules import Rules, default_rules
from ..timeutil import CHINA_TZ, utcnow
from ..views import CaseView
from ..worktime import RepeatRules, default_calendar
from . import repeats, scope
from .actor import Action, Actor
from .errors import ValidationError
from .inputs import check_number, check_text, check_time, shown
from .queries import case_view

FIELDS = (
    "channel",
    "category",
    "priority",
    "description",
    "caller_phone",
    "caller_name",
    "address",
    "lat",
    "lon",
    "received_at",
)
MAX_DESCRIPTION = 4000
#: Fields that may hold several lines (line feeds and tabs allowed); every other text is one line.
MULTILINE = frozenset({"description"})
_PHONE_RE = re.compile(r"^\+?[0-9]{3,20}$")


@dataclass(frozen=True, slots=True)
class IntakeRequest:
    channel: Channel
    category: Category
    priority: Priority
    description: str
    caller_phone: str | None = None
    caller_name: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    received_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IntakeResult:
    case: Case
    duplicates: list[str]
    grid_code: str | None
    township_name: str | None


@dataclass(frozen=True, slots=True)
class IntakePreview:
    grid_id: int | None
    grid_code: str | None
    township_id: int | None
    township_name: str | None
    due_at: datetime
    duplicates: list[CaseView]


@dataclass(frozen=True, slots=True)
class CallerHistory:
    phone: str
    name: str | None
    cases: list[CaseView]
    repeat_count: int  # appeals from this number in the last 365 days


# -- validation ---------------------------------------------------------------------------------------------------


def _enum(enum_cls: Any, data: Mapping[str, Any], name: str, field: str) -> Any:
    value = data.get(name)
    if value is None or value == "":
        raise ValidationError(field, "is required")
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum_cls)
        raise ValidationError(field, f"unknown value {shown(value)!r}; expected one of {allowed}") from None


def _text(data: Mapping[str, Any], name: str, field: str, *, max_len: int, required: bool = False) -> str | None:
    return check_text(data.get(name), field, max_len=max_len, required=required, multiline=name in MULTILINE)


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s\-()]", "", value)


def _coordinate(data: Mapping[str, Any], name: str, field: str, limit: float) -> float | None:
    value = data.get(name)
    return None if value == "" else check_number(value, field, low=-limit, high=limit)


def parse_intake(data: Mapping[str, Any], *, prefix: str = "", now: datetime | None = None) -> IntakeRequest:
    """Validate raw intake input (CLI JSON, form, feed) into a request; the error names the first bad field."""
    if not isinstance(data, Mapping):
        raise ValidationError(prefix.rstrip(".") or "intake", "must be an object")

    def f(name: str) -> str:
        return f"{prefix}{name}"

    unknown = sorted(k for k in data if k not in FIELDS)
    if unknown:
        raise ValidationError(f(shown(unknown[0])), f"unknown field; expected some of {', '.join(FIELDS)}")
    channel = _enum(Channel, data, "channel", f("channel"))
    category = _enum(Category, data, "category", f("category"))
    priority = _enum(Priority, data, "priority", f("priority"))
    description = _text(data, "description", f("description"), max_len=MAX_DESCRIPTION, required=True)
    assert description is not None
    phone = _text(data, "caller_phone", f("caller_phone"), max_len=32)
    if phone is not None:
        phone = normalise_phone(phone)
        if not _PHONE_RE.match(phone):
            raise ValidationError(f("caller_phone"), "must be a phone number (digits, optional leading +)")
    name = _text(data, "caller_name", f("caller_name"), max_len=64)
    address = _text(data, "address", f("address"), max_len=256)
    lat = _coordinate(data, "lat", f("lat"), 90)
    lon = _coordinate(data, "lon", f("lon"), 180)
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise ValidationError(f(missing), "is required when the other coordinate is given")
    received_at = check_time(data.get("received_at"), f("received_at"), now=now or utcnow())
    return IntakeRequest(channel, category, priority, description, phone, name, address, lat, lon, received_at)


# -- helpers shared by preview and create ------------------------------------------------------------------------


def _geocoded(session: Session, req: IntakeRequest) -> IntakeRequest:
    """An address without coordinates located against the county's gazetteer (`console.geo.gazetteer`)."""
    if req.lat is not None or not req.address:
        return req
    found = geocode(session, req.address)
    return req if found is None else replace(req, lat=round(found.lat, 6), lon=round(found.lon, 6))


def _locate(session: Session | Connection, req: IntakeRequest) -> GridHit | None:
    if req.lat is None or req.lon is None:
        return None
    return grid_index(session).locate(req.lat, req.lon)


def _duplicate_cases(session: Session, req: IntakeRequest, received: datetime, rules: Rules) -> list[Case]:
    """Candidates: same phone within 24 h; same category within 300 m and 2 h (any state but merged/invalid)."""
    live = Case.status.not_in([CaseStatus.MERGED, CaseStatus.INVALID])
    found: dict[int, Case] = {}
    if req.caller_phone:
        since = received - timedelta(hours=rules.same_phone_hours)
        for case in session.scalars(
            select(Case)
            .where(Case.caller_phone == req.caller_phone, Case.received_at >= since, Case.received_at <= received, live)
            .order_by(Case.received_at.desc())
            .limit(20)
        ):
            found[case.id] = case
    if req.lat is not None and req.lon is not None:
        since = received - timedelta(hours=rules.same_category_hours)
        min_lat, min_lon, max_lat, max_lon = bbox_around(req.lat, req.lon, rules.same_category_radius_m)
        for case in session.scalars(
            select(Case)
            .where(
                Case.category == req.category,
                Case.received_at >= since,
                Case.received_at <= received,
                Case.lat.between(min_lat, max_lat),
                Case.lon.between(min_lon, max_lon),
                live,
            )
            .limit(50)
        ):
            assert case.lat is not None and case.lon is not None
            if haversine_m(req.lat, req.lon, case.lat, case.lon) <= rules.same_category_radius_m:
                found[case.id] = case
    return sorted(found.values(), key=lambda c: c.received_at, reverse=True)


# The two upserts as dialect-neutral SQL (SQLite ≥ 3.35 and PostgreSQL spell ON CONFLICT … RETURNING alike): SQLAlchemy
# cannot cache the compiled form of its dialect `insert().on_conflict_do_update()` constructs. Hot statements
# (`console.db.hot`): compiled once per database, sent straight to the driver.
_COUNTER_UPSERT = HotStatement(
    text(
        "INSERT INTO counters (name, value) VALUES (:name, 1) "
        "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value"
    )
)
_CITIZEN_UPSERT = HotStatement(
    text(
        "INSERT INTO citizens (phone, name, created_at) VALUES (:phone, :name, :created_at) "
        "ON CONFLICT (phone) DO UPDATE SET name = coalesce(excluded.name, citizens.name) RETURNING id"
    ).bindparams(bindparam("created_at", type_=UTCDateTime()))
)


def next_case_number(session: Session | Connection, received: datetime) -> str:
    """Increment the year's counter with one upsert (the transaction's first write) and format `2026-000123`."""
    year = received.astimezone(CHINA_TZ).year
    value = int(_COUNTER_UPSERT.scalar(session, {"name": f"case-{year}"}))
    return f"{year}-{value:06d}"


def _citizen_id(conn: Connection, phone: str, name: str | None, now: datetime) -> int:
    """Find or create the citizen by phone in one statement; a name given now replaces the stored one."""
    return int(_CITIZEN_UPSERT.scalar(conn, {"phone": phone, "name": name, "created_at": now}))


# -- service functions --------------------------------------------------------------------------------------------


_READS: dict[tuple[bool, bool, bool, bool], HotStatement] = {}
#: How many duplicate candidates each way keeps (by phone the newest; by place the first the index gives).
_DUP_PHONE_LIMIT, _DUP_PLACE_LIMIT = 20, 50


def _reads(phone: bool, place: bool, phone_folded: bool = False, place_folded: bool = False) -> HotStatement:
    """The one read statement of an intake for its shape (phone given? place given? a duplicate read folded into
    its repeat read?), a hot statement built once per process with bind parameters: each read is a bounded, indexed
    branch (its own window, order and limit) of a UNION ALL, tagged with what it is for. A folded duplicate read has
    no branch of its own: its rows are among the repeat read's of the same way (`_folds`)."""
    key = (phone, place, phone_folded, place_folded)
    if key not in _READS:
        live = Case.status.not_in(literal_states(repeats.DEAD))
        received = Case.received_at <= bindparam("received")
        branches: list[tuple[str, Any]] = []
        if phone and not phone_folded:
            branches.append(
                (
                    "dup_phone",
                    select(*repeats.COLUMNS)
                    .where(Case.caller_phone == bindparam("phone"), Case.received_at >= bindparam("dup_phone_since"))
                    .where(received, live)
                    .order_by(Case.received_at.desc())
                    .limit(_DUP_PHONE_LIMIT),
                )
            )
        if place and not place_folded:
            branches.append(
                (
                    "dup_place",
                    select(*repeats.COLUMNS)
                    .where(Case.category == bindparam("category"), Case.received_at >= bindparam("dup_place_since"))
                    .where(received, live)
                    .where(Case.lat.between(bindparam("dup_min_lat"), bindparam("dup_max_lat")))
                    .where(Case.lon.between(bindparam("dup_min_lon"), bindparam("dup_max_lon")))
                    .limit(_DUP_PLACE_LIMIT),
                )
            )
        branches += repeats.candidate_branches(phone=phone, place=place)
        selects = []
        for tag, query in branches:
            sub = query.subquery()
            selects.append(select(literal_column(f"'{tag}'", String()).label("by"), *sub.c))
        _READS[key] = HotStatement(selects[0] if len(selects) == 1 else union_all(*selects))
    return _READS[key]


def _nearby(
    conn: Connection, req: IntakeRequest, received: datetime, rules: Rules, appeal: repeats.Appeal, now: datetime
) -> tuple[list[str], list[repeats.Candidate]]:
    """The duplicate candidates (numbers, newest first) and the repeat candidates, read in ONE statement."""
    phone = bool(req.caller_phone)
    place = req.lat is not None and req.lon is not None
    if not phone and not place:
        return [], []
    repeat_rules = default_calendar().repeats
    params: dict[str, Any] = {"received": received, **repeats.candidate_params(appeal, repeat_rules, now)}
    phone_since = received - timedelta(hours=rules.same_phone_hours)
    place_since = received - timedelta(hours=rules.same_category_hours)
    phone_folded, place_folded = _folds(params, phone_since, place_since, rules, repeat_rules)
    phone_folded, place_folded = phone and phone_folded, place and place_folded
    if phone and not phone_folded:
        params["dup_phone_since"] = phone_since
    if place and not place_folded:
        assert req.lat is not None and req.lon is not None
        params["dup_place_since"] = place_since
        box = bbox_around(req.lat, req.lon, rules.same_category_radius_m)
        params.update(zip(("dup_min_lat", "dup_min_lon", "dup_max_lat", "dup_max_lon"), box, strict=True))
    dups: dict[int, tuple[datetime, str]] = {}
    folded: dict[str, list[tuple[datetime, int, str]]] = {"phone": [], "place": []}  # duplicates in a repeat read
    repeat_rows: list[Any] = []
    for by, *values in _reads(phone, place, phone_folded, place_folded).rows(conn, params):
        case_id, received_at, lat, lon, number = values[0], values[5], values[6], values[7], values[8]
        if by == "phone":
            repeat_rows.append((by, *values))
            if phone_folded and received_at >= phone_since:
                folded[by].append((received_at, case_id, number))
            continue
        if by == "dup_place" or (by == "place" and place_folded and received_at >= place_since):
            assert req.lat is not None and req.lon is not None and lat is not None and lon is not None
            if haversine_m(req.lat, req.lon, lat, lon) <= rules.same_category_radius_m:
                if by == "place":
                    folded[by].append((received_at, case_id, number))
                else:
                    dups[case_id] = (received_at, number)
        if by == "place":
            repeat_rows.append((by, *values))
            continue
        if by == "dup_phone":
            dups[case_id] = (received_at, number)
    for way, limit in (("phone", _DUP_PHONE_LIMIT), ("place", _DUP_PLACE_LIMIT)):
        for received_at, case_id, number in sorted(folded[way], key=lambda r: r[0], reverse=True)[:limit]:
            dups[case_id] = (received_at, number)
    numbers = [number for _t, number in sorted(dups.values(), key=lambda v: v[0], reverse=True)]
    return numbers, repeats.candidates_from_rows(appeal, repeat_rules, repeat_rows)


def _folds(
    params: Mapping[str, Any],
    phone_since: datetime,
    place_since: datetime,
    rules: Rules,
    repeat_rules: RepeatRules,
) -> tuple[bool, bool]:
    """Whether each duplicate read (by phone, by place) can be left to the repeat read of the same way: when the
    repeat read's window holds the duplicate read's (from earlier, over a radius at least as wide) and keeps at
    least as many of its newest rows, every duplicate candidate is among the repeat read's rows, newest first
    (the duplicates are its newest rows), and the two branches are one index range scan instead of two. The repeat
    read's closed-case window (`rp_closed_since`) must start no later than the duplicate window: a case received
    in the duplicate window was closed in it or later. An appeal received long ago (entered late) keeps both reads.
    By phone the result is exactly the duplicate read's (its newest 20). By place it is too unless more than
    `repeats.PLACE_LIMIT` cases lie in the repeat radius and window (a crowd calling about one incident): then the
    duplicates are those among the repeat read's newest rows, where the read of their own took 50 in no order."""
    closed_since = params["rp_closed_since"]
    phone = (
        repeats.PHONE_LIMIT >= _DUP_PHONE_LIMIT
        and params.get("rp_phone_since") is not None
        and params["rp_phone_since"] <= phone_since
        and closed_since <= phone_since
    )
    place = (
        repeats.PLACE_LIMIT >= _DUP_PLACE_LIMIT
        and params.get("rp_place_since") is not None
        and params["rp_place_since"] <= place_since
        and closed_since <= place_since
        and repeat_rules.radius_m >= rules.same_category_radius_m
    )
    return phone, place


def _numbers_in_scope(session: Session | Connection, actor: Actor, numbers: list[str]) -> list[str]:
    """The duplicate candidates a scoped user may see (one more read, for township and village users only: the
    county's intake, the hot path, keeps its single read)."""
    if not actor.scoped or not numbers:
        return numbers
    allowed = set(session.scalars(select(Case.number).where(Case.number.in_(numbers), scope.case_filter(actor))))
    return [n for n in numbers if n in allowed]


#: The columns an intake writes (every one the ORM's insert would have written: the rest are NULL or the database's).
_CASE_COLUMNS = (
    "number",
    "channel",
    "category",
    "priority",
    "status",
    "version",
    "lat",
    "lon",
    "address",
    "grid_id",
    "township_id",
    "description",
    "citizen_id",
    "caller_phone",
    "caller_name",
    "received_at",
    "created_by",
    "due_at",
    "escalation",
    "repeat_count",
    "reopened_count",
    "repeat_of_id",
    "level",
    "updated_at",
)
_CASES = cast(Table, Case.__table__)
_CASE_INSERT = HotInsert(insert(_CASES).values(**bound(_CASES, _CASE_COLUMNS)), _CASES.c.id)


def _unwritten() -> dict[str, Any]:
    """The values of the columns an intake does not give: their scalar default (what the INSERT wrote) or NULL."""
    out: dict[str, Any] = {}
    for column in _CASES.columns:
        if column.key in _CASE_COLUMNS or column.key == "id":
            continue
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            out[column.key] = getattr(default, "arg", None)
        elif default is None and column.server_default is None and column.nullable:
            out[column.key] = None
    return out


_CASE_UNWRITTEN = _unwritten()


def _insert_case(session: Session | None, conn: Connection, values: dict[str, Any]) -> Case:
    """The case row by one hot INSERT (no unit-of-work flush), then the same row as an object without reading it
    back: every column is known (given, its scalar default, or NULL). With the caller's session it is a persistent
    object of that session (callers read it and may change it: a later flush updates it, as if it had been added);
    on a bare `Tx` a plain object carrying the row's values (an ORM step later loads the case by id)."""
    case_id = _CASE_INSERT.insert(conn, values)
    return loaded(session, Case, {**_CASE_UNWRITTEN, **values, "id": case_id})


def create_case(
    session: Session | Tx,
    req: IntakeRequest,
    *,
    actor: Actor,
    now: datetime | None = None,
    rules: Rules | None = None,
) -> IntakeResult:
    """Save an appeal as a new case, in the caller's transaction: the case number (the first write, one upsert),
    the duplicate and repeat candidates (one read), the citizen (one upsert), the case (already linked to the master
    it repeats), its event; then the master's repeat count, its event and any escalation the repeat rules call for.

    In a session's transaction the case is an object of that session; on a `Tx` (the intake operation's way: no
    ORM session unless a step needs one) a plain object carrying the row's values.
    """
    actor.require(Action.INTAKE)
    rules = rules or default_rules()
    now = now or utcnow()
    received = req.received_at or now
    tx = Tx.of(session)
    conn = tx.connection  # the hot statements'
    number = next_case_number(conn, received)  # first statement: takes the write lock
    if req.lat is None and req.address:
        req = _geocoded(tx.session, req)
    hit = _locate(conn, req)
    appeal = repeats.Appeal(req.description, req.category, req.caller_phone, req.lat, req.lon, received)
    dup_numbers, candidates = _nearby(conn, req, received, rules, appeal, now)
    dup_numbers = _numbers_in_scope(conn, actor, dup_numbers)
    match = repeats.best_match(appeal, candidates, default_calendar().repeats)
    level = scope.intake_level(actor, hit.township_id if hit else None, hit.grid_id if hit else None)
    citizen_id = _citizen_id(conn, req.caller_phone, req.caller_name, now) if req.caller_phone else None
    values: dict[str, Any] = {
        "number": number,
        "channel": req.channel,
        "category": req.category,
        "priority": req.priority,
        "status": CaseStatus.RECEIVED,
        "version": 1,
        "lat": req.lat,
        "lon": req.lon,
        "address": req.address,
        "grid_id": hit.grid_id if hit else None,
        "township_id": hit.township_id if hit else None,
        "description": req.description,
        "citizen_id": citizen_id,
        "caller_phone": req.caller_phone,
        "caller_name": req.caller_name,
        "received_at": received,
        "created_by": actor.name,
        "due_at": received + rules.deadline(req.category, req.priority),
        "escalation": 0,
        "repeat_count": 0,
        "reopened_count": 0,
        "repeat_of_id": match.master_id if match else None,
        "level": level,
        "updated_at": now,
    }
    case = _insert_case(session if isinstance(session, Session) else None, conn, values)
    record_event(
        tx,
        EventKind.CASE_RECEIVED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload={
            "number": number,
            "channel": req.channel.value,
            "category": req.category.value,
            "priority": req.priority.value,
            "grid": hit.grid_code if hit else None,
            "duplicates": dup_numbers,
        },
    )
    if match is not None:
        repeats.link(tx, case, match, actor=actor, now=now)
    return IntakeResult(case, dup_numbers, hit.grid_code if hit else None, hit.township_name if hit else None)


def preview_intake(
    session: Session, req: IntakeRequest, *, actor: Actor, now: datetime | None = None, rules: Rules | None = None
) -> IntakePreview:
    """What saving would do (grid, township, deadline, duplicate candidates), without writing anything."""
    rules = rules or default_rules()
    received = req.received_at or now or utcnow()
    req = _geocoded(session, req)
    hit = _locate(session, req)
    duplicates = [
        case_view(c, actor) for c in _duplicate_cases(session, req, received, rules) if scope.case_in_scope(actor, c)
    ]
    return IntakePreview(
        grid_id=hit.grid_id if hit else None,
        grid_code=hit.grid_code if hit else None,
        township_id=hit.township_id if hit else None,
        township_name=hit.township_name if hit else None,
        due_at=received + rules.deadline(req.category, req.priority),
        duplicates=duplicates,
    )


def caller_history(
    session: Session, phone: str, *, actor: Actor, now: datetime | None = None, limit: int = 20
) -> CallerHistory:
    """The caller's earlier appeals (newest first) and how many they made in the last year."""
    phone = normalise_phone(phone)
    now = now or utcnow()
    citizen = session.scalars(select(Citizen).where(Citizen.phone == phone)).first()
    cases = session.scalars(
        select(Case)
        .where(Case.caller_phone == phone, scope.case_filter(actor))
        .order_by(Case.received_at.desc())
        .limit(limit)
    ).all()
    count = session.scalar(
        select(func.count(Case.id)).where(Case.caller_phone == phone, Case.received_at >= now - timedelta(days=365))
    )
    return CallerHistory(
        phone=phone,
        name=citizen.name if citizen else None,
        cases=[case_view(c, actor) for c in cases],
        repeat_count=int(count or 0),
    )
