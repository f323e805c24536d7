"""What the maintenance commands (`roles`, `partitions`, `prune`, `backup`, `restore`) share: an administrator
actor, and the database's refusals turned into the command line's JSON errors."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from ..services.actor import Action, Actor
from ..services.errors import ServiceError
from .context import CliContext, CliError
from .identity import cli_actor

T = TypeVar("T")

#: PostgreSQL's "insufficient privilege" and "must be owner" answers.
_NOT_ALLOWED = ("42501",)


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number between `low` and `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def maintainer(ctx: CliContext) -> Actor:
    actor = cli_actor(ctx)
    try:
        actor.require(Action.MAINTAIN)
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    return actor


@contextmanager
def clean_errors() -> Iterator[None]:
    """A service's refusal → exit 2 with its JSON; the database refusing the login's rights → exit 2 naming them."""
    try:
        yield
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) in _NOT_ALLOWED:
            message = str(exc.orig).splitlines()[0]
            raise CliError(
                {
                    "error": "not_owner",
                    "message": f"{message} (maintenance needs the login that owns the tables; see `roles`)",
                }
            ) from None
        raise


def run_clean(work: Callable[[], T]) -> T:
    with clean_errors():
        return work()
