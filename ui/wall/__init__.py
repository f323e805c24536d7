"""The wall layout's own widgets: a band of large figures and a ticker of the newest urgent cases, above the map."""

from .band import WallBand
from .window import WallWindow, open_wall_window

__all__ = ["WallBand", "WallWindow", "open_wall_window"]
