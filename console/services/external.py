"""Appeals from outside platforms (Open311 and the like), taken in idempotently.

`(source, external id)` maps to our case through `external_refs`. A request seen for the first time enters
through the intake service (same validation, grid lookup, duplicate candidates, deadline, event as any appeal);
one seen again with a different fingerprint (status, notes, description, update time) updates its case and records
a `case_updated` event; one seen again unchanged does nothing. Each request is one transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db import Database, write_transaction
from ..enums import Category, Channel, EventKind, Priority
from ..events import record_event
from ..models import Case, ExternalRef
from ..timeutil import utcnow
from . import intake
from .actor import SYSTEM, Action, Actor
from .guard import touch_case
from .inputs import clean_outside_text

MAX_DESCRIPTION = intake.MAX_DESCRIPTION


@dataclass(frozen=True, slots=True)
class ExternalAppeal:
    """An appeal as an outside platform reports it, already mapped to our vocabulary."""

    source: str
    external_id: str
    category: Category
    description: str
    channel: Channel = Channel.ONLINE
    priority: Priority = Priority.YELLOW
    status: str | None = None
    status_notes: str | None = None
    address: str | None = None
    lat: float | str | None = None
    lon: float | str | None = None
    received_at: datetime | None = None
    updated_at: datetime | None = None
    media_url: str | None = None  # the platform's photo of the request (Open311), fetched by the feed

    def fingerprint(self) -> str:
        """What, when it changes, makes a re-polled request an update."""
        parts = [
            self.status,
            self.status_notes,
            self.description,
            self.updated_at.isoformat() if self.updated_at else None,
        ]
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()

    def intake_data(self) -> dict[str, Any]:
        """The appeal as intake input; invisible and control characters of the platform's texts are removed
        (`clean_outside_text`) rather than the appeal refused."""
        description = clean_outside_text(self.description, multiline=True).strip()
        description = description or f"({self.source} {self.external_id})"
        address = clean_outside_text(self.address).strip() if self.address else None
        return {
            "channel": self.channel.value,
            "category": self.category.value,
            "priority": self.priority.value,
            "description": description[:MAX_DESCRIPTION],
            "address": address[:256] if address else None,
            "lat": self.lat,
            "lon": self.lon,
            "received_at": self.received_at.isoformat() if self.received_at else None,
        }


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class ExternalResult:
    outcome: Outcome
    case_id: int
    case_number: str


def take_in(
    db: Database, appeal: ExternalAppeal, *, actor: Actor = SYSTEM, now: datetime | None = None
) -> ExternalResult:
    """Create, update or leave the case of one outside request (one transaction). Bad input raises
    ValidationError naming the field, and nothing is stored."""
    actor.require(Action.INTAKE)
    now = now or utcnow()
    request = intake.parse_intake(appeal.intake_data(), now=now)
    fingerprint = appeal.fingerprint()

    def work(session: Session) -> ExternalResult:
        ref = session.scalars(
            select(ExternalRef).where(
                ExternalRef.source == appeal.source, ExternalRef.external_id == appeal.external_id
            )
        ).first()
        if ref is None:
            result = intake.create_case(session, request, actor=actor, now=now)
            session.add(
                ExternalRef(
                    source=appeal.source,
                    external_id=appeal.external_id,
                    case_id=result.case.id,
                    fingerprint=fingerprint,
                    updated_at=now,
                )
            )
            session.flush()
            return ExternalResult(Outcome.CREATED, result.case.id, result.case.number)
        case = session.get(Case, ref.case_id)
        assert case is not None
        if ref.fingerprint == fingerprint:
            return ExternalResult(Outcome.UNCHANGED, case.id, case.number)
        changed = session.execute(
            update(ExternalRef)
            .where(ExternalRef.id == ref.id, ExternalRef.fingerprint == ref.fingerprint)
            .values(fingerprint=fingerprint, updated_at=now)
        )
        if getattr(changed, "rowcount", 1) == 0:  # another runner took this update in the meantime
            return ExternalResult(Outcome.UNCHANGED, case.id, case.number)
        description_changed = request.description != case.description
        touch_case(session, case.id, now, **({"description": request.description} if description_changed else {}))
        record_event(
            session,
            EventKind.CASE_UPDATED,
            actor=actor.name,
            case_id=case.id,
            ts=now,
            payload={
                "source": appeal.source,
                "external_id": appeal.external_id,
                "status": appeal.status,
                "status_notes": appeal.status_notes,
                "description_changed": description_changed,
                "updated_at": appeal.updated_at.isoformat() if appeal.updated_at else None,
            },
        )
        return ExternalResult(Outcome.UPDATED, case.id, case.number)

    return write_transaction(db.sessions, work)
