"""Builds the map's base page once per county with folium: basemap, county boundary, townships, grids, layer
control and scale bar. Every asset is linked from the app's own scheme; the live layers are drawn by map.js."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from console.geo.basemap import BasemapConfig
from console.geo.gcj02 import wgs84_to_gcj02
from console.views import GridView, TownshipView

WEB = "app://web"
PAGE_URL = "app://map/index.html"
TILE_URL = "tiles://basemap/{z}/{x}/{y}"

# Folium's own asset lists, pointed at the copies in resources/web (same names, so nothing else is added).
LOCAL_JS: list[tuple[str, str]] = [
    ("leaflet", f"{WEB}/leaflet/leaflet.js"),
    ("jquery", f"{WEB}/jquery/jquery.min.js"),
    ("bootstrap", f"{WEB}/bootstrap/bootstrap.bundle.min.js"),
    ("awesome_markers", f"{WEB}/awesome-markers/leaflet.awesome-markers.js"),
]
LOCAL_CSS: list[tuple[str, str]] = [
    ("leaflet_css", f"{WEB}/leaflet/leaflet.css"),
    ("bootstrap_css", f"{WEB}/bootstrap/bootstrap.min.css"),
    ("glyphicons_css", f"{WEB}/glyphicons/bootstrap-glyphicons.css"),
    ("awesome_markers_font_css", f"{WEB}/fontawesome/css/all.min.css"),
    ("awesome_markers_css", f"{WEB}/awesome-markers/leaflet.awesome-markers.css"),
    ("awesome_rotate_css", f"{WEB}/awesome-markers/leaflet.awesome.rotate.css"),
]
EXTRA_JS: list[tuple[str, str]] = [
    ("qwebchannel", f"{WEB}/qwebchannel.js"),
    ("markercluster", f"{WEB}/markercluster/leaflet.markercluster.js"),
    ("leaflet_heat", f"{WEB}/leaflet-heat/leaflet-heat.js"),
    ("dispatch_map", f"{WEB}/app/map.js"),
]
EXTRA_CSS: list[tuple[str, str]] = [
    ("markercluster_css", f"{WEB}/markercluster/MarkerCluster.css"),
    ("markercluster_default_css", f"{WEB}/markercluster/MarkerCluster.Default.css"),
    ("dispatch_map_css", f"{WEB}/app/map.css"),
]

# A calm palette for township fills (no basemap): light, distinct enough side by side, never loud.
TOWNSHIP_FILLS = ("#e8efe4", "#efe9dc", "#e3ebf0", "#f0e6e6", "#e9e6f0", "#e6f0ec", "#f2efe0", "#e4e8ee")

Projector = Callable[[float, float], tuple[float, float]]


@dataclass(frozen=True, slots=True)
class PageTexts:
    """Translated words the page shows (the UI passes them through tr())."""

    basemap: str = "Basemap"
    boundary: str = "County boundary"
    townships: str = "Townships"
    grids: str = "Grids"
    units: str = "Units"
    cases: str = "Open cases"
    recommendations: str = "Recommendations"
    heat: str = "30-day heat map"
    cluster: str = "30-day cases (clusters)"
    new_appeal: str = "New appeal here"
    overdue: str = "overdue"
    legend: str = "Legend"
    legend_kinds: str = "Unit kinds"
    legend_states: str = "Unit states"
    legend_priorities: str = "Case priorities"
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # kind/status/priority value → label
    extra: dict[str, str] = field(default_factory=dict)  # the patrol and routing overlays' words (ui.map.overlays)


def _identity(lat: float, lon: float) -> tuple[float, float]:
    return lat, lon


def projector_for(basemap: BasemapConfig) -> Projector:
    return wgs84_to_gcj02 if basemap.datum == "gcj02" else _identity


def _project_coords(coords: Any, project: Projector) -> Any:
    if coords and isinstance(coords[0], (int, float)):
        lat, lon = project(float(coords[1]), float(coords[0]))
        return [round(lon, 6), round(lat, 6)]
    return [_project_coords(c, project) for c in coords]


def project_geometry(geometry: dict[str, Any], project: Projector) -> dict[str, Any]:
    if geometry.get("type") == "GeometryCollection":
        return {
            "type": "GeometryCollection",
            "geometries": [project_geometry(g, project) for g in geometry["geometries"]],
        }
    return {"type": geometry["type"], "coordinates": _project_coords(geometry["coordinates"], project)}


def _label_point(geom: BaseGeometry) -> tuple[float, float]:
    p = geom.representative_point()
    return round(p.y, 6), round(p.x, 6)


def _feature(geometry: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def build_page(
    basemap: BasemapConfig,
    townships: Sequence[TownshipView],
    grids: Sequence[GridView],
    boundary: dict[str, Any] | None,
    texts: PageTexts,
    extra: Callable[[folium.Map], None] | None = None,
) -> str:
    """The full HTML of the base page. Geometry is WGS-84 in, drawn in the basemap's datum.

    `extra` may add folium elements before rendering (the benchmark's naive way draws every unit with it)."""
    project = projector_for(basemap)
    shapes: list[BaseGeometry] = []

    township_features = []
    township_labels = []
    for i, t in enumerate(townships):
        if not t.geometry:
            continue
        geom = shape(t.geometry)
        shapes.append(geom)
        lat, lon = project(*_label_point(geom))
        township_labels.append([lat, lon, t.name])
        fill = TOWNSHIP_FILLS[i % len(TOWNSHIP_FILLS)]
        township_features.append(_feature(project_geometry(dict(t.geometry), project), {"fill": fill}))

    grid_features = []
    grid_labels = []
    for g in grids:
        geom = shape(g.geometry)
        shapes.append(geom)
        lat, lon = project(*_label_point(geom))
        grid_labels.append([lat, lon, g.name])
        grid_features.append(_feature(project_geometry(dict(g.geometry), project), {}))

    boundary_geometry = None
    if boundary:
        boundary_geometry = boundary.get("geometry", boundary) if boundary.get("type") == "Feature" else boundary
        if boundary_geometry.get("type") == "FeatureCollection":
            boundary_geometry = boundary_geometry["features"][0]["geometry"] if boundary_geometry["features"] else None
    if boundary_geometry:
        shapes.append(shape(boundary_geometry))

    if shapes:
        min_lon = min(s.bounds[0] for s in shapes)
        min_lat = min(s.bounds[1] for s in shapes)
        max_lon = max(s.bounds[2] for s in shapes)
        max_lat = max(s.bounds[3] for s in shapes)
        sw, ne = project(min_lat, min_lon), project(max_lat, max_lon)
        bounds: list[list[float]] | None = [[sw[0], sw[1]], [ne[0], ne[1]]]
        centre = [(sw[0] + ne[0]) / 2, (sw[1] + ne[1]) / 2]
    else:
        bounds = None
        centre = list(project(24.8, 113.6))

    has_tiles = basemap.kind != "none"
    m = folium.Map(
        location=centre,
        zoom_start=11,
        tiles=None,
        prefer_canvas=True,
        control_scale=False,  # folium's scale bar shows miles too; a metric one is added below
        min_zoom=basemap.min_zoom,
        max_zoom=basemap.max_zoom,
        # Without tiles nothing blurs between zoom levels: the county fills the map (the wall's most of all) in
        # quarter steps instead of the whole level below; tiles keep whole levels, drawn sharp.
        zoom_snap=1 if has_tiles else 0.25,
    )
    MetricScale().add_to(m)  # type: ignore[no-untyped-call]
    # Instance lists (the class lists are shared): folium links these in order, Leaflet first.
    m.default_js = LOCAL_JS + EXTRA_JS
    m.default_css = LOCAL_CSS + EXTRA_CSS
    root = m.get_root()

    if has_tiles:
        url = TILE_URL if basemap.kind == "mbtiles" else str(basemap.url_template)
        folium.TileLayer(
            tiles=url,
            attr=html.escape(basemap.attribution or texts.basemap),
            name=texts.basemap,
            min_zoom=basemap.min_zoom,
            max_zoom=basemap.max_zoom,
            overlay=False,
            control=False,
        ).add_to(m)

    if township_features:
        fill_opacity = 0.10 if has_tiles else 0.85
        folium.GeoJson(
            {"type": "FeatureCollection", "features": township_features},
            name=texts.townships,
            style_function=lambda f: {
                "color": "#5b6b7a",
                "weight": 2.2,
                "fillColor": f["properties"]["fill"],
                "fillOpacity": fill_opacity,
                "interactive": False,
            },
            interactive=False,
        ).add_to(m)
    if grid_features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": grid_features},
            name=texts.grids,
            style_function=lambda f: {"color": "#8a96a3", "weight": 0.6, "opacity": 0.7, "fill": False},
            interactive=False,
        ).add_to(m)
    if boundary_geometry:
        folium.GeoJson(
            project_geometry(boundary_geometry, project),
            name=texts.boundary,
            style_function=lambda f: {"color": "#34495e", "weight": 3.2, "fill": False, "dashArray": "8 4"},
            interactive=False,
        ).add_to(m)

    if extra is not None:
        extra(m)

    control = folium.LayerControl(position="topright", collapsed=False)
    control.add_to(m)

    config = {
        "bounds": bounds,
        "minZoom": basemap.min_zoom,
        "maxZoom": basemap.max_zoom,
        "plain": not has_tiles,
        "townshipLabels": township_labels,
        "gridLabels": grid_labels,
        "texts": {
            "units": texts.units,
            "cases": texts.cases,
            "recommendations": texts.recommendations,
            "heat": texts.heat,
            "cluster": texts.cluster,
            "newAppeal": texts.new_appeal,
            "overdue": texts.overdue,
            "legend": texts.legend,
            "legendKinds": texts.legend_kinds,
            "legendStates": texts.legend_states,
            "legendPriorities": texts.legend_priorities,
            "townships": texts.townships,
            "grids": texts.grids,
            **texts.extra,
        },
        "labels": texts.labels,
    }
    # JSON inside a <script>: escape "<" so no text can close the script element.
    payload = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    # Runs after folium's own script has defined the map and the layer control.
    # folium declares the layer control with `let`: pass the bindings themselves, not window properties.
    objects = f"{{map: {m.get_name()}, control: {control.get_name()}}}"
    init = f"window.addEventListener('load', function () {{ DispatchMap.init({payload}, {objects}); }});"
    root.script.add_child(Element(init), name="dispatch_map_init")  # type: ignore[attr-defined]
    return root.render()


class MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (Chinese maps do not show miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true, maxWidth: 160}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )
