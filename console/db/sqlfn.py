"""Portable SQL expressions for the figures: epoch seconds, intervals, the county's local day and hour."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Float, cast, func
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

#: China Standard Time is UTC+8 all year.
LOCAL_OFFSET_S = 8 * 3600


def epoch(session: Session, column: Any) -> ColumnElement[Any]:
    """Seconds since 1970 of a UTC timestamp column."""
    if session.get_bind().dialect.name == "postgresql":
        # date_part gives double precision; EXTRACT gives numeric since PostgreSQL 14 (slow to sort and sum)
        return cast(func.date_part("epoch", column), Float)
    return (func.julianday(column) - 2440587.5) * 86400.0


def seconds_between(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    return epoch(session, end) - epoch(session, start)


def _local_seconds(session: Session, column: Any) -> ColumnElement[Any]:
    # rounded to the second: julianday arithmetic on SQLite lands a hair below whole seconds
    return cast(func.round(epoch(session, column) + LOCAL_OFFSET_S), BigInteger)


def local_day(session: Session, column: Any) -> ColumnElement[Any]:
    """Days since 1970-01-01 in the county's civil time."""
    return _local_seconds(session, column) // 86400


def local_hour(session: Session, column: Any) -> ColumnElement[Any]:
    """Hour of the day (0–23) in the county's civil time."""
    return (_local_seconds(session, column) % 86400) // 3600
