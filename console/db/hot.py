"""Hot statements: the few statements of the hot paths (intake, dispatch, the event of every change) compiled once
per database and sent straight to the driver (issue 12).

Executing a SQLAlchemy construct costs, on every execution, its cache key (a walk of the whole statement), the
compiled-cache lookup and the processing of its parameters; through the ORM session it adds the ORM's compile state
and, for an `IN` list, the expansion of the list into the SQL. For most statements that is nothing; for the handful
an intake or a dispatch sends it was most of their time on SQLite, more than the database's own work.

A `HotStatement` keeps the construct as the one definition of the statement (typed, readable, next to the code that
uses it) and does that work once per dialect: the SQL string, the order of its placeholders, the constants in it
(limits, states), and the bind and result processors of its columns' types. Each execution converts its values with
those processors — so the rows written are exactly the ones the ORM writes: UTC timestamps as SQLite text, enums by
value, JSON — and goes to the driver's cursor on the session's connection (`send`), in the session's transaction,
with SQLAlchemy's cursor events around it (the statement counts of `console.db.statements`) and its errors raised as
SQLAlchemy's (a locked database is still retried by `write_transaction`). What it leaves out is SQLAlchemy's result
object: on SQLite, where the hand-written transaction of the same work takes about 0.15 ms, that object, its
metadata and the execution context cost about 20 µs a statement.

Rules for a hot statement: no expanding `IN` (write the list as literals, `literal_states`), no bind parameter
that is both given a value in the construct and at execution; everything else a construct can say is allowed.
`HotInsert` is an INSERT whose new id is wanted; `loaded` builds the ORM object of a row just written without reading it back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Executable, Insert, Integer, Numeric, Table, bindparam, literal_column
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, NoResultFound
from sqlalchemy.orm import Session, class_mapper, make_transient_to_detached
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ClauseElement, ColumnElement
from sqlalchemy.types import TypeEngine

T = TypeVar("T")
Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A statement as one dialect runs it."""

    sql: str
    #: The placeholders' parameter names in order (positional paramstyles), or None (by name).
    order: tuple[str, ...] | None
    #: The values the construct itself carries (limits, literal states), already processed.
    constants: dict[str, Any]
    #: The bind processors of the parameters whose type has one.
    binds: dict[str, Processor]
    #: One result processor (or None) per returned column.
    results: tuple[Processor | None, ...]

    def parameters(self, values: Mapping[str, Any]) -> Any:
        """The driver's parameters for these values (processed by their types, constants added, in order)."""
        given = {**self.constants, **values} if self.constants else dict(values)
        for name, processor in self.binds.items():
            if name in given:
                given[name] = processor(given[name])
        if self.order is None:
            return given
        return tuple([given[name] for name in self.order])


class HotStatement:
    """One hot statement: a SQLAlchemy construct compiled once per dialect and sent with `exec_driver_sql`."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._prepared: dict[tuple[str, str], Prepared] = {}
        self._lock = threading.Lock()

    def prepared(self, dialect: Dialect) -> Prepared:
        key = (dialect.name, dialect.paramstyle)
        found = self._prepared.get(key)
        if found is None:
            with self._lock:
                found = self._prepared.get(key) or _prepare(self.statement, dialect)
                self._prepared[key] = found
        return found

    def rows(self, on: Session | Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run it in the session's transaction (or on its connection, already at hand) and return its rows with the
        returned columns' types applied (SQLite timestamps as aware datetimes, enums as enums)."""
        conn = _connection(on)
        prepared = self.prepared(conn.dialect)
        cursor = send(conn, prepared.sql, prepared.parameters(values))
        try:
            rows: list[tuple[Any, ...]] = cursor.fetchall() if cursor.description is not None else []
        finally:
            cursor.close()
        procs = prepared.results
        if not any(procs):
            return rows
        return [tuple(v if p is None or v is None else p(v) for p, v in zip(procs, r, strict=True)) for r in rows]

    def first(self, on: Session | Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row, or None."""
        found = self.rows(on, values)
        return found[0] if found else None

    def scalar(self, on: Session | Connection, values: Mapping[str, Any]) -> Any:
        """The first column of its one row (an upsert's RETURNING)."""
        found = self.rows(on, values)
        if len(found) != 1:
            raise NoResultFound(f"expected one row, got {len(found)}")
        return found[0][0]


class HotInsert:
    """A hot INSERT of one row whose id is wanted: `RETURNING id` on PostgreSQL; on SQLite the cursor's `lastrowid`
    (the same id, without a RETURNING clause, which costs SQLite more than the insert itself in a short
    transaction)."""

    def __init__(self, statement: Insert, id_column: ColumnElement[Any]) -> None:
        self.plain = HotStatement(statement)
        self.returning = HotStatement(statement.returning(id_column))

    def insert(self, on: Session | Connection, values: Mapping[str, Any]) -> int:
        """Insert the row in the session's transaction and return its id."""
        conn = _connection(on)
        if conn.dialect.name != "sqlite":
            return int(self.returning.scalar(conn, values))
        prepared = self.plain.prepared(conn.dialect)
        cursor = send(conn, prepared.sql, prepared.parameters(values))
        try:
            return int(cursor.lastrowid)
        finally:
            cursor.close()


def send(conn: Connection, sql: str, parameters: Any) -> Any:
    """Execute driver SQL on the connection's DBAPI cursor, with what SQLAlchemy's own execution keeps around it:
    the connection's cursor events before and after (the statement counts of `console.db.statements` and any other
    listener see the statement; a listener's `retval` rewrite is not applied here), and a driver error raised as
    SQLAlchemy's (`DBAPIError.instance`: a locked database is still retried by `write_transaction`, a lost connection
    is invalidated so the pool does not hand it out again). It runs in the connection's transaction as
    `exec_driver_sql` would (the drivers begin it implicitly at the first statement); what it leaves out is the
    result object and its metadata, most of `exec_driver_sql`'s cost, and with it the engine's `echo` logging and
    `handle_error` hooks (nothing in the project turns echo on or hooks errors). The caller closes the cursor."""
    cursor = conn.connection.cursor()
    before, after = conn.dispatch.before_cursor_execute, conn.dispatch.after_cursor_execute
    if before:
        before(conn, cursor, sql, parameters, None, False)
    try:
        cursor.execute(sql, parameters)
    except Exception as error:
        dialect = conn.dialect
        dbapi_error = dialect.loaded_dbapi.Error
        if not isinstance(error, dbapi_error):
            cursor.close()
            raise
        lost = dialect.is_disconnect(error, conn.connection.dbapi_connection, cursor)
        cursor.close()
        if lost:
            conn.invalidate(error)
        raise DBAPIError.instance(
            sql, parameters, error, dbapi_error, connection_invalidated=lost, dialect=dialect
        ) from error
    if after:
        after(conn, cursor, sql, parameters, None, False)
    return cursor


def _connection(on: Session | Connection) -> Connection:
    return on if isinstance(on, Connection) else on.connection()


def _prepare(statement: Executable, dialect: Dialect) -> Prepared:
    compiled = cast(ClauseElement, statement).compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    sql = compiled.string
    if "POSTCOMPILE" in sql:
        raise ValueError("a hot statement cannot hold an expanding IN list; write it with literal values")
    binds: dict[str, Processor] = {}
    constants: dict[str, Any] = {}
    # Columns an INSERT or UPDATE does not name but whose default SQLAlchemy computes in Python: a scalar default is
    # a constant of the statement; any other (a function) must be given.
    defaults = {c.key: c.default for c in (*compiled.insert_prefetch, *compiled.update_prefetch)}
    for bind, name in compiled.bind_names.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if name in defaults:
            default = defaults[name]
            if default is None or not getattr(default, "is_scalar", False):
                raise ValueError(f"a hot statement must be given {name!r} (its default is computed)")
            value = getattr(default, "arg", None)
        elif bind.value is not None and not bind.required and bind.callable is None:
            value = bind.value
        else:
            if processor is not None:
                binds[name] = processor
            continue
        constants[name] = processor(value) if processor is not None else value
    if getattr(compiled, "escaped_bind_names", None):
        raise ValueError("hot statements use plain parameter names")
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup is not None else None
    columns: Iterable[ColumnElement[Any]] = getattr(statement, "exported_columns", ())
    results = tuple(_result_processor(c.type, dialect) for c in columns)
    return Prepared(sql, order, constants, binds, results)


def _result_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    """What SQLAlchemy applies to a returned value of this type (numbers come from either driver as they are)."""
    if isinstance(type_, Integer | Numeric):
        return None
    processor: Processor | None = type_.dialect_impl(dialect).result_processor(dialect, None)
    return processor


def bound(table: Table, keys: Iterable[str]) -> dict[str, BindParameter[Any]]:
    """`insert(table).values(**bound(table, keys))`: the columns an INSERT is given, each a parameter of its name
    and of its column's type."""
    return {key: bindparam(key, type_=table.c[key].type) for key in keys}


def literal_states(states: Iterable[Enum]) -> list[ColumnElement[Any]]:
    """A list of enum values written into the SQL (`status IN ('received', 'dispatched')`): the list a hot statement
    may hold, where a plain `in_([...])` would be an expanding parameter."""
    return [literal_column(f"'{s.value}'") for s in sorted(states, key=lambda s: str(s.value))]


def loaded(session: Session | None, cls: type[T], values: Mapping[str, Any]) -> T:
    """The ORM object of a row this transaction just wrote, built from the values written (every column given)
    without reading it back and without the attribute events of the constructor: as a query would have loaded it.
    With a session it is added to it (persistent: read it, change it, a later flush updates the row); without, it
    is a plain transient object carrying the row's values."""
    obj: T = class_mapper(cls).class_manager.new_instance()
    obj.__dict__.update(values)
    if session is not None:
        make_transient_to_detached(obj)
        session.add(obj)
    return obj
