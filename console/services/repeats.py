"""Repeat appeals (重复诉求): a new appeal is clustered with open and recently closed cases.

Two ways to be a repeat, both within the calendar's `[repeats]` windows:
- the same caller (phone) within a window of days;
- the same place (distance) and category within a window of hours;
and in both cases a similar text: the Dice coefficient of the two texts' sets of characters and character bigrams
(Chinese needs no word segmentation for this, and nothing is downloaded), with a lower bar when the category is the
same and lower still for the same caller (`RepeatRules.bar`). The new case points to the cluster's master
(`Case.repeat_of_id`), the master counts its repeats; N repeats, or any new contact after the master was resolved or
closed, escalate the master (督办) automatically. All of it runs inside the intake's transaction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..enums import CaseStatus, EventKind
from ..events import record_event
from ..geo.distance import bbox_around, haversine_m
from ..models import Case
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


def _candidates(session: Session, case: Case, rules: RepeatRules, now: datetime) -> list[tuple[Case, str]]:
    closed_since = now - timedelta(days=rules.window_days)
    live = [
        Case.id != case.id,
        Case.status.not_in([CaseStatus.MERGED, CaseStatus.INVALID]),
        or_(Case.closed_at.is_(None), Case.closed_at >= closed_since),
        Case.received_at <= case.received_at,
    ]
    found: list[tuple[Case, str]] = []
    if case.caller_phone:
        since = case.received_at - timedelta(days=rules.phone_window_days)
        found += [
            (c, "phone")
            for c in session.scalars(
                select(Case)
                .where(Case.caller_phone == case.caller_phone, Case.received_at >= since, *live)
                .order_by(Case.received_at.desc())
                .limit(30)
            )
        ]
    if case.lat is not None and case.lon is not None:
        since = case.received_at - timedelta(hours=rules.place_hours)
        min_lat, min_lon, max_lat, max_lon = bbox_around(case.lat, case.lon, rules.radius_m)
        for c in session.scalars(
            select(Case)
            .where(
                # same category: the (category, received_at) index keeps this a short range scan at intake
                Case.category == case.category,
                Case.received_at >= since,
                Case.lat.between(min_lat, max_lat),
                Case.lon.between(min_lon, max_lon),
                *live,
            )
            .order_by(Case.received_at.desc())
            .limit(60)
        ):
            assert c.lat is not None and c.lon is not None
            if haversine_m(case.lat, case.lon, c.lat, c.lon) <= rules.radius_m:
                found.append((c, "place"))
    return found


def find_repeat(session: Session, case: Case, *, rules: RepeatRules, now: datetime) -> RepeatMatch | None:
    """The best earlier case this appeal repeats (by score, then recency), or None."""
    mine = grams(case.description)
    best: tuple[float, datetime, RepeatMatch] | None = None
    for other, by in _candidates(session, case, rules, now):
        score = dice(mine, grams(other.description))
        same_caller = by == "phone" or (case.caller_phone is not None and case.caller_phone == other.caller_phone)
        bar = rules.bar(same_category=other.category == case.category, same_caller=same_caller)
        if score < bar:
            continue
        master_id = other.repeat_of_id or other.id
        match = RepeatMatch(other.id, master_id, score, by)
        key = (score, other.received_at)
        if best is None or key > best[:2]:
            best = (score, other.received_at, match)
    return best[2] if best else None


def after_intake(session: Session, case: Case, *, actor: Actor, now: datetime) -> None:
    """Called by intake inside its transaction once the new case exists: link it to its cluster's master."""
    rules = default_calendar().repeats
    match = find_repeat(session, case, rules=rules, now=now)
    if match is None:
        return
    master = session.get(Case, match.master_id, populate_existing=True)
    if master is None or master.status in (CaseStatus.MERGED, CaseStatus.INVALID):
        return
    case.repeat_of_id = master.id
    session.execute(
        update(Case)
        .where(Case.id == master.id)
        .values(repeat_count=Case.repeat_count + 1, version=Case.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    count = master.repeat_count + 1
    record_event(
        session,
        EventKind.CASE_UPDATED,
        actor=actor.name,
        case_id=master.id,
        ts=now,
        payload={
            "number": master.number,
            "action": "repeat_appeal",
            "repeat": case.number,
            "repeat_count": count,
            "by": match.by,
            "similarity": round(match.score, 3),
        },
    )
    after_closure = master.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
    threshold = rules.escalate_after > 0 and count % rules.escalate_after == 0
    if after_closure or threshold:
        reason = "repeat_after_closure" if after_closure else "repeat_appeals"
        level = master.escalation + 1
        raise_case_level(
            session,
            case_id=master.id,
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
                extra={"master": master.number},
            )
            session.refresh(case)
