"""Test files made on the spot: photos with and without a GPS EXIF position, a truncated JPEG, an executable."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def _dms(value: float) -> tuple[float, float, float]:
    d = int(value)
    m = int((value - d) * 60)
    s = round((value - d - m / 60) * 3600, 4)
    return float(d), float(m), s


def jpeg(
    width: int = 640,
    height: int = 480,
    *,
    gps: tuple[float, float] | None = None,
    datum: str | None = "WGS-84",
    seed: int = 0,
    quality: int = 85,
) -> bytes:
    """A photo-like JPEG (noise compresses like a real photo), with an EXIF GPS position when `gps` is given."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (max(1, height // 8), max(1, width // 8), 3), dtype=np.uint8)
    im = Image.fromarray(small).resize((width, height), Image.Resampling.BILINEAR)
    noise = rng.integers(-40, 40, (height, width, 3), dtype=np.int16)
    im = Image.fromarray(np.clip(np.asarray(im, dtype=np.int16) + noise, 0, 255).astype(np.uint8))
    exif = Image.Exif()
    if gps is not None:
        lat, lon = gps
        info: dict[int, object] = {
            1: "N" if lat >= 0 else "S",
            2: _dms(abs(lat)),
            3: "E" if lon >= 0 else "W",
            4: _dms(abs(lon)),
        }
        if datum is not None:
            info[18] = datum
        exif[0x8825] = info
    exif[0x010F] = "PhoneMaker"  # Make: metadata an export must strip
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 30)).save(out, "PNG")
    return out.getvalue()


#: The start of a Windows executable: what a file named `photo.jpg` may really hold.
EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 200
    + b"This program cannot be run in DOS mode."
)
