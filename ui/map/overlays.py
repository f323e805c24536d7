"""The patrol and routing overlays of the map as the page's compact rows: the plans' targets (points, routes, areas
coloured by today's state), key sites coloured by readiness, a unit's route to a case, reach outlines, and the tracks
of a playback with their frames. Operations give WGS-84 GeoJSON; here it becomes [lat, lon] lists in the page's datum
(GCJ-02 when the basemap uses it), rounded to ~0.1 m, so the page only draws.

Names and other texts travel as plain strings: the page puts them in text nodes only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from console.geo.gcj02 import wgs84_to_gcj02_np
from ui.i18n.formats import format_distance, format_eta

#: Target states the plans layer colours (`patrol.layer`), in the page's order.
TARGET_STATES = ("done", "due_now", "missed", "planned", "none_today")
TARGET_KINDS = ("point", "route", "area")
#: A played track is drawn faint under the moving unit with about this many points (every n-th fix, the last kept):
#: a day of fixes every 10 s is 8,640 per unit, and 300 units' worth would be megabytes for a backdrop.
MAX_TRACK_POINTS = 300


class Datum:
    """Turns WGS-84 lon/lat pairs into the page's [lat, lon] lists."""

    def __init__(self, gcj02: bool) -> None:
        self.gcj02 = gcj02

    def latlons(self, coords: Sequence[Sequence[float]]) -> list[list[float]]:
        """GeoJSON [lon, lat] positions → [[lat, lon], …] in the page's datum."""
        if not coords:
            return []
        arr = np.asarray(coords, dtype=np.float64)[:, :2]
        lat, lon = arr[:, 1], arr[:, 0]
        if self.gcj02:
            lat, lon = wgs84_to_gcj02_np(lat, lon)
        return np.round(np.column_stack((lat, lon)), 6).tolist()  # type: ignore[no-any-return]

    def pairs(self, lat: Any, lon: Any) -> list[list[float]]:
        """Arrays of WGS-84 latitudes and longitudes → [[lat, lon], …] in the page's datum (no lists on the way)."""
        if self.gcj02:
            lat, lon = wgs84_to_gcj02_np(lat, lon)
        out = np.empty((len(lat), 2), dtype=np.float64)
        out[:, 0] = lat
        out[:, 1] = lon
        return np.round(out, 5).tolist()  # type: ignore[no-any-return]  # ~1 m: a faint backdrop

    def point(self, lat: float, lon: float) -> list[float]:
        [pair] = self.latlons([[lon, lat]])
        return pair

    def rings(self, geometry: Mapping[str, Any]) -> list[list[list[float]]]:
        """The rings of a (Multi)Polygon as [lat, lon] lists (holes drawn as outlines too)."""
        kind, coords = geometry.get("type"), geometry.get("coordinates") or []
        if kind == "Polygon":
            return [self.latlons(r) for r in coords]
        if kind == "MultiPolygon":
            return [self.latlons(r) for poly in coords for r in poly]
        return []

    def lines(self, geometry: Mapping[str, Any]) -> list[list[list[float]]]:
        kind, coords = geometry.get("type"), geometry.get("coordinates") or []
        if kind == "LineString":
            return [self.latlons(coords)]
        if kind == "MultiLineString":
            return [self.latlons(c) for c in coords]
        return []


def target_rows(datum: Datum, targets: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """`patrol.layer` rows → [id, kindIdx, stateIdx, name, plan, shape]; shape is [lat, lon] for a point, a list of
    lines for a route, a list of rings for an area."""
    rows: list[list[Any]] = []
    for t in targets:
        kind, geometry = str(t["kind"]), t["geometry"]
        if kind == "point":
            lon, lat = geometry["coordinates"][:2]
            shape: Any = datum.point(lat, lon)
        elif kind == "route":
            shape = datum.lines(geometry)
        else:
            shape = datum.rings(geometry)
        state = str(t.get("state", "none_today"))
        rows.append(
            [
                int(t["target_id"]),
                TARGET_KINDS.index(kind) if kind in TARGET_KINDS else 0,
                TARGET_STATES.index(state) if state in TARGET_STATES else len(TARGET_STATES) - 1,
                str(t.get("name") or ""),
                str(t.get("plan") or ""),
                shape,
            ]
        )
    return rows


def site_rows(datum: Datum, sites: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """`sites.readiness`'s `all_sites` → [code, name, lat, lon, covered, target_min, best_eta_s, best_unit, eta text]
    (the text worded like the case panel's arrival times)."""
    return [
        [
            str(s["code"]),
            str(s.get("name") or ""),
            *datum.point(float(s["lat"]), float(s["lon"])),
            1 if s.get("covered") else 0,
            float(s.get("target_min") or 0),
            None if s.get("best_eta_s") is None else round(float(s["best_eta_s"])),
            s.get("best_unit") or "",
            "" if s.get("best_eta_s") is None else format_eta(float(s["best_eta_s"])),
        ]
        for s in sites
    ]


def route_row(
    datum: Datum, feature: Mapping[str, Any] | None, callsign: str = "", *, label: bool = True
) -> dict[str, Any] | None:
    """`roads.route` (a GeoJSON LineString Feature) → {line, eta, km, road, unit, text}; None clears the route.
    `text` is the label on the way (empty: none), worded by the formatters the case panel uses."""
    if not feature:
        return None
    props = feature.get("properties") or {}
    eta, metres = props.get("eta_s"), props.get("distance_m")
    words = (
        callsign,
        format_eta(float(eta)) if eta is not None else "",
        format_distance(float(metres)) if metres is not None else "",
    )
    text = " · ".join(part for part in words if part)
    return {
        "text": text if label else "",
        "line": datum.lines(feature.get("geometry") or {})[0] if feature.get("geometry") else [],
        "eta": props.get("eta_s"),
        "m": props.get("distance_m"),
        "road": props.get("route") == "road",
        "unit": callsign,
    }


def reach_rows(datum: Datum, collection: Mapping[str, Any] | None) -> list[list[Any]]:
    """`roads.reach` (a FeatureCollection of outlines, one per time) → [[minutes, rings], …], largest first."""
    if not collection:
        return []
    rows = []
    for f in collection.get("features", []):
        props = f.get("properties") or {}
        minutes = props.get("minutes", props.get("min", 0))
        rows.append([float(minutes or 0), datum.rings(f.get("geometry") or {})])
    return sorted(rows, key=lambda r: -r[0])


def playback_rows(datum: Datum, data: Any) -> dict[str, Any]:
    """A `patrol.track` value → the page's playback layer: every unit's whole track as a faint line, its stops,
    the check-ins and the cases of the range (each with the moment it appears, epoch seconds)."""
    units = []
    for uid, track in sorted(data.tracks.items()):
        n = len(track)
        step = max(1, -(-n // MAX_TRACK_POINTS))
        keep = np.append(np.arange(0, n - 1, step), n - 1) if n else np.zeros(0, dtype=np.int64)
        line = datum.pairs(track.lat[keep], track.lon[keep]) if n else []
        units.append([int(uid), str(data.callsigns.get(uid) or uid), line])
    return {
        "units": units,
        "stops": [[s.unit_id, *datum.point(s.lat, s.lon), round(s.start), round(s.end)] for s in data.stops],
        "checkins": [
            [c["unit_id"], *datum.point(c["lat"], c["lon"]), round(c["arrived"]), str(c["target"]), bool(c["late"])]
            for c in data.checkins
            if c.get("lat") is not None
        ],
        "cases": [
            [round(c["received"]), *datum.point(c["lat"], c["lon"]), str(c["priority"]), str(c["number"])]
            for c in data.cases
        ],
    }


def frame_row(datum: Datum, frame: Mapping[str, Any]) -> dict[str, Any]:
    """A playback frame ({t, mv: [id, lat, lon, …]} in WGS-84) in the page's datum."""
    mv = list(frame["mv"])
    if datum.gcj02 and mv:
        lat, lon = wgs84_to_gcj02_np(np.asarray(mv[1::3], dtype=np.float64), np.asarray(mv[2::3], dtype=np.float64))
        mv[1::3] = np.round(lat, 6).tolist()
        mv[2::3] = np.round(lon, 6).tolist()
    return {"t": frame["t"], "mv": mv}
