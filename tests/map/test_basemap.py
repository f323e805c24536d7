from __future__ import annotations

from pathlib import Path

import pytest

from console.geo.basemap import BasemapConfig
from console.services.errors import ValidationError


def test_kinds() -> None:
    assert BasemapConfig().kind == "none"
    assert BasemapConfig(mbtiles=Path("county.mbtiles")).kind == "mbtiles"
    cfg = BasemapConfig(url_template="http://tiles.intranet:8080/{z}/{x}/{y}.png", datum="gcj02")
    assert cfg.kind == "url"
    assert cfg.tile_origin == "http://tiles.intranet:8080"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mbtiles": Path("a.mbtiles"), "url_template": "http://t/{z}/{x}/{y}"}, "url_template"),
        ({"url_template": "ftp://t/{z}/{x}/{y}"}, "url_template"),
        ({"url_template": "http://t/tiles"}, "url_template"),
        ({"datum": "bd09"}, "datum"),
        ({"min_zoom": 12, "max_zoom": 10}, "max_zoom"),
        ({"stale_fix_s": 0}, "stale_fix_s"),
    ],
)
def test_bad_config_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        BasemapConfig(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field
