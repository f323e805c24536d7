"""The last check before a flush: text that one database would store and the other refuse is refused on both.

PostgreSQL refuses a NUL character and text longer than a `VARCHAR(n)` column; SQLite stores both. Neither can
store a lone surrogate (its driver fails to encode it). Services check their inputs first, with the names a user
knows (`console.services.inputs`); this net catches whatever a service did not check, naming the table and column
(`cases.resolution`), so that no value reaches either database that the other would not take. It runs on every
ORM flush of every session, on the rows being inserted and the attributes being changed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Mapper, Session, UOWTransaction

from ..errors import ValidationError


@cache
def _text_columns(mapper: Mapper[Any]) -> tuple[tuple[str, str, int | None], ...]:
    """(attribute key, `table.column`, maximum length or None) of the mapper's text columns."""
    out = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        column_type = column.type
        impl = getattr(column_type, "impl", column_type)  # enum and other decorators store text too
        if isinstance(impl, String):
            table = getattr(column.table, "name", mapper.class_.__name__)
            out.append((prop.key, f"{table}.{column.name}", impl.length))
    return tuple(out)


def check_value(value: Any, field: str, length: int | None) -> None:
    if not isinstance(value, str):
        return
    if length is not None and len(value) > length:
        raise ValidationError(field, f"is too long ({len(value)} characters; at most {length})")
    if "\x00" in value:
        raise ValidationError(field, "contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(field, "contains a lone surrogate, which is not a Unicode character") from None


def check_flush(session: Session, _flush_context: UOWTransaction, _instances: Any) -> None:
    for obj in session.new:
        state = inspect(obj)
        values = state.dict
        for key, field, length in _text_columns(state.mapper):
            check_value(values.get(key), field, length)
    for obj in session.dirty:
        state = inspect(obj)
        changed = state.committed_state  # the attributes set since the row was loaded
        if not changed:
            continue
        values = state.dict
        for key, field, length in _text_columns(state.mapper):
            if key in changed:
                check_value(values.get(key), field, length)


def install() -> None:
    """Check every flush of every session (idempotent)."""
    if not event.contains(Session, "before_flush", check_flush):
        event.listen(Session, "before_flush", check_flush)
