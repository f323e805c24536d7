"""Who the command line acts as, proven rather than claimed.

`--user NAME` logs in like the console: the password is asked for when standard input is a terminal, otherwise it
is read from the CONSOLE_PASSWORD environment variable (for scripts). No password or a wrong one is refused (exit 8)
and counts as a failed login, with the same growing delay and lock as at a console. Without `--user` the command
acts as `system`: whoever holds the database's own credentials (the SQLite file, the PostgreSQL login), who could
change anything anyway; its events carry the operating-system user and host (`console.events.origin`), never a
person's name.
"""

from __future__ import annotations

import getpass
import os
import sys

from ..services.actor import SYSTEM, Actor
from ..services.errors import LoginRefused
from ..services.login import authenticate
from .context import CliContext
from .errors import CliError

PASSWORD_ENV = "CONSOLE_PASSWORD"


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # closed
        return False


def _password(name: str) -> str | None:
    if _stdin_is_terminal():
        try:
            return getpass.getpass(f"password for {name}: ")
        except EOFError:
            return None
    return os.environ.get(PASSWORD_ENV) or None


def cli_actor(ctx: CliContext, *, default: Actor = SYSTEM) -> Actor:
    name = getattr(ctx.args, "user", None)
    if not name:
        return default
    if ctx.actor is not None:
        return ctx.actor
    password = _password(name)
    try:
        ctx.actor = authenticate(ctx.db, name, password or "", settings=ctx.login_settings)
    except LoginRefused as exc:
        payload = exc.as_dict()
        if password is None and exc.code == LoginRefused.code:
            payload["message"] = (
                f"no password for {name}: give it on a terminal, or in the {PASSWORD_ENV} environment variable"
            )
        raise CliError(payload, CliError.from_service(exc).exit_code) from None
    return ctx.actor
