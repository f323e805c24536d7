"""Retention: position history older than a cutoff goes; events never do (they are the audit trail).

On PostgreSQL the day partitions wholly older than the cutoff are dropped (one statement per day, whatever its
size), then the rows of the partition that straddles the cutoff are deleted in batches. On SQLite the rows are
deleted in batches. Every batch is its own short transaction, so consoles and the feeds keep writing in between;
each transaction writes a `history_pruned` event saying what it removed. The units' last fixes (on `units`) are
not touched: the live map and the ranking keep working on a pruned history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from ..db import Database, write_transaction
from ..db.partitions import POSITIONS, Dropped, drop_partitions_before
from ..db.tx import affected
from ..enums import EventKind
from ..events import record_event
from ..models.base import UTCDateTime
from ..timeutil import utcnow
from .actor import Action, Actor
from .errors import ValidationError

#: Rows per delete transaction.
BATCH = 20_000

_DURATION = re.compile(r"^\s*(\d{1,6})\s*([dhw])\s*$")
_UNIT_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(value: str, *, field_name: str = "positions_older_than") -> timedelta:
    """`90d`, `12h`, `4w` → a positive duration."""
    match = _DURATION.match(value or "")
    if match is None:
        raise ValidationError(field_name, "a duration such as 90d (days), 12h (hours) or 4w (weeks)")
    amount = int(match.group(1))
    if amount <= 0:
        raise ValidationError(field_name, "must be greater than 0")
    return timedelta(seconds=amount * _UNIT_SECONDS[match.group(2)])


@dataclass
class PruneReport:
    cutoff: datetime
    deleted: int = 0
    batches: int = 0
    partitions_dropped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": "positions",
            "cutoff": self.cutoff.isoformat(),
            "deleted": self.deleted,
            "batches": self.batches,
            "partitions_dropped": self.partitions_dropped,
        }


def _delete_batch(session: Session, cutoff: datetime, batch: int, actor: Actor) -> int:
    # (id, fix_at) is the key of the partitioned table on PostgreSQL; SQLite's rowid alias is id alone.
    key, columns = ("(id, fix_at)", "id, fix_at") if session.get_bind().dialect.name == "postgresql" else ("id", "id")
    statement = text(
        f"DELETE FROM positions WHERE {key} IN (SELECT {columns} FROM positions WHERE fix_at < :cutoff LIMIT :n)"
    ).bindparams(bindparam("cutoff", type_=UTCDateTime()))
    deleted = affected(session.execute(statement, {"cutoff": cutoff, "n": batch}))
    if deleted:
        record_event(
            session,
            EventKind.HISTORY_PRUNED,
            actor=actor.name,
            payload={"table": "positions", "cutoff": cutoff.isoformat(), "deleted": deleted},
        )
    return deleted


def prune_positions(
    db: Database,
    *,
    older_than: timedelta,
    actor: Actor,
    now: datetime | None = None,
    batch: int = BATCH,
) -> PruneReport:
    """Remove the positions whose fix is older than `now - older_than`."""
    actor.require(Action.MAINTAIN)
    if older_than <= timedelta(0):
        raise ValidationError("positions_older_than", "must be greater than 0")
    report = PruneReport(cutoff=(now or utcnow()) - older_than)
    if db.is_postgres:

        def drop(session: Session) -> list[Dropped]:
            dropped = drop_partitions_before(session.connection(), POSITIONS, report.cutoff)
            if dropped:
                record_event(
                    session,
                    EventKind.HISTORY_PRUNED,
                    actor=actor.name,
                    payload={
                        "table": "positions",
                        "cutoff": report.cutoff.isoformat(),
                        "deleted": sum(d.rows for d in dropped),
                        "partitions": [d.name for d in dropped],
                    },
                )
            return dropped

        dropped = write_transaction(db.sessions, drop)
        report.partitions_dropped = [d.name for d in dropped]
        report.deleted += sum(d.rows for d in dropped)
    while True:
        deleted = write_transaction(db.sessions, lambda s: _delete_batch(s, report.cutoff, batch, actor))
        report.deleted += deleted
        report.batches += 1 if deleted else 0
        if deleted < batch:
            return report
