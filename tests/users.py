"""Users a test makes: one argon2 hash for all of them (hashing is slow on purpose), written the service's way."""

from __future__ import annotations

from console.db import Database, write_transaction
from console.enums import Level, Role
from console.services.actor import SYSTEM, Actor
from console.services.users import actor_of, add_user, hash_password

TEST_HASH = hash_password("scoped-user")


def scoped_user(
    db: Database, name: str, role: Role, level: Level, *, password: str | None = None, **where: int
) -> Actor:
    """A user of `level` (with its `township_id` or `grid_id`), as the administrator's `user add` makes it; give
    `password` only when the test logs in with it."""
    hashed = TEST_HASH if password is None else hash_password(password)
    return write_transaction(
        db.sessions,
        lambda s: actor_of(add_user(s, name=name, role=role, password_hash=hashed, actor=SYSTEM, level=level, **where)),
    )
