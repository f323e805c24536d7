from __future__ import annotations

import numpy as np
import pytest

from console.geo.gcj02 import gcj02_to_wgs84, gcj02_to_wgs84_np, out_of_china, wgs84_to_gcj02, wgs84_to_gcj02_np

TIANANMEN_WGS = (39.908692, 116.397477)
TIANANMEN_GCJ = (39.910095, 116.403721)


def test_known_value_forward() -> None:
    lat, lon = wgs84_to_gcj02(*TIANANMEN_WGS)
    assert lat == pytest.approx(TIANANMEN_GCJ[0], abs=1e-5)
    assert lon == pytest.approx(TIANANMEN_GCJ[1], abs=1e-5)


def test_known_value_back() -> None:
    lat, lon = gcj02_to_wgs84(*TIANANMEN_GCJ)
    assert lat == pytest.approx(TIANANMEN_WGS[0], abs=1e-5)
    assert lon == pytest.approx(TIANANMEN_WGS[1], abs=1e-5)


def test_round_trip_is_tight_in_our_county() -> None:
    w = (24.8123, 113.6021)
    back = gcj02_to_wgs84(*wgs84_to_gcj02(*w))
    assert back == pytest.approx(w, abs=1e-7)
    shifted = wgs84_to_gcj02(*w)
    assert abs(shifted[1] - w[1]) > 1e-3  # a real offset: hundreds of metres


@pytest.mark.parametrize("point", [(51.5007, -0.1246), (40.6892, -74.0445), (-33.8568, 151.2153), (1.0, 60.0)])
def test_no_offset_outside_china(point: tuple[float, float]) -> None:
    assert out_of_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_vectorised_matches_scalar() -> None:
    rng = np.random.default_rng(7)
    lats = np.concatenate([rng.uniform(20, 45, 200), [51.5]])
    lons = np.concatenate([rng.uniform(100, 125, 200), [-0.12]])
    g_lat, g_lon = wgs84_to_gcj02_np(lats, lons)
    for i in range(len(lats)):
        s_lat, s_lon = wgs84_to_gcj02(float(lats[i]), float(lons[i]))
        assert g_lat[i] == pytest.approx(s_lat, abs=1e-12)
        assert g_lon[i] == pytest.approx(s_lon, abs=1e-12)
    assert (g_lat[-1], g_lon[-1]) == (51.5, -0.12)
    w_lat, w_lon = gcj02_to_wgs84_np(g_lat, g_lon)
    assert np.max(np.abs(w_lat - lats)) < 1e-7
    assert np.max(np.abs(w_lon - lons)) < 1e-7
