"""Patrol in the console (巡防): the shift leader's patrol panel with its review, the key-site readiness figure, track
playback, and the link that feeds them and the map's patrol overlays from operations."""

from .link import PatrolLink
from .panel import PatrolPanel
from .playback import PlaybackBar
from .readiness import ReadinessFigure

__all__ = ["PatrolLink", "PatrolPanel", "PlaybackBar", "ReadinessFigure"]
