"""Time partitions of the two tables that grow fastest, on PostgreSQL (native declarative partitioning).

`positions` (300 units every 10 s is 2.6 million fixes a day) is partitioned by day on `fix_at`, `events` by month on
`ts`. Each table has three kinds of partition:

- `<table>_p_old`: everything before the first dated partition (`FROM (MINVALUE)`), e.g. a unit imported with an
  old fix, or history that was there before partitioning;
- dated partitions, `positions_p2026_11_29` (one day) and `events_p2026_11` (one month), created ahead of time;
- `<table>_p_default`: the catch-all, so that a write never fails when the maintenance has not run for a while.

`ensure_partitions` is the maintenance path: it creates the dated partitions from the newest one up to `ahead` steps
past now (14 days of positions, 3 months of events by default). The feeds process runs it when it starts and every
hour, and `dispatch-console partitions` runs it from a timer; both need the tables' owner (see `roles.py`). If rows
reached the default partition meanwhile, they are moved into their new partition in the same transaction (the
default partition is detached, its rows of that range copied through the parent and removed, then attached again),
so nothing is lost and the audit trail is not altered, only moved.

`drop_partitions_before` is what makes retention cheap: a day of positions goes with one `DROP TABLE` instead of
millions of deletes. Events are the audit trail and are never dropped.

Everything here is for PostgreSQL; on SQLite the tables are plain and these functions do nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, text

Step = Literal["day", "month"]


@dataclass(frozen=True, slots=True)
class PartitionedTable:
    name: str
    column: str
    step: Step
    #: Dated partitions kept ready ahead of now.
    ahead: int
    #: How far back (in steps) the first layout gives existing rows dated partitions; older ones go to `_p_old`.
    keep_back: int


POSITIONS = PartitionedTable("positions", "fix_at", "day", ahead=14, keep_back=400)
EVENTS = PartitionedTable("events", "ts", "month", ahead=3, keep_back=120)
TABLES = (POSITIONS, EVENTS)
BY_NAME = {t.name: t for t in TABLES}

#: Names of partitions (never in the models: Alembic's comparison and autogenerate leave them alone).
_TABLE_NAMES = "|".join(BY_NAME)
PARTITION_NAME = re.compile(rf"^(?:{_TABLE_NAMES})_p(?:_old|_default|\d{{4}}_\d{{2}}(?:_\d{{2}})?)$")

_BOUND = re.compile(r"FROM \((?:MINVALUE|'([^']+)')\) TO \('([^']+)'\)")


def is_partition(name: str | None) -> bool:
    return bool(name) and PARTITION_NAME.match(name or "") is not None


def floor(moment: datetime, step: Step) -> datetime:
    moment = moment.astimezone(UTC)
    if step == "day":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def advance(start: datetime, step: Step, n: int = 1) -> datetime:
    """The boundary `n` steps after `start` (a boundary itself); `n` may be negative."""
    if step == "day":
        return start + timedelta(days=n)
    months = start.year * 12 + start.month - 1 + n
    return start.replace(year=months // 12, month=months % 12 + 1)


def partition_name(table: PartitionedTable, start: datetime) -> str:
    return f"{table.name}_p{start:%Y_%m_%d}" if table.step == "day" else f"{table.name}_p{start:%Y_%m}"


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    start: datetime | None  # None: from MINVALUE
    end: datetime | None  # None: the default partition

    @property
    def is_default(self) -> bool:
        return self.end is None


def is_partitioned(conn: Connection, table: str) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    kind = conn.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}).scalar()
    return kind == "p"


def list_partitions(conn: Connection, table: str) -> list[Partition]:
    """The table's partitions, dated ones in time order, the default partition last."""
    conn.execute(text("SET LOCAL TimeZone = 'UTC'"))
    rows = conn.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:t)"
        ),
        {"t": table},
    ).all()
    out: list[Partition] = []
    for name, bound in rows:
        match = _BOUND.search(bound or "")
        if match is None:
            out.append(Partition(name, None, None))
            continue
        start = _timestamp(match.group(1)) if match.group(1) else None
        out.append(Partition(name, start, _timestamp(match.group(2))))
    out.sort(key=lambda p: (p.is_default, p.end or datetime.max.replace(tzinfo=UTC)))
    return out


def _timestamp(literal: str) -> datetime:
    value = datetime.fromisoformat(literal)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def create_layout(conn: Connection, table: PartitionedTable, *, first: datetime, now: datetime) -> list[str]:
    """The first layout of an empty partitioned table: `_p_old` up to `first`, dated partitions from `first` to the
    days/months ahead of now, and the default partition. Returns the names created."""
    first = max(floor(first, table.step), advance(floor(now, table.step), table.step, -table.keep_back))
    first = min(first, floor(now, table.step))
    old = f"{table.name}_p_old"
    default = f"{table.name}_p_default"
    conn.execute(
        text(f"CREATE TABLE {old} PARTITION OF {table.name} FOR VALUES FROM (MINVALUE) TO ('{first.isoformat()}')")
    )
    conn.execute(text(f"CREATE TABLE {default} PARTITION OF {table.name} DEFAULT"))
    created = [old, default]
    _protect(conn, table, old)
    _protect(conn, table, default)
    created += ensure_partitions(conn, now=now, tables=(table,))
    return created


def ensure_partitions(
    conn: Connection,
    *,
    now: datetime,
    ahead: int | None = None,
    tables: tuple[PartitionedTable, ...] = TABLES,
) -> list[str]:
    """Create the dated partitions missing between the newest one and `ahead` steps past `now` (each table's own
    default when None). Returns the names created; does nothing on SQLite or on a table that is not partitioned."""
    created: list[str] = []
    for table in tables:
        if not is_partitioned(conn, table.name):
            continue
        parts = list_partitions(conn, table.name)
        ends = [p.end for p in parts if p.end is not None]
        start = max(ends) if ends else floor(now, table.step)
        until = advance(floor(now, table.step), table.step, (table.ahead if ahead is None else ahead) + 1)
        default = next((p.name for p in parts if p.is_default), None)
        while start < until:
            end = advance(start, table.step)
            created.append(_create_partition(conn, table, start, end, default))
            start = end
    return created


def _create_partition(
    conn: Connection, table: PartitionedTable, start: datetime, end: datetime, default: str | None
) -> str:
    name = partition_name(table, start)
    bounds = f"FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    in_range = f"{table.column} >= '{start.isoformat()}' AND {table.column} < '{end.isoformat()}'"
    strays = default is not None and bool(
        conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {default} WHERE {in_range})")).scalar()
    )
    if strays:
        # Rows written while no partition was ready wait in the default partition: move them into the new one.
        # Detached, the default partition is a plain table (without the parent's row triggers; its own TRUNCATE
        # trigger stays) for the moment of the move; the whole move is one transaction, so no one ever sees the rows twice or not at all.
        assert default is not None
        conn.execute(text(f"ALTER TABLE {table.name} DETACH PARTITION {default}"))
        conn.execute(text(f"CREATE TABLE {name} PARTITION OF {table.name} FOR VALUES {bounds}"))
        conn.execute(text(f"INSERT INTO {table.name} SELECT * FROM {default} WHERE {in_range}"))
        conn.execute(text(f"DELETE FROM {default} WHERE {in_range}"))
        conn.execute(text(f"ALTER TABLE {table.name} ATTACH PARTITION {default} DEFAULT"))
    else:
        conn.execute(text(f"CREATE TABLE {name} PARTITION OF {table.name} FOR VALUES {bounds}"))
    _protect(conn, table, name)
    return name


def _protect(conn: Connection, table: PartitionedTable, partition: str) -> None:
    """Row triggers of the parent reach every partition by themselves; TRUNCATE of a partition does not fire the
    parent's statement trigger, so the audit trail's partitions get their own."""
    if table is EVENTS:
        conn.execute(
            text(
                f"CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON {partition}"
                " FOR EACH STATEMENT EXECUTE FUNCTION console_events_append_only()"
            )
        )


@dataclass(frozen=True, slots=True)
class Dropped:
    name: str
    rows: int


def drop_partitions_before(conn: Connection, table: PartitionedTable, cutoff: datetime) -> list[Dropped]:
    """Drop the dated partitions whose every row is older than `cutoff` (their upper bound ≤ cutoff); `_p_old` is
    emptied instead, so that an old fix still has a partition to go to."""
    if table is EVENTS:
        raise ValueError("events are the audit trail and are never dropped")
    if not is_partitioned(conn, table.name):
        return []
    dropped: list[Dropped] = []
    for part in list_partitions(conn, table.name):
        if part.end is not None and part.end <= cutoff:
            rows = int(conn.execute(text(f"SELECT count(*) FROM {part.name}")).scalar() or 0)
            if part.start is None:
                if rows:
                    conn.execute(text(f"TRUNCATE {part.name}"))
                    dropped.append(Dropped(part.name, rows))
                continue
            conn.execute(text(f"DROP TABLE {part.name}"))
            dropped.append(Dropped(part.name, rows))
    return dropped


def alembic_include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's `include_name` hook: partitions are made by the maintenance, never by models or migrations."""
    return not (type_ == "table" and is_partition(name))
