"""The common start of every GeoJSON import: the text must be a FeatureCollection with at least one feature."""

from __future__ import annotations

import json
from typing import Any

from .errors import ValidationError


def feature_list(text: str) -> list[Any]:
    """The features of a GeoJSON FeatureCollection; a `ValidationError` naming `file`, `type` or `features`."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError("file", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValidationError("type", "must be a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise ValidationError("features", "must be a non-empty list")
    return features
