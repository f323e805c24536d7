"""Repeat appeals (重复诉求): clustering new appeals with earlier ones. Owned by the supervision work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..models import Case
from .actor import Actor


def after_intake(session: Session, case: Case, *, actor: Actor, now: datetime) -> None:
    """Called by intake inside its transaction once the new case exists."""
    return None
