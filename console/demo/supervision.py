"""The demo history's calls into the supervision services (assignments, callbacks), in one place.

Those services are written alongside the demo; while one of them is missing from a build, the history simply
takes the path without it (cases are resolved and closed by the center itself).
"""

from __future__ import annotations

import importlib
from datetime import datetime
from types import ModuleType

from sqlalchemy.orm import Session

from ..enums import AssigneeKind, FeedbackResult
from ..services.actor import Actor


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"console.services.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"console.services.{name}":
            return None
        raise


def have_assignments() -> bool:
    return _module("assignments") is not None


def have_callbacks() -> bool:
    return _module("callbacks") is not None


def _assignments() -> ModuleType:
    module = _module("assignments")
    assert module is not None
    return module


def assign(
    session: Session,
    *,
    case_id: int,
    kind: AssigneeKind,
    target_id: int,
    due_at: datetime,
    actor: Actor,
    now: datetime,
) -> int:
    raise NotImplementedError


def accept(session: Session, *, assignment_id: int, actor: Actor, now: datetime) -> None:
    raise NotImplementedError


def return_assignment(session: Session, *, assignment_id: int, reason: str, actor: Actor, now: datetime) -> None:
    raise NotImplementedError


def resolve_assignment(session: Session, *, assignment_id: int, result: str, actor: Actor, now: datetime) -> None:
    raise NotImplementedError


def callback(session: Session, *, case_id: int, result: FeedbackResult, actor: Actor, now: datetime) -> str:
    """Record a callback; returns the case's status after it (a callback may close or reopen the case)."""
    raise NotImplementedError
