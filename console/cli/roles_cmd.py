"""`roles [--owner NAME] [--app NAME] [--reader NAME] [--apply]`: the least-privilege role layout of a PostgreSQL
deployment (`console/db/roles.py`): printed as SQL, or applied with `--apply` by the tables' owner or a superuser."""

from __future__ import annotations

import argparse
from typing import Any

from ..db.roles import RoleNameError, RoleNames, apply_layout, layout_sql
from .context import CliContext, CliError
from .maintenance import clean_errors, maintainer


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "roles", help="PostgreSQL: print (or --apply) the least-privilege roles of owner, consoles and readers"
    )
    defaults = RoleNames()
    p.add_argument("--owner", default=defaults.owner, help=f"role owning the schema (default {defaults.owner})")
    p.add_argument("--app", default=defaults.app, help=f"role of the consoles and feeds (default {defaults.app})")
    p.add_argument("--reader", default=defaults.reader, help=f"read-only role (default {defaults.reader})")
    p.add_argument("--apply", action="store_true", help="run the statements (one transaction) instead of printing")
    p.set_defaults(func=run)


def run(ctx: CliContext) -> int:
    args = ctx.args
    try:
        names = RoleNames(owner=args.owner, app=args.app, reader=args.reader)
    except RoleNameError as exc:
        raise CliError({"error": "invalid", "field": exc.field, "message": f"{exc.field}: {exc.message}"}) from None
    maintainer(ctx)
    if not ctx.db.is_postgres:
        raise CliError({"error": "invalid", "field": "db", "message": "roles are a PostgreSQL matter; SQLite has none"})
    with clean_errors():
        if args.apply:
            with ctx.db.engine.begin() as conn:
                statements = apply_layout(conn, names)
        else:
            with ctx.db.engine.connect() as conn:
                statements = layout_sql(conn, names)
    ctx.print_json(
        {
            "roles": {"owner": names.owner, "app": names.app, "reader": names.reader},
            "applied": bool(args.apply),
            "statements": statements,
        }
    )
    return 0
