"""`user add NAME --role ROLE [--password P]` (the password is asked for on a terminal when not given; it must meet
the `[login]` password policy, by default at least 8 characters)."""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from ..db import write_transaction
from ..enums import Role
from ..services import users
from ..services.errors import ServiceError
from .context import CliContext, CliError
from .identity import cli_actor


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("user", help="manage users")
    what = p.add_subparsers(dest="what", metavar="ACTION", required=True)
    a = what.add_parser("add", help="add a user")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=[r.value for r in Role])
    a.add_argument("--password", help="the password (default: CONSOLE_NEW_PASSWORD or a prompt)")
    a.add_argument("--display-name")
    a.add_argument("--department-id", type=int)
    a.add_argument("--township-id", type=int)
    a.set_defaults(func=run_add)


def run_add(ctx: CliContext) -> int:
    actor = cli_actor(ctx)  # who acts is proven before anything is asked of them
    settings = ctx.login_settings
    password = ctx.args.password or os.environ.get("CONSOLE_NEW_PASSWORD")
    if not password:
        if not os.isatty(0):
            raise CliError(
                {"error": "invalid", "field": "password", "message": "give --password (no terminal to ask on)"}
            )
        password = getpass.getpass(f"password for {ctx.args.name}: ")
    try:
        user = write_transaction(
            ctx.db.sessions,
            lambda s: users.create_user(
                s,
                name=ctx.args.name,
                role=ctx.args.role,
                password=password,
                actor=actor,
                display_name=ctx.args.display_name,
                department_id=ctx.args.department_id,
                township_id=ctx.args.township_id,
                settings=settings,
            ),
        )
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    ctx.print_json({"id": user.id, "name": user.name, "role": user.role.value})
    return 0
