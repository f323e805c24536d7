"""Save-and-dispatch without a place: the call stays in the form, the line under the address says why and the cursor
goes to the address, with the completion list open on what is typed (Enter picks the first match; F3 or a click on
the map picks a point); and the name a point clicked on the map gets as its address."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication, Qt

from console.geo.distance import haversine_m
from console.ops import PlaceName

from .fields import IntakeFields, restyle


def ask_for_place(f: IntakeFields) -> None:
    f.address.setProperty("invalid", True)
    restyle(f.address)
    error = f.errors.get("address")
    if error is not None:
        error.setText(
            QCoreApplication.translate(
                "IntakeForm",
                "No place yet — a unit cannot be sent. Pick a match (Enter) or the place on the map (F3), then Ctrl+Enter.",
            )
        )
        error.show()
    f.address.setFocus(Qt.FocusReason.OtherFocusReason)
    text = f.address.text().strip()
    if text:
        f.completer.setCompletionPrefix(text)
        f.completer.complete()
        popup = f.completer.popup()
        if popup is not None and f.completer.completionCount() > 0:
            popup.setCurrentIndex(f.completer.completionModel().index(0, 0))


#: A place clicked on the map is named after the nearest village or landmark within this distance.
NEAR_PLACE_M = 1500.0


def nearest_place(places: Iterable[PlaceName], lat: float, lon: float) -> str | None:
    """The nearest named place (a village, a landmark: not a grid's or a township's centre) within NEAR_PLACE_M of a
    point, for the address of a place clicked on the map; None when there is none that close."""
    best, best_m = None, NEAR_PLACE_M
    for place in places:
        if place.kind in ("grid", "township"):
            continue
        metres = haversine_m(lat, lon, place.lat, place.lon)
        if metres <= best_m:
            best, best_m = place.name, metres
    return best
