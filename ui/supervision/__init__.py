"""The shift leader's board (督办台): assignments by state with working-time countdowns, returns highlighted,
warnings, escalation levels and callbacks due."""

from .board import SupervisionBoardWidget

__all__ = ["SupervisionBoardWidget"]
