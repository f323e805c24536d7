"""Users: argon2 password hashes, roles, the password policy for new users (logging in: `login`)."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..enums import EventKind, Level, Role
from ..events import record_event
from ..models import Grid, User
from ..timeutil import utcnow
from .actor import Action, Actor
from .errors import ValidationError
from .inputs import check_text
from .login_policy import LoginSettings, check_password

_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,64}$")
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verifying against this keeps the time of a login with an unknown name close to that of a wrong password.
    Made on first use, not at import: every start of the command line imports this module."""
    return _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def actor_of(user: User) -> Actor:
    return Actor(
        name=user.name,
        role=user.role,
        user_id=user.id,
        department_id=user.department_id,
        township_id=user.township_id,
        level=user.level,
        grid_id=user.grid_id,
    )


def verify_password(password_hash: str | None, password: Any) -> bool:
    """Whether the password matches the hash; with no hash (an unknown name) a dummy is checked, so that the answer
    takes as long as for a wrong password."""
    try:
        return bool(_hasher.verify(password_hash or _dummy_hash(), password)) and password_hash is not None
    except (VerificationError, InvalidHashError, TypeError, UnicodeEncodeError):
        return False


def add_user(
    session: Session,
    *,
    name: str,
    role: Role | str,
    password_hash: str,
    actor: Actor,
    display_name: str | None = None,
    department_id: int | None = None,
    township_id: int | None = None,
    level: Level | str = Level.COUNTY,
    grid_id: int | None = None,
    now: datetime | None = None,
) -> User:
    """Store a user with a password hash made elsewhere: the demo generator's documented logins (password = name),
    which the password policy does not apply to. Everyone else is made by `create_user`."""
    actor.require(Action.MANAGE_USERS)
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValidationError("name", "2–64 letters, digits, Chinese characters, '_', '.', or '-'")
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError("role", f"unknown role; expected one of {', '.join(r.value for r in Role)}") from None
    display_name = check_text(display_name, "display_name", max_len=64)
    level, township_id = _level(session, level, township_id, grid_id)
    if role == Role.HANDLER and department_id is None and township_id is None:
        raise ValidationError("department", "a handler answers for a department or a township")
    if session.scalars(select(User.id).where(User.name == name)).first() is not None:
        raise ValidationError("name", f"user {name!r} already exists")
    user = User(
        name=name,
        display_name=display_name,
        role=role,
        password_hash=password_hash,
        department_id=department_id,
        township_id=township_id,
        level=level,
        grid_id=grid_id if level == Level.VILLAGE else None,
        active=True,
        created_at=now or utcnow(),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise ValidationError("name", f"user {name!r} already exists") from None
    record_event(
        session,
        EventKind.USER_CREATED,
        actor=actor.name,
        ts=now,
        payload={"name": name, "role": role.value, "level": level.value},
    )
    return user


def _level(
    session: Session, level: Level | str, township_id: int | None, grid_id: int | None
) -> tuple[Level, int | None]:
    """The user's level and township: a township user needs its township, a village user its grid (whose township
    it then belongs to as well)."""
    try:
        level = Level(level)
    except ValueError:
        raise ValidationError("level", f"unknown level; expected one of {', '.join(v.value for v in Level)}") from None
    if level == Level.TOWNSHIP and township_id is None:
        raise ValidationError("township", "a township user belongs to one township")
    if level == Level.VILLAGE:
        grid = session.get(Grid, grid_id) if grid_id is not None else None
        if grid is None:
            raise ValidationError("village", "a village user belongs to one grid (its code)")
        return level, grid.township_id
    return level, township_id


def create_user(
    session: Session,
    *,
    name: str,
    role: Role | str,
    password: str,
    actor: Actor,
    display_name: str | None = None,
    department_id: int | None = None,
    township_id: int | None = None,
    level: Level | str = Level.COUNTY,
    grid_id: int | None = None,
    now: datetime | None = None,
    settings: LoginSettings | None = None,
) -> User:
    """A new user whose password meets the policy of `settings` (the `[login]` table; default at least 8
    characters)."""
    actor.require(Action.MANAGE_USERS)
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValidationError("name", "2–64 letters, digits, Chinese characters, '_', '.', or '-'")
    check_password(password, name=name, settings=settings or LoginSettings())
    return add_user(
        session,
        name=name,
        role=role,
        password_hash=hash_password(password),
        actor=actor,
        display_name=display_name,
        department_id=department_id,
        township_id=township_id,
        level=level,
        grid_id=grid_id,
        now=now,
    )


def actor_for_name(session: Session, name: str) -> Actor:
    """The actor of an existing user, without a password: only for code that already holds the database's own
    credentials and runs in-process (benchmarks). A person's login goes through `login.authenticate`."""
    user = session.scalars(select(User).where(User.name == name, User.active.is_(True))).first()
    if user is None:
        raise ValidationError("user", f"no active user named {name!r}")
    return actor_of(user)
