"""`user add NAME --role ROLE [--township NAME | --village GRID_CODE] [--password P]` (the password is asked for on a terminal when not given; it must meet
the `[login]` password policy, by default at least 8 characters), through the `user.add` operation the first-run
dialog uses too."""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from ..enums import Role
from .context import CliContext, CliError
from .operations import run_operation


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("user", help="manage users")
    what = p.add_subparsers(dest="what", metavar="ACTION", required=True)
    a = what.add_parser("add", help="add a user")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=[r.value for r in Role])
    a.add_argument("--password", help="the password (default: CONSOLE_NEW_PASSWORD or a prompt)")
    a.add_argument("--display-name")
    a.add_argument("--department-id", type=int)
    a.add_argument("--township-id", type=int, help="the township a handler answers for (by id)")
    where = a.add_mutually_exclusive_group()
    where.add_argument("--township", metavar="NAME", help="a township center's user: sees and acts on that township")
    where.add_argument("--village", metavar="GRID_CODE", help="a village's user (grid group): sees and acts on it")
    a.set_defaults(func=run_add)


def run_add(ctx: CliContext) -> int:
    password = ctx.args.password or os.environ.get("CONSOLE_NEW_PASSWORD")
    if not password:
        if not os.isatty(0):
            raise CliError(
                {"error": "invalid", "field": "password", "message": "give --password (no terminal to ask on)"}
            )
        password = getpass.getpass(f"password for {ctx.args.name}: ")
    user = run_operation(
        ctx,
        "user.add",
        name=ctx.args.name,
        role=ctx.args.role,
        password=password,
        display_name=ctx.args.display_name,
        department_id=ctx.args.department_id,
        township_id=ctx.args.township_id,
        township=ctx.args.township,
        village=ctx.args.village,
        settings=ctx.login_settings,
    ).value
    ctx.print_json(user.as_dict())
    return 0
