"""The registry of operations: each name mapped to its function, the permission it needs, whether it reads or
writes, and what it needs to run. `execute` is the one way in, for the console's database worker and the command
line alike.

An operation is a function `fn(ctx, **arguments) -> OpResult`: plain arguments in (ids, numbers, codes, texts,
dicts), never a session; a write runs exactly one write transaction (`OpContext.write`, which retries on lock and
serialisation errors; `OpContext.write_tx` the same on a Core connection, for a hot path), a read one read session
(`OpContext.read`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ..db import Database, Tx, write_transaction, write_tx
from ..errors import ValidationError
from ..events import written_events
from ..services.actor import Action, Actor
from .changes import OpChanges, OpResult

T = TypeVar("T")


class Kind(StrEnum):
    READ = "read"
    WRITE = "write"


class Needs(StrEnum):
    """What an operation needs before it can run."""

    NOTHING = "nothing"  # its arguments say where to work (first-run set-up takes a database address)
    DATABASE = "database"  # an open database: reads, schema and set-up; tried whenever asked
    ONLINE = "online"  # a console's write: refused at once while its database is known to be unreachable


@dataclass(frozen=True, slots=True)
class OpContext:
    """What an operation runs with: the database (None for `Needs.NOTHING`) and who acts."""

    db: Database | None
    actor: Actor

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("this operation needs an open database")
        return self.db

    def write(self, work: Callable[[Session], T], *, changes: Callable[[T], OpChanges] | None = None) -> OpResult[T]:
        """Run `work` in one write transaction. The changes are those the transaction's events name, joined with
        `changes(value)` (what the operation knows it created)."""

        def transaction(session: Session) -> tuple[T, OpChanges]:
            value = work(session)
            return value, OpChanges.from_events(written_events(session))

        value, recorded = write_transaction(self.database.sessions, transaction)
        return OpResult(value, recorded | changes(value) if changes is not None else recorded)

    def write_tx(self, work: Callable[[Tx], T], *, changes: Callable[[T], OpChanges] | None = None) -> OpResult[T]:
        """`write` on a Core connection (`console.db.Tx`), for a hot operation whose steps need no ORM session
        unless they ask for one (an intake): the same one transaction, retries and changes."""

        def transaction(tx: Tx) -> tuple[T, OpChanges]:
            value = work(tx)
            return value, OpChanges.from_events(written_events(tx))

        value, recorded = write_tx(self.database.engine, transaction)
        return OpResult(value, recorded | changes(value) if changes is not None else recorded)

    def read(self, work: Callable[[Session], T]) -> OpResult[T]:
        with self.database.session() as session:
            return OpResult(work(session))


OpFunction = Callable[..., OpResult[Any]]


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    fn: OpFunction
    action: Action | None  # the permission it needs (None: any actor, e.g. logging in)
    kind: Kind
    needs: Needs
    summary: str

    @property
    def writes(self) -> bool:
        return self.kind == Kind.WRITE


REGISTRY: dict[str, Operation] = {}


def operation(
    name: str, *, action: Action | None, kind: Kind = Kind.WRITE, needs: Needs | None = None
) -> Callable[[OpFunction], OpFunction]:
    """Register `fn` under `name`. Writes need the database online unless told otherwise; reads an open one."""

    def register(fn: OpFunction) -> OpFunction:
        if name in REGISTRY:
            raise ValueError(f"operation {name!r} registered twice")
        summary = " ".join((fn.__doc__ or name).strip().split("\n\n")[0].split())  # the docstring's first paragraph
        REGISTRY[name] = Operation(
            name,
            fn,
            action,
            kind,
            needs or (Needs.ONLINE if kind == Kind.WRITE else Needs.DATABASE),
            summary,
        )
        return fn

    return register


def operation_named(name: str) -> Operation:
    op = REGISTRY.get(name)
    if op is None:
        raise ValidationError("operation", f"unknown operation {name!r}")
    return op


def execute(db: Database | None, actor: Actor, name: str, /, **arguments: Any) -> OpResult[Any]:
    """Run the named operation as `actor`: the permission is checked here first (and again by the services)."""
    op = operation_named(name)
    if op.action is not None:
        actor.require(op.action)
    if op.needs != Needs.NOTHING and db is None:
        raise RuntimeError(f"operation {name!r} needs an open database")
    return op.fn(OpContext(db, actor), **arguments)
