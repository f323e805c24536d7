"""Who the command line acts as: `--user NAME` (an existing user) or the system actor."""

from __future__ import annotations

from ..services.actor import SYSTEM, Actor
from ..services.errors import ServiceError
from ..services.users import actor_for_name
from .context import CliContext, CliError


def cli_actor(ctx: CliContext, *, default: Actor = SYSTEM) -> Actor:
    name = getattr(ctx.args, "user", None)
    if not name:
        return default
    try:
        with ctx.db.session() as s:
            return actor_for_name(s, name)
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
