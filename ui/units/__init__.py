"""The unit board: units grouped by status with time in status; drop a case on a unit to dispatch it."""

from .board import UnitBoard

__all__ = ["UnitBoard"]
