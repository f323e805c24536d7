from __future__ import annotations

import re
from pathlib import Path

from console.geo.basemap import BasemapConfig
from console.paths import resource
from tests.map.conftest import synthetic_county
from ui.map.page_builder import PageTexts, build_page

URL = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


def _page(basemap: BasemapConfig) -> str:
    return build_page(basemap, *synthetic_county(), PageTexts())


def test_no_cdn_or_outside_url_in_the_page() -> None:
    for basemap in (BasemapConfig(), BasemapConfig(mbtiles=Path("county.mbtiles"), datum="gcj02")):
        html = _page(basemap)
        assert "http://" not in html and "https://" not in html
        for word in ("cdn", "jsdelivr", "cloudflare", "bootstrapcdn", "code.jquery.com", "unpkg", "openstreetmap"):
            assert word not in html.lower()


def test_only_the_configured_tile_server_appears() -> None:
    html = _page(BasemapConfig(url_template="http://tiles.intranet/{z}/{x}/{y}.png"))
    outside = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert outside == {"http://tiles.intranet/{z}/{x}/{y}.png"}


def test_every_linked_asset_is_shipped() -> None:
    html = _page(BasemapConfig())
    links = URL.findall(html)
    assert len(links) >= 14
    web = resource("web")
    for link in links:
        assert link.startswith("app://web/"), link
        rel = link.removeprefix("app://web/")
        if rel == "qwebchannel.js":
            continue  # served from Qt's own resources
        assert (web / rel).is_file(), rel


def test_assets_keep_their_licences() -> None:
    web = resource("web")
    for folder in ("leaflet", "jquery", "bootstrap", "fontawesome", "awesome-markers", "glyphicons", "markercluster"):
        assert any(p.name.upper().startswith(("LICENSE", "MIT-LICENCE")) for p in (web / folder).iterdir()), folder
    assert (web / "leaflet-heat" / "LICENSE").is_file()
    assert "1.9.4" in (web / "leaflet" / "leaflet.js").read_text(encoding="utf-8")[:400]


def test_gcj02_basemap_shifts_the_county() -> None:
    plain = _page(BasemapConfig())
    shifted = _page(BasemapConfig(mbtiles=Path("county.mbtiles"), datum="gcj02"))
    assert "[113.6, 24.8]" in plain
    assert "[113.6, 24.8]" not in shifted


def test_names_cannot_close_the_script() -> None:
    townships, grids, boundary = synthetic_county()
    from dataclasses import replace

    townships[0] = replace(townships[0], name="</script><script>window.__xss=1</script>")
    html = build_page(BasemapConfig(), townships, grids, boundary, PageTexts())
    assert "</script><script>window.__xss" not in html


def test_scale_bar_is_metric_only() -> None:
    html = _page(BasemapConfig())
    assert html.count("L.control.scale(") == 1
    assert "L.control.scale({imperial: false" in html


def test_without_tiles_the_county_fills_the_map_in_quarter_zoom_steps() -> None:
    assert '"zoomSnap": 0.25' in _page(BasemapConfig())
    assert '"zoomSnap": 1' in _page(BasemapConfig(mbtiles=Path("county.mbtiles")))  # tiles stay sharp
