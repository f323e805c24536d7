"""Demo tests build whole counties many times: hash the demo users' passwords cheaply (the hash is still argon2)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from console.services import users


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
