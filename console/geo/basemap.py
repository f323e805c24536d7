"""What the map draws under the live layers: a local MBTiles store, an intranet tile server, or nothing
(then the county's own vector layers on a plain background). Which datum the tiles are drawn in, and when a
unit's position fix counts as stale."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from console.errors import ValidationError

Datum = Literal["wgs84", "gcj02"]
DATUMS: tuple[Datum, ...] = ("wgs84", "gcj02")


@dataclass(frozen=True, slots=True)
class BasemapConfig:
    mbtiles: Path | None = None
    url_template: str | None = None  # e.g. http://tiles.intranet/{z}/{x}/{y}.png (the center's own server)
    datum: Datum = "wgs84"
    attribution: str = ""
    min_zoom: int = 8
    max_zoom: int = 18
    stale_fix_s: float = 300.0

    def __post_init__(self) -> None:
        if self.mbtiles is not None and self.url_template is not None:
            raise ValidationError("url_template", "give either a tile store or a tile server, not both")
        if self.datum not in DATUMS:
            raise ValidationError("datum", f"must be one of {', '.join(DATUMS)}")
        if not 0 <= self.min_zoom <= self.max_zoom <= 22:
            raise ValidationError("max_zoom", "zoom range must satisfy 0 <= min_zoom <= max_zoom <= 22")
        if self.stale_fix_s <= 0:
            raise ValidationError("stale_fix_s", "must be positive")
        if self.url_template is not None:
            parts = urlsplit(self.url_template)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValidationError("url_template", "must be an http(s) URL with a host")
            if not all(key in self.url_template for key in ("{z}", "{x}", "{y}")):
                raise ValidationError("url_template", "must contain {z}, {x} and {y}")

    @property
    def kind(self) -> Literal["mbtiles", "url", "none"]:
        if self.mbtiles is not None:
            return "mbtiles"
        if self.url_template is not None:
            return "url"
        return "none"

    @property
    def tile_origin(self) -> str | None:
        """scheme://host[:port] of the configured tile server: the one outside origin the page may reach."""
        if self.url_template is None:
            return None
        parts = urlsplit(self.url_template)
        return f"{parts.scheme}://{parts.netloc}".lower()
