"""The least-privilege role layout of a PostgreSQL deployment (printed or applied by `dispatch-console roles`).

Three group roles (NOLOGIN); each person or machine logs in with its own login role that is a member of one:

| role | who | may |
|---|---|---|
| `console_owner` | migrations (`init`), partition maintenance, `prune`, `backup`/`restore` | owns every table, sequence and partition |
| `console_app` | the consoles and the feeds process | read everything; insert and update the working tables; only insert and read `events` (the audit trail) and `positions`; delete only from the tables whose rows the services replace whole (`DELETABLE`: patrol shifts' derived rows and teams, the road network) |
| `console_reader` | wall displays and reports on a standby | read everything |

The triggers of migration 0005 refuse `UPDATE`, `DELETE` and `TRUNCATE` of events even for the owner; the grants
below mean the consoles' role could not do it even without them. The statements are computed from the database's
catalog (every table there now, partitions excluded: rows reach a partition through its parent, whose grants are
the ones checked), so run the command again after a migration that adds a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from sqlalchemy import Connection, text

#: Tables the consoles' role may only insert into and read.
APPEND_ONLY = frozenset({"events", "positions"})
#: Tables the consoles' role may only read.
READ_ONLY = frozenset({"alembic_version"})
#: Working tables whose rows the services replace whole (derived rows recomputed, a network or a team replaced):
#: the consoles' role may delete from these, and from no other.
DELETABLE = frozenset(
    {
        "patrol_checkins",
        "patrol_plan_units",
        "patrol_shifts",
        "patrol_shift_targets",
        "patrol_shift_units",
        "patrol_shift_grids",
        "road_nodes",
        "road_edges",
    }
)


class RoleNameError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class RoleNames:
    owner: str = "console_owner"
    app: str = "console_app"
    reader: str = "console_reader"

    def __post_init__(self) -> None:
        for f in fields(self):
            if not ROLE_NAME.match(getattr(self, f.name)):
                raise RoleNameError(f.name, "a role name is 1 to 63 lower-case letters, digits or _, not a digit first")
        if len(set(self.all())) != 3:
            raise RoleNameError("owner", "the three roles need three different names")

    def all(self) -> tuple[str, str, str]:
        return (self.owner, self.app, self.reader)


def quote(conn: Connection, name: str) -> str:
    return str(conn.execute(text("SELECT quote_ident(:n)"), {"n": name}).scalar())


def _create_role(name: str) -> str:
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN"
        f" CREATE ROLE {name} NOLOGIN; END IF; END $$"
    )


def layout_sql(conn: Connection, names: RoleNames = RoleNames()) -> list[str]:
    """The statements that set the layout up on the database `conn` is connected to (idempotent)."""
    owner, app, reader = names.all()
    database = quote(conn, str(conn.execute(text("SELECT current_database()")).scalar()))
    schema_tables = (
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') {cond} ORDER BY c.relname"
    )
    tables = list(conn.execute(text(schema_tables.format(cond="AND NOT c.relispartition"))).scalars())
    every_table = list(conn.execute(text(schema_tables.format(cond=""))).scalars())
    sequences = list(
        conn.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY c.relname"
            )
        ).scalars()
    )
    sql = [_create_role(n) for n in names.all()]
    sql += [
        f"REVOKE ALL ON DATABASE {database} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {database} TO {owner}, {app}, {reader}",
        f"GRANT CREATE ON DATABASE {database} TO {owner}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {owner}",
        f"GRANT USAGE ON SCHEMA public TO {app}, {reader}",
    ]
    sql += [f"ALTER TABLE {quote(conn, t)} OWNER TO {owner}" for t in every_table]
    sql += [f"ALTER SEQUENCE {quote(conn, s)} OWNER TO {owner}" for s in sequences]
    sql.append(f"ALTER FUNCTION console_events_append_only() OWNER TO {owner}")
    sql.append(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app}, {reader}")
    for table in tables:
        name = quote(conn, table)
        sql.append(f"GRANT SELECT ON {name} TO {reader}")
        if table in APPEND_ONLY:
            sql.append(f"GRANT SELECT, INSERT ON {name} TO {app}")
        elif table in READ_ONLY:
            sql.append(f"GRANT SELECT ON {name} TO {app}")
        else:
            rights = "SELECT, INSERT, UPDATE, DELETE" if table in DELETABLE else "SELECT, INSERT, UPDATE"
            sql.append(f"GRANT {rights} ON {name} TO {app}")
    sql.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}")
    return sql


def apply_layout(conn: Connection, names: RoleNames = RoleNames()) -> list[str]:
    """Run the layout's statements in the caller's transaction; returns them."""
    statements = layout_sql(conn, names)
    for statement in statements:
        conn.execute(text(statement))
    return statements
