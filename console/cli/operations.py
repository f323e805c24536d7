"""Running a named operation from a command: as `--user` (or the system actor), with the same JSON errors and exit
codes as every command (2 invalid input, state or unknown key — the `field` says which argument; 4 a unit taken by
another workstation)."""

from __future__ import annotations

from typing import Any

from ..db import Database
from ..services.actor import Actor
from ..services.errors import ServiceError, UnitUnavailable, ValidationError
from .context import CliContext, CliError
from .identity import cli_actor

#: Exit code of a dispatch that lost the unit to another workstation.
EXIT_UNIT_TAKEN = 4


def run_operation(
    ctx: CliContext, operation: str, /, *, actor: Actor | None = None, db: Database | None = None, **arguments: Any
) -> Any:
    """Execute `operation` and return its `OpResult`; a refusal becomes the JSON error. `db` None: the context's."""
    from ..ops import execute

    who = actor or cli_actor(ctx)
    try:
        return execute(ctx.db if db is None else db, who, operation, **arguments)
    except UnitUnavailable as exc:
        raise CliError.from_service(exc, exit_code=EXIT_UNIT_TAKEN) from None
    except ServiceError as exc:
        raise CliError.from_service(exc) from None


def print_outcome(ctx: CliContext, result: Any) -> int:
    """An operation's value (its `as_dict()`) with the ids it changed, as JSON on stdout."""
    ctx.print_json({**result.value.as_dict(), "changes": result.changes.as_dict()})
    return 0


def number_argument(value: str | None, field: str) -> float | None:
    """A number given on the command line, or a ValidationError naming the option."""
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise CliError.from_service(ValidationError(field, f"must be a number, not {value!r}")) from None
