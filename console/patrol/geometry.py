"""Metric geometry of patrol targets: a local plane in metres, routes sampled every 10 m, distances to a track.

A route is projected on its own local plane (equirectangular about its centre: at county scale the error is
centimetres) and sampled every `SAMPLE_M` metres along its length (both ends included); a stretch of track covers
the samples within the buffer of the segment joining two fixes (`targets.RouteSpec.covered`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..geo.distance import EARTH_RADIUS_M

#: Routes are sampled every this many metres (the issue's definition of route coverage).
SAMPLE_M = 10.0
_DEG = math.pi / 180.0


@dataclass(frozen=True, slots=True)
class Frame:
    """A local plane: x east and y north in metres from (lat0, lon0)."""

    lat0: float
    lon0: float
    kx: float  # metres per degree of longitude here
    ky: float  # metres per degree of latitude

    @classmethod
    def at(cls, lat0: float, lon0: float) -> Frame:
        ky = EARTH_RADIUS_M * _DEG
        return cls(lat0, lon0, ky * math.cos(lat0 * _DEG), ky)

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def xy_many(self, lats: NDArray[np.float64], lons: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        return (lons - self.lon0) * self.kx, (lats - self.lat0) * self.ky

    def latlon(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / self.ky, self.lon0 + x / self.kx


@dataclass(frozen=True)
class SampledRoute:
    frame: Frame
    xs: NDArray[np.float64]
    ys: NDArray[np.float64]
    length_m: float

    @property
    def count(self) -> int:
        return len(self.xs)


def sample_route(coords: Sequence[Sequence[float]]) -> SampledRoute:
    """A GeoJSON LineString's coordinates (lon, lat) → samples every 10 m along it, both ends included."""
    lons = np.array([float(c[0]) for c in coords])
    lats = np.array([float(c[1]) for c in coords])
    frame = Frame.at(float((lats.min() + lats.max()) / 2), float((lons.min() + lons.max()) / 2))
    x, y = frame.xy_many(lats, lons)
    seg = np.hypot(np.diff(x), np.diff(y))
    cum = np.concatenate(([0.0], np.cumsum(seg)))
    length = float(cum[-1])
    if length <= 0:
        return SampledRoute(frame, x[:1].copy(), y[:1].copy(), 0.0)
    at = np.arange(0.0, length, SAMPLE_M)
    if length - at[-1] > 1e-9:
        at = np.append(at, length)
    xs = np.interp(at, cum, x)
    ys = np.interp(at, cum, y)
    return SampledRoute(frame, xs, ys, length)


def polyline_length_m(coords: Sequence[Sequence[float]]) -> float:
    return sample_route(coords).length_m
