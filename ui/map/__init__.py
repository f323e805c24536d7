"""The live map: an offline Leaflet page built with folium, live layers fed over QWebChannel, local tiles.

Call `register_schemes()` before the QApplication is created (the app:// and tiles:// schemes)."""

from __future__ import annotations

from .schemes import register_schemes

__all__ = ["MapWidget", "register_schemes"]


def __getattr__(name: str) -> object:
    if name == "MapWidget":
        from .widget import MapWidget

        return MapWidget
    raise AttributeError(name)
