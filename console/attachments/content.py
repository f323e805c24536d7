"""Reading an attachment within the size limit, checking it by content and making what the case detail shows.

A file is refused before it is read when its size is known to exceed the limit (a path, a base64 text, an HTTP
answer with Content-Length); a stream of unknown size is read in blocks and refused as soon as it passes the limit,
so a 200 MB file never sits in memory. An image is decoded once, at reduced scale (JPEG DCT scaling), which both
proves it whole (a truncated JPEG fails here) and makes its thumbnail.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import io
import os
import warnings
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import ValidationError
from ..geo.gcj02 import gcj02_to_wgs84
from .settings import AttachmentSettings
from .sniff import HEAD_BYTES, ContentType, sniff

__all__ = [
    "AttachmentTooLarge",
    "ContentType",
    "GpsFix",
    "Prepared",
    "prepare_bytes",
    "prepare_path",
    "prepare_source",
    "preview",
    "read_limited",
    "strip_metadata",
]

BLOCK = 1024 * 1024
HASH_BESIDE_BYTES = 512 * 1024  # an image at least this large is hashed on a second thread while it is decoded
_WGS84 = {"WGS84", "WGS1984", "EPSG4326", ""}
_GCJ02 = {"GCJ02", "GCJ"}


class AttachmentTooLarge(ValidationError):
    """The file is larger than `[attachments] max_bytes`; nothing of it was kept."""

    def __init__(self, field: str, size: int | None, limit: int) -> None:
        said = f"{size:,} bytes" if size is not None else "more than the limit"
        super().__init__(field, f"the file is too large ({said}; the limit is {limit:,} bytes)", limit=limit)


@dataclass(frozen=True, slots=True)
class GpsFix:
    """The position an image's EXIF gives, converted into the project's datum (WGS-84), or why it is not offered."""

    lat: float | None
    lon: float | None
    datum: str  # as the file says it ("WGS-84", "GCJ-02", "TOKYO", "" when not said)
    usable: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file checked and ready to store: its bytes, its identity and what the case detail shows of it."""

    data: bytes
    sha256: str
    type: ContentType
    name: str | None
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None  # JPEG, the longer side `thumbnail_px`
    gps: GpsFix | None = None

    @property
    def size(self) -> int:
        return len(self.data)


# -- reading within the limit -------------------------------------------------------------------------------------


def read_limited(stream: BinaryIO | Iterable[bytes], limit: int, field: str) -> bytes:
    """All of `stream` (a file or an iterable of blocks), refused as soon as it passes `limit` bytes."""
    out = bytearray()
    blocks: Iterable[bytes] = iter(lambda: stream.read(BLOCK), b"") if hasattr(stream, "read") else stream
    for block in blocks:
        out += block
        if len(out) > limit:
            raise AttachmentTooLarge(field, None, limit)
    return bytes(out)


def prepare_path(
    path: str | os.PathLike[str], settings: AttachmentSettings, *, field: str = "attachment", name: str | None = None
) -> Prepared:
    """A file on disk: its size is checked before a byte is read."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if not p.is_file():
            raise ValidationError(field, f"not a file: {p.name}")
        if size > settings.max_bytes:
            raise AttachmentTooLarge(field, size, settings.max_bytes)
        with p.open("rb") as f:
            data = read_limited(f, settings.max_bytes, field)  # a file growing meanwhile is still bounded
    except OSError as exc:
        raise ValidationError(field, f"cannot read {p.name}: {exc.strerror or exc}") from None
    return prepare_bytes(data, settings, field=field, name=name or p.name)


def prepare_base64(text: str, settings: AttachmentSettings, *, field: str, name: str | None) -> Prepared:
    if len(text) // 4 * 3 > settings.max_bytes + 3:  # refused from its length, before decoding
        raise AttachmentTooLarge(field, len(text) // 4 * 3, settings.max_bytes)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(field, "not valid base64") from None
    return prepare_bytes(data, settings, field=field, name=name)


def prepare_source(item: Any, settings: AttachmentSettings, *, field: str, base_dir: Path | None = None) -> Prepared:
    """One entry of `attachments` in the intake JSON: a path (text or `{"path": …}`) or `{"base64": …, "name": …}`.
    A relative path is read from `base_dir` (the JSON file's folder) when given."""
    if isinstance(item, str):
        item = {"path": item}
    if not isinstance(item, Mapping):
        raise ValidationError(field, 'must be a path or an object with "path" or "base64"')
    unknown = sorted(k for k in item if k not in ("path", "base64", "name"))
    if unknown:
        raise ValidationError(f"{field}.{unknown[0]}", "unknown field; expected path, base64 or name")
    name = item.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 200 or not name.strip()):
        raise ValidationError(f"{field}.name", "must be a file name of at most 200 characters")
    if ("path" in item) == ("base64" in item):
        raise ValidationError(field, 'give either "path" or "base64"')
    if "base64" in item:
        if not isinstance(item["base64"], str):
            raise ValidationError(f"{field}.base64", "must be text")
        return prepare_base64(item["base64"], settings, field=f"{field}.base64", name=name)
    raw = item["path"]
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(f"{field}.path", "must be a file path")
    path = Path(raw)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return prepare_path(path, settings, field=f"{field}.path", name=name)


# -- checking by content ------------------------------------------------------------------------------------------


def prepare_bytes(
    data: bytes, settings: AttachmentSettings, *, field: str = "attachment", name: str | None = None
) -> Prepared:
    """Check `data` by its content and make its thumbnail and EXIF position (images)."""
    if len(data) > settings.max_bytes:
        raise AttachmentTooLarge(field, len(data), settings.max_bytes)
    kind = sniff(data[:HEAD_BYTES])
    if not isinstance(kind, ContentType):
        raise ValidationError(field, kind)
    if not kind.is_image:
        return Prepared(data, hashlib.sha256(data).hexdigest(), kind, name)
    if len(data) < HASH_BESIDE_BYTES:
        digest = hashlib.sha256(data).hexdigest()
        width, height, thumb, gps = _image(data, kind, settings, field)
        return Prepared(data, digest, kind, name, width, height, thumb, gps)
    # Both the hash and the decode release the GIL on a large buffer, so a photo's hash costs nothing beside its decode.
    hashed = _hasher().submit(_sha256, data)
    try:
        width, height, thumb, gps = _image(data, kind, settings, field)
    finally:
        digest = hashed.result()
    return Prepared(data, digest, kind, name, width, height, thumb, gps)


@functools.cache
def _hasher() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="attachment-hash")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _image(
    data: bytes, kind: ContentType, settings: AttachmentSettings, field: str
) -> tuple[int, int, bytes, GpsFix | None]:
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im: Any = Image.open(io.BytesIO(data))
            width, height = im.size
            if width * height > settings.max_pixels:
                raise ValidationError(field, f"the image is too large ({width}×{height} pixels)")
            expected = {
                ContentType.JPEG: "JPEG",
                ContentType.PNG: "PNG",
                ContentType.GIF: "GIF",
                ContentType.WEBP: "WEBP",
            }
            if im.format != expected[kind]:
                raise ValidationError(field, f"the content is not a valid {expected[kind]} image")
            gps = _gps(im)
            size = (settings.thumbnail_px, settings.thumbnail_px)
            if kind == ContentType.JPEG:
                im.draft("RGB", size)  # decode at 1/2, 1/4 or 1/8 scale: fast, and still reads every byte
            im.decodermaxblock = len(data)  # the decoder is handed the whole file at once, not in 64 KiB pieces
            im.load()
            im = ImageOps.exif_transpose(im)
            im.thumbnail(size, Image.Resampling.BILINEAR)
            if im.mode != "RGB":
                im = im.convert("RGB")
            out = io.BytesIO()
            im.save(out, "JPEG", quality=80)
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ValidationError(field, f"the image is damaged or truncated ({exc})") from None
    return width, height, out.getvalue(), gps


def _degrees(value: Any) -> float:
    d, m, s = (float(v) for v in value)
    return d + m / 60.0 + s / 3600.0


def _gps(im: Any) -> GpsFix | None:
    """The EXIF GPS position in WGS-84 (the project's datum), converted from GCJ-02; any other datum is flagged and
    not offered."""
    from PIL import ExifTags

    try:
        info = im.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # a damaged EXIF block is no reason to refuse the photo
        return None
    if not info or 2 not in info or 4 not in info:
        return None
    datum = str(info.get(18, "") or "").strip().strip("\x00")
    try:
        lat = _degrees(info[2]) * (-1 if str(info.get(1, "N")).upper().startswith("S") else 1)
        lon = _degrees(info[4]) * (-1 if str(info.get(3, "E")).upper().startswith("W") else 1)
    except (TypeError, ValueError, ZeroDivisionError):
        return GpsFix(None, None, datum, False, "the EXIF position cannot be read")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return GpsFix(None, None, datum, False, "the EXIF position is out of range")
    key = "".join(ch for ch in datum.upper() if ch.isalnum())
    if key in _WGS84:
        return GpsFix(lat, lon, datum, True)
    if key in _GCJ02:
        w_lat, w_lon = gcj02_to_wgs84(lat, lon)
        return GpsFix(w_lat, w_lon, datum, True, "converted from GCJ-02 to WGS-84")
    return GpsFix(lat, lon, datum, False, f"the EXIF position is in datum {datum!r}, not WGS-84; not used")


def preview(data: bytes, px: int) -> bytes:
    """An image scaled so its longer side is at most `px` (decoded at reduced scale), as JPEG without metadata: what
    a viewer or the wall shows, small enough to decode on an interface thread."""
    from PIL import Image, ImageOps

    im: Any = Image.open(io.BytesIO(data))
    im.draft("RGB", (px, px))
    im.load()
    im = ImageOps.exif_transpose(im)
    im.thumbnail((px, px), Image.Resampling.BILINEAR)
    if im.mode != "RGB":
        im = im.convert("RGB")
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


# -- export -------------------------------------------------------------------------------------------------------

_JPEG_DROP = {0xE1, 0xED, 0xFE} | set(range(0xE3, 0xED)) | {0xEE, 0xEF}  # APP1 (EXIF, XMP), APP3–APP15, COM
_PNG_DROP = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def strip_metadata(data: bytes, kind: ContentType) -> bytes:
    """The file without EXIF, XMP, IPTC and comments (position, camera, owner), its picture untouched."""
    if kind == ContentType.JPEG:
        return _strip_jpeg(data)
    if kind == ContentType.PNG:
        return _strip_png(data)
    if kind == ContentType.WEBP:
        from PIL import Image

        out = io.BytesIO()
        Image.open(io.BytesIO(data)).save(out, "WEBP", lossless=True)
        return out.getvalue()
    return data


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the rest is picture
            break
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker not in _JPEG_DROP:
            out += data[i : i + 2 + length]
        i += 2 + length
    out += data[i:]
    return bytes(out)


def _strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    i = 8
    while i + 8 <= len(data):
        length = int.from_bytes(data[i : i + 4], "big")
        end = i + 12 + length
        if data[i + 4 : i + 8] not in _PNG_DROP:
            out += data[i:end]
        i = end
    return bytes(out)
