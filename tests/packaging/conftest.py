"""Fixtures of the packaging tests: small county files for the first-run import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _square(lon: float, lat: float, size: float = 0.01) -> dict[str, object]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def county_files(tmp_path: Path) -> tuple[Path, Path]:
    """Four grids in two townships (GeoJSON) and three units (CSV)."""
    features = [
        {
            "type": "Feature",
            "properties": {"code": f"G{i}", "name": f"网格{i}", "township": "城关镇" if i < 2 else "北山镇"},
            "geometry": _square(106.0 + 0.01 * i, 38.0),
        }
        for i in range(4)
    ]
    grids = tmp_path / "grids.geojson"
    grids.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    units = tmp_path / "units.csv"
    units.write_text(
        "callsign,kind,tracker_id,lat,lon,home_grid,capabilities\n"
        "PC-01,patrol_car,T1,38.005,106.005,G0,patrol;policing\n"
        "GW-01,grid_worker,,38.005,106.015,G1,\n"
        "MD-01,mediator,,,,,mediation\n",
        "utf-8",
    )
    return grids, units
