"""Users of the console (argon2 password hashes, roles) and the record of failed logins per name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..enums import Level, Role
from .base import Base, StrEnumType, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(StrEnumType(Role))
    password_hash: Mapped[str] = mapped_column(String(256))
    # For handler users: the department or township they answer for.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Levels (migration 0010_levels): the county center, one township center (township_id) or one village (grid_id).
    level: Mapped[Level] = mapped_column(StrEnumType(Level), default=Level.COUNTY)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginThrottle(Base):
    """Failed logins of one name (whether a user has it or not), shared by every console through the database: the
    delay before the next attempt is checked and the temporary lock after too many failures in a row."""

    __tablename__ = "login_throttle"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # No attempt is checked before this time (a growing delay after each failure) …
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # … nor while the name is locked after too many failures in a row.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
