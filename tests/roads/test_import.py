"""`import roads`: GeoJSON and OSM (.osm written here, .osm.pbf made from it with osmium's writer), bad files rejected
whole naming the feature or way and the field, re-import replacing the network in one transaction with its event."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from console.cli.main import main
from console.db import Database
from console.enums import EventKind, RoadClass
from console.geo.roadnet import road_graph
from console.models import Event, RoadEdge, RoadNetwork, RoadNode
from console.services.errors import ValidationError
from console.services.road_files import parse_osm_maxspeed, parse_roads_geojson, parse_roads_osm

from .networks import collection, line, river_network, store

OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="tests">
  <node id="1" version="1" lat="24.8000000" lon="113.6000000"/>
  <node id="2" version="1" lat="24.8000000" lon="113.6100000"/>
  <node id="3" version="1" lat="24.8100000" lon="113.6100000"/>
  <node id="4" version="1" lat="24.8100000" lon="113.6000000"/>
  <node id="5" version="1" lat="24.8200000" lon="113.6000000"/>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="primary"/><tag k="maxspeed" v="30 mph"/><tag k="name" v="人民路"/>
  </way>
  <way id="11" version="1">
    <nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="-1"/>
  </way>
  <way id="12" version="1">
    <nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="motorway_link"/>
  </way>
  <way id="13" version="1">
    <nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="footway"/>
  </way>
  <way id="14" version="1">
    <nd ref="1"/><nd ref="5"/>
    <tag k="highway" v="construction"/>
  </way>
  <way id="15" version="1">
    <nd ref="2"/><nd ref="5"/>
    <tag k="building" v="yes"/>
  </way>
%s
</osm>
"""


def write_osm(path: Path, extra: str = "") -> Path:
    path.write_text(OSM % extra, encoding="utf-8")
    return path


def check_small_osm(path: Path) -> None:
    data = parse_roads_osm(path)
    assert data.node_count == 5
    assert data.skipped == 1  # highway=construction is not a road; building=yes is not a highway at all
    edges = {
        (int(a), int(b)): (c, bool(o), m)
        for a, b, c, o, m in zip(data.source, data.target, data.road_class, data.oneway, data.maxspeed_kmh, strict=True)
    }
    # Node indexes follow the order of first use: 1→0, 2→1, 3→2, 4→3, 5→4.
    assert edges[(0, 1)][0] == RoadClass.PRIMARY and edges[(0, 1)][2] == pytest.approx(30 * 1.609344)
    assert edges[(0, 1)][1] is False
    assert edges[(3, 2)] == (RoadClass.RESIDENTIAL, True, edges[(3, 2)][2])  # oneway=-1: from 4 to 3 only
    assert math.isnan(edges[(3, 2)][2])
    assert edges[(3, 0)][:2] == (RoadClass.MOTORWAY, True)  # motorway links are one-way unless tagged otherwise
    assert edges[(3, 4)][:2] == (RoadClass.PATH, False)
    assert data.names[0] == "人民路"
    assert data.edge_count == 5


def test_osm_xml_and_pbf(tmp_path: Path) -> None:
    import osmium

    xml = write_osm(tmp_path / "county.osm")
    check_small_osm(xml)
    pbf = tmp_path / "county.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    assert pbf.read_bytes()[:20] != xml.read_bytes()[:20]  # a real PBF, not the XML under another name
    check_small_osm(pbf)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ('<way id="20" version="1"><tag k="highway" v="primary"/></way>', "way 20: nodes"),
        ('<way id="21" version="1"><nd ref="1"/><tag k="highway" v="primary"/></way>', "way 21: nodes"),
        (
            '<way id="22" version="1"><nd ref="1"/><nd ref="99"/><tag k="highway" v="tertiary"/></way>',
            "way 22: node 99",
        ),
    ],
)
def test_bad_osm_ways_reject_the_file(tmp_path: Path, extra: str, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_roads_osm(write_osm(tmp_path / "bad.osm", extra))
    assert err.value.field == field


def test_unreadable_osm_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(b"this is not a pbf file at all")
    with pytest.raises(ValidationError) as err:
        parse_roads_osm(path)
    assert err.value.field == "file"


def test_osm_maxspeed_values() -> None:
    assert parse_osm_maxspeed("50") == 50
    assert parse_osm_maxspeed("40 km/h") == 40
    assert parse_osm_maxspeed("20 mph") == pytest.approx(32.18688)
    assert parse_osm_maxspeed("none") is None
    assert parse_osm_maxspeed("CN:urban") is None
    assert parse_osm_maxspeed(None) is None


def geo(*features: dict[str, Any]) -> str:
    return json.dumps(collection(*features))


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("not json", "file"),
        (json.dumps({"type": "Feature"}), "type"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "features"),
        (geo(line([(24.8, 113.6), (24.8, 113.61)], "highway")), "features[0].properties.class"),
        (geo({"type": "Feature", "properties": {}, "geometry": None}), "features[0].properties.class"),
        (geo(line([(24.8, 113.6)])), "features[0].geometry"),
        (geo(line([(24.8, 113.6), (24.8, 113.6)])), "features[0].geometry"),
        (geo(line([(24.8, 113.6), (24.8, 113.61)]), line([(24.8, 113.6), (95.0, 113.61)])), "features[1].geometry[1]"),
        (geo(line([(24.8, 113.6), (24.8, 113.61)], oneway="maybe")), "features[0].properties.oneway"),
        (geo(line([(24.8, 113.6), (24.8, 113.61)], maxspeed_kmh=-5)), "features[0].properties.maxspeed_kmh"),
        (geo(line([(24.8, 113.6), (24.8, 113.61)], name=12)), "features[0].properties.name"),
        (
            geo(
                {
                    "type": "Feature",
                    "properties": {"class": "path"},
                    "geometry": {"type": "Polygon", "coordinates": [[[113.6, 24.8], [113.61, 24.8], [113.6, 24.81]]]},
                }
            ),
            "features[0].geometry",
        ),
        (
            geo(
                {
                    "type": "Feature",
                    "properties": {"class": "path"},
                    "geometry": {
                        "type": "MultiLineString",
                        "coordinates": [[[113.6, 24.8], [113.61, 24.8]], [[113.6, 24.8]]],
                    },
                }
            ),
            "features[0].geometry.coordinates[1]",
        ),
    ],
)
def test_bad_geojson_rejected_whole_naming_the_field(text: str, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_roads_geojson(text)
    assert err.value.field == field


def test_geojson_lines_join_at_shared_points_and_multilines() -> None:
    data = parse_roads_geojson(json.dumps(river_network()))
    assert data.node_count == 12  # 5 + 5 on the two roads (bridge and one-way share their ends) + 2 on the island
    assert data.edge_count == 4 + 4 + 1 + 1 + 1
    assert int(data.oneway.sum()) == 1
    multi = {
        "type": "Feature",
        "properties": {"class": "track", "oneway": -1},
        "geometry": {
            "type": "MultiLineString",
            "coordinates": [[[113.6, 24.8], [113.61, 24.8]], [[113.61, 24.8], [113.61, 24.81]]],
        },
    }
    data = parse_roads_geojson(json.dumps(collection(multi)))
    assert data.node_count == 3 and data.edge_count == 2
    assert data.oneway.all()
    assert (int(data.source[0]), int(data.target[0])) == (1, 0)  # -1: against the line's direction


def test_import_replaces_the_network_in_one_transaction_with_an_event(db: Database) -> None:
    first = store(db, river_network(), "first.geojson")
    with db.session() as s:
        graph = road_graph(s)
        assert graph is not None and graph.version == first.network_id and graph.edge_count == 11
    second = store(db, collection(line([(24.8, 113.6), (24.8, 113.61), (24.81, 113.61)], "tertiary")), "second.geojson")
    assert second.replaced_network_id == first.network_id
    assert second.network_id > first.network_id
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(RoadNode)) == 3
        assert s.scalar(select(func.count()).select_from(RoadEdge)) == 2
        assert set(s.scalars(select(RoadEdge.network_id))) == {second.network_id}
        assert s.scalar(select(func.count()).select_from(RoadNetwork)) == 2
        events = s.scalars(select(Event).where(Event.kind == EventKind.ROADS_IMPORTED).order_by(Event.id)).all()
        assert [e.payload["network_id"] for e in events] == [first.network_id, second.network_id]
        assert events[1].payload["source"] == "second.geojson" and events[1].payload["edges"] == 2
        graph = road_graph(s)  # this process imported it: the cached graph was dropped at once
        assert graph is not None and graph.version == second.network_id and graph.edge_count == 2


def test_cli_import_roads_and_bad_file(db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = db.engine.url.render_as_string(hide_password=False)
    good = tmp_path / "roads.geojson"
    good.write_text(json.dumps(river_network()), encoding="utf-8")
    assert main(["--db", url, "import", "roads", str(good)]) == 0
    out = json.loads(capsys.readouterr().out)["roads"]
    assert out["edges"] == 11 and out["oneway_edges"] == 1 and out["classes"] == {"primary": 10, "residential": 1}
    bad = tmp_path / "bad.geojson"
    bad.write_text(geo(line([(24.8, 113.6), (24.8, 113.61)]), line([(24.8, 113.6), (24.8, 113.62)], "lane")), "utf-8")
    assert main(["--db", url, "import", "roads", str(bad)]) == 2
    err = json.loads(capsys.readouterr().err)
    assert err["field"] == "features[1].properties.class" and "lane" in err["message"]
    osm = write_osm(tmp_path / "small.osm")
    assert main(["--db", url, "import", "roads", str(osm)]) == 0
    assert json.loads(capsys.readouterr().out)["roads"]["skipped_ways"] == 1
    assert main(["--db", url, "roads", "info"]) == 0
    info = json.loads(capsys.readouterr().out)["network"]
    assert info["source"] == "small.osm" and info["edges"] == 5
    assert main(["--db", url, "import", "roads", str(tmp_path / "missing.osm.pbf")]) == 2
    assert json.loads(capsys.readouterr().err)["field"] == "file"
