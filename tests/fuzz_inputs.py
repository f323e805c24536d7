"""Hypothesis strategies for the command line's inputs: intake JSON, grids GeoJSON and units CSV, as an attacker or a
broken export would write them — control and bidi characters, lone surrogates, invalid UTF-8, numbers of hundreds of
digits, NaN, nesting deeper than parsers go, times in year 1 or 1900, texts longer than their columns, fields longer
than the CSV reader's limit, GeoJSON with text coordinates, open rings, 3D positions, foreign CRS, overlaps."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import strategies as st

from console.enums import Category, Channel, Priority, UnitKind

NASTY_CHARS = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\u200f", "\ud800", "\udfff", "\ufeff"]
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r", "\r\n", " "]


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """`one_of` with weights (hypothesis draws a branch given twice to `one_of` no more often than once)."""
    strategies = [strategy for _, strategy in choices]
    picks = [i for i, (weight, _) in enumerate(choices) for _ in range(weight)]
    return st.sampled_from(picks).flatmap(lambda i: strategies[i])


# Any code point, lone surrogates included (hypothesis leaves them out unless asked).
any_char = st.characters(exclude_categories=())
nasty_text = st.one_of(
    st.text(alphabet=any_char, max_size=40),
    st.builds(
        lambda start, body, bad, pos: start + body[:pos] + bad + body[pos:],
        st.sampled_from(["", *FORMULA_STARTS]),
        st.text(max_size=30),
        st.sampled_from(NASTY_CHARS),
        st.integers(0, 30),
    ),
    st.integers(0, 300).map(lambda n: "名" * n),  # around the columns' lengths (32, 64, 256)
    st.sampled_from([4000, 4001, 5000]).map(lambda n: "x" * n),
)
BIG_NUMBERS: list[Any] = [10**309, 10**400, -(10**400), 1e308, float("nan"), float("inf"), float("-inf"), -0.0, 5e-324]
huge_number = st.one_of(
    st.sampled_from(BIG_NUMBERS),
    st.integers(min_value=-(10**450), max_value=10**450),
    st.floats(allow_nan=True, allow_infinity=True),
)
junk: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    huge_number,
    nasty_text,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)
times = st.one_of(
    st.sampled_from(
        [
            "2026-11-20T08:00:00+08:00",
            "2026-11-20T08:00:00+0800",
            "0001-01-01T00:00:00+08:00",
            "9999-12-31T23:59:59-12:00",
            "1900-03-01T08:00:00+08:00",
            "1999-12-31T23:59:59+08:00",
            "2026-11-20T08:00:00",
            "2100-01-01T00:00:00Z",
        ]
    ),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
)


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


# -- intake -------------------------------------------------------------------------------------------------------------

#: What the attack found, per field: each is given often, besides whatever hypothesis makes up.
SPECIAL: dict[str, list[Any]] = {
    "text": ["\u202e已办结 gnp.exe", "a\x00b", "铃\x07", "\x1b[31m红", "\ud800", "=cmd|' /C calc'!A0", "\t+1", " ", ""],
    "description": ["x" * 4001, "\r\n=1+1", "\u202e"],
    "caller_name": ["名" * 65, "张\n三"],
    "address": ["名" * 257],
    "caller_phone": ["138" + "0" * 40, "+", "138-1234-5678", "١٣٨١٢٣٤٥٦٧٨"],
    "number": [10**400, -(10**309), float("nan"), float("inf"), "1" * 500, "1e400", "nan", 91, True, "24.81", None],
    "received_at": [
        "0001-01-01T00:00:00+08:00",
        "9999-12-31T23:59:59-12:00",
        "1900-03-01T08:00:00+08:00",
        "2026-11-20T08:00:00",
        "2026-02-30T08:00:00+08:00",
    ],
}


def _field(*specials: str, normal: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    special = st.sampled_from([v for name in specials for v in SPECIAL[name]])
    return weighted((3, special), (1, normal), (1, junk))


appeal_values: dict[str, st.SearchStrategy[Any]] = {
    "channel": st.one_of(st.sampled_from([c.value for c in Channel]), junk),
    "category": st.one_of(st.sampled_from([c.value for c in Category]), junk),
    "priority": st.one_of(st.sampled_from([p.value for p in Priority]), junk),
    "description": _field("text", "description", normal=st.one_of(st.text(min_size=1, max_size=60), nasty_text)),
    "caller_phone": _field("caller_phone", "text", normal=st.from_regex(r"\+?1[3-9][0-9]{9}", fullmatch=True)),
    "caller_name": _field("text", "caller_name", normal=st.one_of(st.text(max_size=10), nasty_text)),
    "address": _field("text", "address", normal=st.one_of(st.text(max_size=20), nasty_text)),
    "lat": _field("number", normal=st.one_of(st.floats(min_value=24.80, max_value=24.82), huge_number)),
    "lon": _field("number", normal=st.one_of(st.floats(min_value=113.60, max_value=113.64), huge_number)),
    "received_at": _field("received_at", normal=times),
}
# A good appeal: what a form or a platform sends.
good_appeal = st.fixed_dictionaries(
    {
        "channel": st.sampled_from([c.value for c in Channel]),
        "category": st.sampled_from([c.value for c in Category]),
        "priority": st.sampled_from([p.value for p in Priority]),
        "description": st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=60).filter(
            str.strip
        ),
    },
    optional={
        "caller_phone": st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
        "caller_name": st.sampled_from(["张三", "李四", "Zoë"]),
        "address": st.sampled_from(["东河镇农贸市场", "人民路 12 号"]),
        "received_at": st.sampled_from(["2026-11-20T08:00:00+08:00", "2025-01-01T00:00:00Z"]),
    },
)


def _mutate(
    good: dict[str, Any], changes: list[tuple[str, Any]], located: tuple[float, float] | None
) -> dict[str, Any]:
    data = dict(good)
    if located is not None:
        data["lat"], data["lon"] = located
    for name, value in changes:
        data[name] = value
    return data


#: Which field a mutation changes: those the attack broke come up more often.
MUTATED = ["lat", "lon", "received_at", "description", "caller_name", "address"] * 2 + [
    "caller_phone",
    "channel",
    "category",
    "priority",
]
mutation = st.sampled_from(MUTATED).flatmap(lambda name: st.tuples(st.just(name), appeal_values[name]))
located = st.one_of(st.none(), st.tuples(st.floats(24.80, 24.82), st.floats(113.60, 113.64)))
mutated = st.builds(_mutate, good_appeal, st.lists(mutation, min_size=1, max_size=2), located)

# Mostly a good appeal with one or two fields made bad, so that every check is reached; now and then one as it
# comes, with an unknown field, or nothing wrong at all.
appeal = weighted(
    (7, mutated),
    (1, st.builds(_mutate, good_appeal, st.just([]), located)),
    (1, st.builds(_mutate, good_appeal, st.tuples(st.tuples(st.just("extra"), junk)).map(list), st.none())),
    (1, st.fixed_dictionaries({}, optional={**appeal_values, "extra": junk})),
)


def _encode(doc: Any) -> bytes:
    """JSON bytes; lone surrogates go in as what a broken producer writes (invalid UTF-8), or as \\u escapes."""
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")


intake_bytes = st.one_of(
    appeal.map(lambda d: json.dumps(d).encode()),  # \u escapes: lone surrogates arrive as text
    appeal.map(_encode),  # raw: lone surrogates arrive as invalid UTF-8
    st.lists(appeal, min_size=1, max_size=3).map(lambda items: json.dumps(items).encode()),
    st.integers(1, 3000).map(lambda n: _deep(n).encode()),
    st.binary(max_size=60),
    st.builds(lambda d, b: json.dumps(d).encode()[:-1] + b + b"}", appeal, st.binary(min_size=1, max_size=4)),
)

# -- grids GeoJSON ------------------------------------------------------------------------------------------------------

ORIGIN_LON, ORIGIN_LAT, SIZE = 120.0, 30.0, 0.01  # far from the mini county's grids


def _square(col: int, row: int, shift: float) -> list[list[float]]:
    lon0, lat0 = ORIGIN_LON + col * SIZE + shift, ORIGIN_LAT + row * SIZE
    return [[lon0, lat0], [lon0 + SIZE, lat0], [lon0 + SIZE, lat0 + SIZE], [lon0, lat0 + SIZE], [lon0, lat0]]


def _damage(ring: list[Any], how: str, value: Any) -> list[Any]:
    ring = [list(p) for p in ring]
    if how == "text":
        ring[1] = [str(ring[1][0]), str(ring[1][1])]
    elif how == "3d":
        ring[1] = [*ring[1], 12.0]
    elif how == "open":
        ring = ring[:-1]
    elif how == "short":
        ring = [ring[0], ring[1], ring[0]]
    elif how == "value":
        ring[2] = [value, ring[2][1]]
    elif how == "flat":
        ring = ring[0]
    return ring


junk_geometry = st.one_of(
    junk,
    st.fixed_dictionaries({"type": st.sampled_from(["Point", "LineString", "Polygon"]), "coordinates": junk}),
)
crs = st.one_of(
    st.sampled_from(["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "EPSG:3857", "urn:ogc:def:crs:EPSG::3857"]).map(
        lambda name: {"type": "name", "properties": {"name": name}}
    ),
    junk,
)
grid_property = st.one_of(st.integers(0, 40), nasty_text, junk)
DAMAGES = ["text", "3d", "open", "short", "value", "flat"]


def _feature(index: int, multi: bool) -> dict[str, Any]:
    """A good grid: its place follows from its code, so that importing it again is an update, never an overlap."""
    ring = _square(index % 6, index // 6, 0.0)
    geometry = (
        {"type": "MultiPolygon", "coordinates": [[ring]]} if multi else {"type": "Polygon", "coordinates": [ring]}
    )
    return {
        "type": "Feature",
        "properties": {"code": f"F{index}", "name": "新网格", "township": ("北岭镇", "南岭镇")[index % 2]},
        "geometry": geometry,
    }


def _grid_doc(indexes: list[int], multi: bool, mutation: tuple[str, Any, Any]) -> bytes:
    """A good FeatureCollection with at most one thing made bad in its first feature."""
    features = [_feature(i, multi) for i in indexes]
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    what, value, extra = mutation
    first = features[0]
    if what in ("code", "name", "township"):
        first["properties"][what] = value
    elif what in ("type", "properties", "geometry"):
        first[what] = value
    elif what == "damage":
        ring = first["geometry"]["coordinates"][0] if not multi else first["geometry"]["coordinates"][0][0]
        damaged = _damage(ring, extra, value)
        first["geometry"]["coordinates"] = [damaged] if not multi else [[damaged]]
    elif what == "overlap":  # half a cell over its neighbour, in the file or stored before
        first["geometry"] = {"type": "Polygon", "coordinates": [_square(indexes[0] % 6, indexes[0] // 6, SIZE / 2)]}
    elif what == "crs":
        doc["crs"] = value
    elif what == "feature_crs":
        first["crs"] = value
    return _encode(doc)


grid_mutation = weighted(
    (3, st.just(("none", None, None))),
    (1, st.tuples(st.sampled_from(["code", "name", "township"]), grid_property, st.none())),
    (1, st.tuples(st.just("type"), st.one_of(st.just("feature"), junk), st.none())),
    (1, st.tuples(st.just("properties"), junk, st.none())),
    (1, st.tuples(st.just("geometry"), junk_geometry, st.none())),
    (2, st.tuples(st.just("damage"), huge_number, st.sampled_from(DAMAGES))),
    (1, st.just(("overlap", None, None))),
    (1, st.tuples(st.sampled_from(["crs", "feature_crs"]), crs, st.none())),
)
grids_bytes = weighted(
    (
        8,
        st.builds(
            _grid_doc, st.lists(st.integers(0, 17), min_size=1, max_size=4, unique=True), st.booleans(), grid_mutation
        ),
    ),
    (1, st.integers(1, 6000).map(lambda n: ('{"type": "FeatureCollection", "features": ' + _deep(n) + "}").encode())),
    (1, st.binary(max_size=60)),
)

# -- units CSV ----------------------------------------------------------------------------------------------------------

HEADER = ["callsign", "kind", "tracker_id", "lat", "lon", "home_grid", "capabilities"]
number_text = st.one_of(
    huge_number.map(str),
    st.sampled_from(["nan", "inf", "-1e400", "二十四", " 24.81 ", "0x18"]),
    nasty_text,
)
bad_cell: dict[int, st.SearchStrategy[str]] = {
    0: nasty_text,
    1: nasty_text,
    2: st.one_of(st.integers(60, 110).map(lambda n: "T" * n), nasty_text),
    3: number_text,
    4: number_text,
    5: st.one_of(st.just("G999"), nasty_text),
    6: st.lists(nasty_text, min_size=1, max_size=3).map(";".join),
}


def _unit(index: int, kind: str, located: bool, home: str) -> list[str]:
    lat, lon = (f"{24.80 + index / 1000:.4f}", f"{113.60 + index / 1000:.4f}") if located else ("", "")
    return [f"FZ-{index:02d}", kind, f"TZ{index}" if index % 3 else "", lat, lon, home, "patrol;mediation"]


good_unit = st.builds(
    _unit,
    st.integers(0, 30),
    st.sampled_from([k.value for k in UnitKind]),
    st.booleans(),
    st.sampled_from(["", "G100", "G211"]),
)


def _units_doc(rows: list[list[str]], mutation: tuple[int, str] | None, header: bool, giant: bool) -> bytes:
    if mutation is not None:
        rows[0][mutation[0]] = mutation[1]
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(HEADER)
    writer.writerows(rows)
    if giant:
        writer.writerow(["FZ-99", "patrol_car", "", "", "", "", "x" * 131_073])
    return out.getvalue().encode("utf-8", "surrogatepass")


units_mutation = weighted(
    (1, st.none()),
    (2, st.integers(0, 6).flatmap(lambda column: st.tuples(st.just(column), bad_cell[column]))),
)
units_bytes = weighted(
    (
        8,
        st.builds(
            _units_doc,
            st.lists(good_unit, min_size=1, max_size=4, unique_by=lambda row: row[0]),
            units_mutation,
            st.sampled_from([True] * 9 + [False]),
            st.sampled_from([False] * 9 + [True]),
        ),
    ),
    (1, st.binary(max_size=80)),
)
