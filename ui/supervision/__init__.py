"""The shift leader's board (督办台): assignments by state with working-time countdowns, returns highlighted,
warnings, escalation levels and callbacks due."""

from .board import SupervisionBoardWidget, board_job

__all__ = ["SupervisionBoardWidget", "board_job"]
