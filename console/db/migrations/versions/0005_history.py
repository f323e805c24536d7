"""history: an append-only audit trail enforced by the database; positions and events partitioned by time

Revision ID: 0005_history
Revises: 0002
Create Date: 2026-11-29

Both databases: `UPDATE` and `DELETE` on `events` are refused by triggers (and `TRUNCATE` on PostgreSQL, on the
table and on each partition). On SQLite a later batch migration that rebuilds `events` must create the triggers
again (`tests/history/test_append_only.py` checks them at head).

PostgreSQL only: `positions` becomes partitioned by day on `fix_at` and `events` by month on `ts`
(`console/db/partitions.py`). A partitioned table's primary key must hold the partition key, so the keys become
(id, fix_at) and (id, ts); ids still come from the same sequences, so they stay unique and in commit order as the
change feed expects. Existing rows are copied into the new tables (on a large database, prune old positions first:
the copy is one transaction).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from console.db.partitions import EVENTS, POSITIONS, PartitionedTable, create_layout
from console.timeutil import utcnow

revision = "0005_history"
down_revision = "0006_roads"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events"
    " BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END",
    "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events"
    " BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END",
)

PG_FUNCTION = """
CREATE FUNCTION console_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""

#: The new tables' columns, as in 0001 (the partition key joins the primary key).
COLUMNS = {
    "events": """
        id BIGINT NOT NULL DEFAULT nextval('events_id_seq'),
        ts TIMESTAMP WITH TIME ZONE NOT NULL,
        actor VARCHAR(64) NOT NULL,
        kind VARCHAR(32) NOT NULL,
        case_id INTEGER,
        unit_id INTEGER,
        payload JSON NOT NULL,
        CONSTRAINT pk_events PRIMARY KEY (id, ts),
        CONSTRAINT fk_events_case_id_cases FOREIGN KEY (case_id) REFERENCES cases (id),
        CONSTRAINT fk_events_unit_id_units FOREIGN KEY (unit_id) REFERENCES units (id)
    """,
    "positions": """
        id BIGINT NOT NULL DEFAULT nextval('positions_id_seq'),
        unit_id INTEGER NOT NULL,
        fix_at TIMESTAMP WITH TIME ZONE NOT NULL,
        lat FLOAT NOT NULL,
        lon FLOAT NOT NULL,
        speed_kmh FLOAT,
        course FLOAT,
        source VARCHAR(32),
        CONSTRAINT pk_positions PRIMARY KEY (id, fix_at),
        CONSTRAINT fk_positions_unit_id_units FOREIGN KEY (unit_id) REFERENCES units (id)
    """,
}
INDEXES = {
    "events": (("ix_events_case", "case_id, id"), ("ix_events_ts", "ts"), ("ix_events_unit", "unit_id, id")),
    "positions": (("ix_positions_unit_fix", "unit_id, fix_at"),),
}
#: Covering columns of the partitioned tables' indexes: a unit's track is read from the index alone (its fixes
#: are scattered over the heap among every other unit's).
INCLUDE = {"ix_positions_unit_fix": "lat, lon, speed_kmh, course"}
NAMES = {
    "events": "id, ts, actor, kind, case_id, unit_id, payload",
    "positions": "id, unit_id, fix_at, lat, lon, speed_kmh, course, source",
}


def _rebuild(table: str, *, partitioned: PartitionedTable | None) -> None:
    """Replace `table` by a new one (partitioned by time, or plain again) holding the same rows and ids."""
    conn = op.get_bind()
    for index, _ in INDEXES[table]:
        op.execute(f"DROP INDEX {index}")
    op.execute(f"ALTER TABLE {table} RENAME TO {table}_before_0005")
    op.execute(f"ALTER TABLE {table}_before_0005 RENAME CONSTRAINT pk_{table} TO pk_{table}_before_0005")
    op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY NONE")
    columns = COLUMNS[table]
    if partitioned is None:
        columns = columns.replace(f"PRIMARY KEY (id, {'ts' if table == 'events' else 'fix_at'})", "PRIMARY KEY (id)")
        op.execute(f"CREATE TABLE {table} ({columns})")
    else:
        op.execute(f"CREATE TABLE {table} ({columns}) PARTITION BY RANGE ({partitioned.column})")
        first = conn.execute(sa.text(f"SELECT min({partitioned.column}) FROM {table}_before_0005")).scalar()
        now = utcnow()
        create_layout(conn, partitioned, first=first or now, now=now)
    for index, cols in INDEXES[table]:
        include = f" INCLUDE ({INCLUDE[index]})" if partitioned is not None and index in INCLUDE else ""
        op.execute(f"CREATE INDEX {index} ON {table} ({cols}){include}")
    op.execute(f"INSERT INTO {table} ({NAMES[table]}) SELECT {NAMES[table]} FROM {table}_before_0005")
    op.execute(f"DROP TABLE {table}_before_0005")
    op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        return
    op.execute(PG_FUNCTION)
    # The function must exist before the events' partitions are made: each gets its own TRUNCATE trigger.
    _rebuild("positions", partitioned=POSITIONS)
    _rebuild("events", partitioned=EVENTS)
    op.execute(
        "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events"
        " FOR EACH ROW EXECUTE FUNCTION console_events_append_only()"
    )
    op.execute(
        "CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events"
        " FOR EACH STATEMENT EXECUTE FUNCTION console_events_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER events_append_only_delete")
        op.execute("DROP TRIGGER events_append_only_update")
        return
    _rebuild("events", partitioned=None)
    _rebuild("positions", partitioned=None)
    op.execute("DROP FUNCTION console_events_append_only()")
