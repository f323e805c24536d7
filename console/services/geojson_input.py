"""The common start of every GeoJSON import: the text must be JSON that can be read (not nested deeper than the
parser goes, no integer of thousands of digits), a FeatureCollection whose `crs`, if any, names WGS-84, with at
least one feature."""

from __future__ import annotations

from typing import Any

from .errors import ValidationError
from .grid_geometry import check_crs
from .inputs import load_json


def feature_list(text: str) -> list[Any]:
    """The features of a GeoJSON FeatureCollection; a `ValidationError` naming `file`, `type`, `crs` or
    `features`."""
    doc = load_json(text)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValidationError("type", "must be a GeoJSON FeatureCollection")
    check_crs(doc, "")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise ValidationError("features", "must be a non-empty list")
    return features
