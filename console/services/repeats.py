"""Repeat appeals (重复诉求): a new appeal is clustered with open and recently closed cases.

Two ways to be a repeat, both within the calendar's `[repeats]` windows:
- the same caller (phone) within a window of days;
- the same place (distance) and category within a window of hours;
and in both cases a similar text: the Dice coefficient of the two texts' sets of characters and character bigrams
(Chinese needs no word segmentation for this, and nothing is downloaded), with a lower bar when the category is the
same and lower still for the same caller (`RepeatRules.bar`). The new case points to the cluster's master
(`Case.repeat_of_id`), the master counts its repeats; N repeats, or any new contact after the master was resolved or
closed, escalate the master (督办) automatically. All of it runs inside the intake's transaction: the candidates are
read in the intake's one read statement, the match is made before the new case is written (so the case row is
written already pointing to its master) and the master is counted by one guarded UPDATE … RETURNING.

Why inside and not an operation of its own after the commit (issue 12): the shift leader's repeats view, the master's
count and its automatic escalation would lag the new case, and a crash between the two transactions would lose the
link for good; read together with the intake's duplicates it costs no extra round trip, so it stays in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.orm import Session

from ..db.hot import HotStatement, literal_states
from ..db.tx import Tx
from ..enums import CaseStatus, Category, EventKind
from ..events import record_event
from ..geo.distance import bbox_around, haversine_m
from ..models import Case
from ..models.base import UTCDateTime
from ..worktime import RepeatRules, default_calendar
from .actor import Actor
from .escalation import raise_case_level

_KEEP = re.compile(r"[0-9a-z\u3400-\u9fff]+")


def normalise_text(text: str) -> str:
    """Lower case, full-width folded, only letters, digits and CJK characters kept (one run per fragment)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return " ".join(_KEEP.findall(folded))


def grams(text: str) -> frozenset[str]:
    """The characters and character bigrams of each fragment of the text."""
    out: set[str] = set()
    for part in normalise_text(text).split():
        out.update(part)
        out.update(part[i : i + 2] for i in range(len(part) - 1))
    return frozenset(out)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def similarity(a: str, b: str) -> float:
    return dice(grams(a), grams(b))


@dataclass(frozen=True, slots=True)
class RepeatMatch:
    case_id: int
    master_id: int
    score: float
    by: str  # "phone" or "place"


@dataclass(frozen=True, slots=True)
class Appeal:
    """What clustering needs to know of the new appeal (it is matched before its row is written)."""

    description: str
    category: Category
    caller_phone: str | None
    lat: float | None
    lon: float | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Candidate:
    """An earlier case that may be repeated: only the columns clustering reads (no whole ORM rows)."""

    by: str  # "phone" or "place": the read that found it
    id: int
    repeat_of_id: int | None
    description: str
    category: Category
    caller_phone: str | None
    received_at: datetime
    lat: float | None
    lon: float | None
    number: str


#: The columns of an earlier case that clustering (and intake's duplicate candidates) read.
COLUMNS = (
    Case.id,
    Case.repeat_of_id,
    Case.description,
    Case.category,
    Case.caller_phone,
    Case.received_at,
    Case.lat,
    Case.lon,
    Case.number,
)


#: How many earlier cases each way reads (the newest): by phone, by place.
PHONE_LIMIT, PLACE_LIMIT = 30, 60

#: The states in which a case is no case of its own any more: never a repeat's master nor a duplicate.
DEAD = (CaseStatus.MERGED, CaseStatus.INVALID)


def candidate_branches(*, phone: bool, place: bool) -> list[tuple[str, Select[Any]]]:
    """The bounded, indexed reads of earlier cases (by phone: `(caller_phone, received_at)`; by place: `(category,
    received_at)`), as (way, query) pairs with bind parameters (`candidate_params`). Intake sends them in one
    statement together with its duplicate reads."""
    live = [
        Case.status.not_in(literal_states(DEAD)),
        or_(Case.closed_at.is_(None), Case.closed_at >= bindparam("rp_closed_since")),
        Case.received_at <= bindparam("received"),
    ]
    out: list[tuple[str, Select[Any]]] = []
    if phone:
        out.append(
            (
                "phone",
                select(*COLUMNS)
                .where(Case.caller_phone == bindparam("phone"), Case.received_at >= bindparam("rp_phone_since"), *live)
                .order_by(Case.received_at.desc())
                .limit(PHONE_LIMIT),
            )
        )
    if place:
        out.append(
            (
                "place",
                select(*COLUMNS)
                .where(
                    # same category: the (category, received_at, lat, lon) index keeps this a short range scan at intake
                    Case.category == bindparam("category"),
                    Case.received_at >= bindparam("rp_place_since"),
                    Case.lat.between(bindparam("rp_min_lat"), bindparam("rp_max_lat")),
                    Case.lon.between(bindparam("rp_min_lon"), bindparam("rp_max_lon")),
                    *live,
                )
                .order_by(Case.received_at.desc())
                .limit(PLACE_LIMIT),
            )
        )
    return out


def candidate_params(appeal: Appeal, rules: RepeatRules, now: datetime) -> dict[str, Any]:
    """The values of `candidate_branches`' parameters for this appeal."""
    params: dict[str, Any] = {
        "received": appeal.received_at,
        "rp_closed_since": now - timedelta(days=rules.window_days),
        "category": appeal.category,
    }
    if appeal.caller_phone:
        params["phone"] = appeal.caller_phone
        params["rp_phone_since"] = appeal.received_at - timedelta(days=rules.phone_window_days)
    if appeal.lat is not None and appeal.lon is not None:
        params["rp_place_since"] = appeal.received_at - timedelta(hours=rules.place_hours)
        box = bbox_around(appeal.lat, appeal.lon, rules.radius_m)
        params.update(zip(("rp_min_lat", "rp_min_lon", "rp_max_lat", "rp_max_lon"), box, strict=True))
    return params


def candidates_from_rows(appeal: Appeal, rules: RepeatRules, rows: Iterable[Any]) -> list[Candidate]:
    """Rows of `candidate_queries` (tagged with their way) → candidates, the place ones within the radius."""
    found: list[Candidate] = []
    for by, *values in rows:
        c = Candidate(by, *values)
        if by == "place":
            assert appeal.lat is not None and appeal.lon is not None and c.lat is not None and c.lon is not None
            if haversine_m(appeal.lat, appeal.lon, c.lat, c.lon) > rules.radius_m:
                continue
        found.append(c)
    return found


def best_match(appeal: Appeal, candidates: Iterable[Candidate], rules: RepeatRules) -> RepeatMatch | None:
    """The best earlier case this appeal repeats (by score, then recency), or None."""
    candidates = list(candidates)
    if not candidates:  # most appeals: nothing to compare the text with
        return None
    mine = grams(appeal.description)
    best: tuple[float, datetime, RepeatMatch] | None = None
    for other in candidates:
        score = dice(mine, grams(other.description))
        same_caller = other.by == "phone" or (
            appeal.caller_phone is not None and appeal.caller_phone == other.caller_phone
        )
        bar = rules.bar(same_category=other.category == appeal.category, same_caller=same_caller)
        if score < bar:
            continue
        match = RepeatMatch(other.id, other.repeat_of_id or other.id, score, other.by)
        key = (score, other.received_at)
        if best is None or key > best[:2]:
            best = (score, other.received_at, match)
    return best[2] if best else None


#: The master's guarded count of a repeat (a hot statement: part of an intake's transaction).
_COUNT_REPEAT = HotStatement(
    update(Case)
    .where(Case.id == bindparam("master"), Case.status.not_in(literal_states(DEAD)))
    .values(
        repeat_count=Case.repeat_count + 1,
        version=Case.version + 1,
        updated_at=bindparam("now", type_=UTCDateTime()),
    )
    .returning(Case.number, Case.status, Case.escalation, Case.repeat_count)
)


def link(on: Session | Tx, case: Case, match: RepeatMatch, *, actor: Actor, now: datetime) -> None:
    """Called by intake inside its transaction once the new case exists (written already pointing to the master):
    count the repeat on the master (one guarded UPDATE … RETURNING), record it, escalate when the rules say so.
    On a `Tx` the escalation (rare) takes the transaction's ORM session; the rest goes to the connection."""
    rules = default_calendar().repeats
    tx = Tx.of(on)
    row = _COUNT_REPEAT.first(tx.connection, {"master": match.master_id, "now": now})
    if row is None:  # the master was merged or invalidated meanwhile: the appeal stands alone
        tx.connection.execute(update(Case).where(Case.id == case.id).values(repeat_of_id=None))
        if isinstance(on, Session):
            case.repeat_of_id = None
        else:  # a plain object: it carries the row's values
            case.__dict__["repeat_of_id"] = None
        return
    master_number, master_status, master_escalation, count = row
    record_event(
        tx,
        EventKind.CASE_UPDATED,
        actor=actor.name,
        case_id=match.master_id,
        ts=now,
        payload={
            "number": master_number,
            "action": "repeat_appeal",
            "repeat": case.number,
            "repeat_count": count,
            "by": match.by,
            "similarity": round(match.score, 3),
        },
    )
    after_closure = master_status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
    threshold = rules.escalate_after > 0 and count % rules.escalate_after == 0
    if after_closure or threshold:
        reason = "repeat_after_closure" if after_closure else "repeat_appeals"
        level = master_escalation + 1
        session = tx.session
        raise_case_level(
            session,
            case_id=match.master_id,
            level=level,
            reason=reason,
            actor=actor,
            now=now,
            extra={"repeat": case.number, "repeat_count": count},
        )
        if after_closure:
            # The new appeal stands for the matter now: it carries the master's level into the queue.
            raise_case_level(
                session,
                case_id=case.id,
                level=level,
                reason=reason,
                actor=actor,
                now=now,
                extra={"master": master_number},
            )
            if isinstance(on, Session):
                session.refresh(case)
            else:  # the plain object of a `Tx` intake takes the row's values as raised
                fresh = session.get(Case, case.id, populate_existing=True)
                assert fresh is not None
                case.__dict__.update({c.key: getattr(fresh, c.key) for c in Case.__table__.columns})


def find_repeat(session: Session, appeal: Appeal, *, rules: RepeatRules, now: datetime) -> RepeatMatch | None:
    """The best earlier case the appeal repeats, read on its own (intake reads the candidates with its duplicates)."""
    params = candidate_params(appeal, rules, now)
    rows: list[Any] = []
    place = appeal.lat is not None and appeal.lon is not None
    for by, query in candidate_branches(phone=bool(appeal.caller_phone), place=place):
        rows += [(by, *r) for r in session.execute(query, params).tuples()]
    return best_match(appeal, candidates_from_rows(appeal, rules, rows), rules)
