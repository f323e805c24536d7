"""The adapter to the other line (110 ↔ 12345): hand-offs go out as a signed JSON POST, their status comes back by
polling the other side's status endpoint. Runs as a source of the feed runner (`dispatch-console feeds`, or the
console of a single workstation in its network worker), never on an interface thread.

The exchange (documented for the other side's gateway):

- `POST {url}/handoffs` with `{"id", "case", "from", "to", "category", "priority", "description", "address", "lat",
  "lon", "sent_at"}`; `id` is ours and makes the POST idempotent (sent again after a lost answer, the other side
  gives the same reference). Answer 2xx `{"ref": "..."}`; 409 or 422 `{"reason": "..."}` refuses the hand-off.
- `GET {url}/handoffs/{ref}` answers `{"ref", "status": "received|accepted|refused|done", "seq", "reason",
  "result"}`; `seq` grows with each change at the other side. An answer whose `seq` is not above the last applied
  changes nothing: a reply sent twice or an older one arriving late is ignored.
- Every request carries `X-Timestamp` (Unix seconds) and `X-Signature: sha256=<hex>`, the HMAC-SHA256 with the
  shared secret of `"{timestamp}.{METHOD}.{path}.{body}"`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config.handoff import HandoffPeer
from ..db import Database, write_transaction
from ..enums import HandoffLine, HandoffStatus
from ..errors import ServiceError
from ..models import Case, Handoff
from ..services import handoffs
from ..services.actor import SYSTEM, Actor
from ..timeutil import utcnow
from .config import HttpSettings
from .http import FeedDataError, FeedError, FeedRemoteError, HttpSource

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
#: The other side's answers that refuse a hand-off at delivery.
REFUSING_STATUSES = (409, 422)


def signature(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = f"{timestamp}.{method}.{path}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class _Client(HttpSource):
    def __init__(self, name: str, config: HandoffPeer, **kwargs: Any) -> None:
        super().__init__(name, config.url, config.http, **kwargs)
        self.secret = config.secret.reveal()
        self._signing = ("GET", "/")
        self.last_reason: str | None = None  # the other side's `reason` in its last error answer

    def request(self, method: str, path: str, **kw: Any) -> Any:
        self._signing = (method, urlparse(self.url(path)).path)  # what `prepare` signs (one client per thread)
        return super().request(method, path, **kw)

    def prepare(self, kwargs: dict[str, Any]) -> None:
        """Sign each request (the exact bytes sent), on every attempt (a fresh timestamp)."""
        body = kwargs.get("data")
        stamp = str(int(time.time()))
        method, path = self._signing
        headers = dict(kwargs.get("headers") or {})
        headers[TIMESTAMP_HEADER] = stamp
        headers[SIGNATURE_HEADER] = signature(
            self.secret, stamp, method, path, body if isinstance(body, bytes) else b""
        )
        kwargs["headers"] = headers

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode() if payload is not None else None
        response = self.request(method, path, body=body)
        try:
            return response.json()
        except ValueError:
            raise FeedDataError(self.name, f"{method} {path}: not JSON") from None

    def error_text(self, response: Any) -> str:
        try:
            reason = response.json().get("reason")
        except (ValueError, AttributeError):
            reason = None
        self.last_reason = str(reason)[:500] if reason else None
        return self.last_reason or super().error_text(response)


@dataclass
class HandoffPoll:
    delivered: int = 0
    refused_at_delivery: int = 0
    applied: int = 0
    ignored: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "refused_at_delivery": self.refused_at_delivery,
            "applied": self.applied,
            "ignored": self.ignored,
            "errors": self.errors[:10],
        }


class HandoffFeed:
    """One outside line's adapter, a source of the feed runner."""

    def __init__(self, line: HandoffLine | str, config: HandoffPeer, *, actor: Actor = SYSTEM, **kwargs: Any) -> None:
        self.line = HandoffLine(line)
        self.config = config
        self.actor = actor
        self.name = f"handoff_{self.line.value}"
        self.interval_s = config.interval_s
        self.client = _Client(self.name, config, **kwargs)

    @property
    def http(self) -> HttpSettings:
        return self.config.http

    def close(self) -> None:
        self.client.close()

    def poll(self, db: Database, *, now: datetime | None = None) -> HandoffPoll:
        """Deliver what waits to be sent, then read the status of what the other side holds. A failure of the other
        side after some steps leaves those steps done and raises (the runner records the outage and backs off)."""
        result = HandoffPoll()
        first_failure: FeedError | None = None
        for payload in self._outbox(db):
            try:
                answer = self.client.call("POST", "handoffs", payload)
            except FeedRemoteError as exc:
                if exc.status in REFUSING_STATUSES:
                    self._refuse(db, payload["id"], self.client.last_reason or exc.message, now)
                    result.refused_at_delivery += 1
                    continue
                raise
            ref = answer.get("ref") if isinstance(answer, dict) else None
            if not isinstance(ref, str) or not ref.strip() or len(ref) > 64:
                raise FeedDataError(self.name, "POST handoffs: the answer has no reference")
            self._delivered(db, int(payload["id"]), ref.strip(), now or utcnow())
            result.delivered += 1
        for hid, ref in self._waiting(db):
            try:
                status = self.client.call("GET", f"handoffs/{ref}")
            except FeedError as exc:
                first_failure = first_failure or exc
                break
            if self._apply(db, hid, status, now):
                result.applied += 1
            else:
                result.ignored += 1
        if first_failure is not None:
            raise first_failure
        return result

    # -- the database side ------------------------------------------------------------------------------------------

    def _outbox(self, db: Database) -> list[dict[str, Any]]:
        with db.session() as s:
            rows = s.execute(
                select(Handoff, Case)
                .join(Case, Case.id == Handoff.case_id)
                .where(
                    Handoff.to_line == self.line,
                    Handoff.status == HandoffStatus.SENT,
                    Handoff.delivered_at.is_(None),
                    Handoff.ref.is_(None),
                )
                .order_by(Handoff.id)
            ).tuples()
            return [
                {
                    "id": str(h.id),
                    "case": c.number,
                    "from": "hotline_12345" if self.line == HandoffLine.POLICE_110 else "police_110",
                    "to": self.line.value,
                    "category": c.category.value,
                    "priority": c.priority.value,
                    "description": c.description,
                    "address": c.address,
                    "lat": c.lat,
                    "lon": c.lon,
                    "sent_at": h.sent_at.isoformat(),
                    "note": h.note,
                }
                for h, c in rows
            ]

    def _waiting(self, db: Database) -> list[tuple[int, str]]:
        with db.session() as s:
            return [
                (hid, ref)
                for hid, ref in s.execute(
                    select(Handoff.id, Handoff.ref)
                    .where(
                        Handoff.to_line == self.line,
                        Handoff.status.in_(list(handoffs.LIVE)),
                        Handoff.delivered_at.is_not(None),
                        Handoff.ref.is_not(None),
                    )
                    .order_by(Handoff.id)
                ).tuples()
                if ref
            ]

    def _delivered(self, db: Database, hid: int, ref: str, now: datetime) -> None:
        write_transaction(db.sessions, lambda s: handoffs.mark_delivered(s, handoff_id=hid, ref=ref, now=now))

    def _refuse(self, db: Database, hid: Any, reason: str, now: datetime | None) -> None:
        def work(s: Session) -> None:
            try:
                handoffs.refuse_handoff(s, handoff_id=int(hid), reason=reason or "refused", actor=self.actor, now=now)
            except ServiceError as exc:  # changed here meanwhile (refused by hand): nothing more to do
                log.info("%s: hand-off %s not refused: %s", self.name, hid, exc.message)

        write_transaction(db.sessions, work)

    def _apply(self, db: Database, hid: int, answer: Any, now: datetime | None) -> bool:
        """Apply the other side's status; False when it changed nothing (a repeat, an older answer, still pending)."""
        if not isinstance(answer, dict):
            raise FeedDataError(self.name, f"GET handoffs: not an object for hand-off {hid}")
        status = answer.get("status")
        seq = answer.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise FeedDataError(self.name, f"GET handoffs: hand-off {hid} has no valid seq")
        if status in ("received", "pending"):
            return False

        def work(s: Session) -> bool:
            try:
                if status == "accepted":
                    ref = answer.get("ref")
                    h = handoffs.accept_handoff(s, handoff_id=hid, ref=str(ref), actor=self.actor, now=now, seq=seq)
                elif status == "refused":
                    h = handoffs.refuse_handoff(
                        s,
                        handoff_id=hid,
                        reason=str(answer.get("reason") or "refused"),
                        actor=self.actor,
                        now=now,
                        seq=seq,
                    )
                elif status == "done":
                    h = handoffs.record_result(
                        s,
                        handoff_id=hid,
                        result=str(answer.get("result") or "done"),
                        actor=self.actor,
                        now=now,
                        seq=seq,
                    )
                else:
                    raise FeedDataError(self.name, f"GET handoffs: unknown status {status!r}")
            except ServiceError as exc:
                log.info("%s: hand-off %s: %s", self.name, hid, exc.message)
                return False
            return h is not None

        return write_transaction(db.sessions, work)


def handoff_sources(peers: dict[str, HandoffPeer], *, actor: Actor = SYSTEM, **kwargs: Any) -> list[HandoffFeed]:
    return [HandoffFeed(line, peer, actor=actor, **kwargs) for line, peer in peers.items()]
