"""Photos and evidence: stored once by sha256 in chunks on both databases, checked by content, thumbnailed, the EXIF
position offered in WGS-84 (other datums flagged), EXIF stripped for roles that may not see callers' data — and the
bad inputs: a 200 MB file, a .jpg name on an executable, a truncated JPEG, a GPS position in another datum."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from console.attachments import AttachmentSettings, AttachmentTooLarge, prepare_bytes, prepare_path, strip_metadata
from console.attachments.content import HASH_BESIDE_BYTES, read_limited
from console.attachments.sniff import ContentType
from console.db import Database
from console.enums import EventKind, Role
from console.errors import ValidationError
from console.models import Blob, BlobChunk, Case, CaseAttachment, Event
from console.models.attachments import CHUNK_BYTES
from console.ops import execute
from tests.county import MiniCounty

from .files import EXECUTABLE, jpeg, png

APPEAL = {"channel": "grid_report", "category": "environment", "priority": "yellow", "description": "路边垃圾堆放"}
INSIDE = (24.805, 113.605)  # inside the mini county's grid G100


def b64(data: bytes, name: str = "photo.jpg") -> dict[str, str]:
    return {"base64": base64.b64encode(data).decode("ascii"), "name": name}


def intake(db: Database, county: MiniCounty, files: list[object], role: Role = Role.DISPATCHER, **extra: object) -> int:
    result = execute(db, county.actors[role], "intake.create", data={**APPEAL, **extra, "attachments": files})
    return int(result.value.case.id)


def counts(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        return (
            int(s.scalar(select(func.count()).select_from(Blob)) or 0),
            int(s.scalar(select(func.count()).select_from(BlobChunk)) or 0),
            int(s.scalar(select(func.count()).select_from(CaseAttachment)) or 0),
        )


def test_photo_at_intake_is_stored_once_thumbnailed_and_places_the_case(db: Database, county: MiniCounty) -> None:
    photo = jpeg(1600, 1200, gps=INSIDE, quality=95)
    assert len(photo) > CHUNK_BYTES  # several chunks
    first = intake(db, county, [b64(photo)])
    second = intake(db, county, [b64(photo, "same.jpg")], lat=24.806, lon=113.606)
    blobs, chunks, held = counts(db)
    assert (blobs, held) == (1, 2)
    assert chunks == -(-len(photo) // CHUNK_BYTES)
    with db.session() as s:
        case = s.get(Case, first)
        assert case is not None and case.lat == pytest.approx(INSIDE[0]) and case.lon == pytest.approx(INSIDE[1])
        assert case.grid_id == county.grid_ids["G100"]  # located from the photo's position
        assert s.get(Case, second).lat == 24.806  # type: ignore[union-attr]  # its own place is kept
        kinds = s.scalars(select(Event.kind).where(Event.case_id == first)).all()
        assert EventKind.ATTACHMENT_ADDED in kinds
    listed = execute(db, county.actors[Role.DISPATCHER], "attachments.list", case_id=first).value
    (view,) = listed.attachments
    assert (view.type, view.bytes, view.source, view.width, view.height) == (
        "image/jpeg",
        len(photo),
        "intake",
        1600,
        1200,
    )
    assert listed.place_offer is None  # the case has its place
    thumb = execute(db, county.actors[Role.WALL], "attachments.thumbnail", sha256=view.sha256).value
    assert thumb is not None
    assert max(Image.open(io.BytesIO(thumb)).size) == AttachmentSettings().thumbnail_px
    kind, data = execute(db, county.actors[Role.DISPATCHER], "attachments.content", sha256=view.sha256).value
    assert (kind, data) == ("image/jpeg", photo)  # reassembled from its chunks, byte for byte


def test_exports_strip_exif_for_roles_without_callers_data(db: Database, county: MiniCounty) -> None:
    photo = jpeg(gps=INSIDE)
    cid = intake(db, county, [b64(photo, "张三家门口.jpg")])
    handler = county.actors[Role.HANDLER]
    (seen,) = execute(db, handler, "attachments.list", case_id=cid).value.attachments
    assert seen.lat is None and seen.name == "张****.jpg"
    _, data = execute(db, handler, "attachments.content", sha256=seen.sha256).value
    stripped = Image.open(io.BytesIO(data))
    assert dict(stripped.getexif()) == {} and stripped.size == (640, 480)
    full = execute(db, county.actors[Role.DISPATCHER], "attachments.list", case_id=cid).value.attachments[0]
    assert full.name == "张三家门口.jpg" and full.lat == pytest.approx(INSIDE[0])
    _, original = execute(db, county.actors[Role.DISPATCHER], "attachments.content", sha256=seen.sha256).value
    assert dict(Image.open(io.BytesIO(original)).getexif())  # the dispatcher gets the file as taken


def test_a_200_mb_file_is_refused_without_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "video.jpg"
    with big.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: 200 MB on paper
    monkeypatch.setattr(Path, "open", lambda *a, **k: pytest.fail("the file was opened"))
    with pytest.raises(AttachmentTooLarge) as err:
        prepare_path(big, AttachmentSettings(), field="attachments[0].path")
    assert err.value.field == "attachments[0].path" and "209,715,200 bytes" in err.value.reason


def test_a_stream_of_unknown_size_stops_at_the_limit() -> None:
    read: list[int] = []

    def endless() -> Iterator[bytes]:
        while True:
            read.append(1)
            yield b"\xff" * (1024 * 1024)

    with pytest.raises(AttachmentTooLarge):
        read_limited(endless(), 5 * 1024 * 1024, "media_url")
    assert len(read) == 6  # one block past the limit, never the whole 200 MB


def test_a_large_base64_is_refused_before_decoding(db: Database, county: MiniCounty) -> None:
    settings = AttachmentSettings(max_bytes=1024 * 1024)
    text = "A" * (2 * 1024 * 1024)
    with pytest.raises(AttachmentTooLarge) as err:
        execute(
            db,
            county.actors[Role.DISPATCHER],
            "intake.create",
            data={**APPEAL, "attachments": [{"base64": text}]},
            attachment_settings=settings,
        )
    assert err.value.field == "attachments[0].base64"
    assert counts(db) == (0, 0, 0)


def test_an_executable_named_jpg_is_refused(db: Database, county: MiniCounty) -> None:
    with pytest.raises(ValidationError) as err:
        intake(db, county, [b64(jpeg()), b64(EXECUTABLE, "photo.jpg")])
    assert err.value.field == "attachments[1].base64" and "Windows executable" in err.value.reason
    assert counts(db) == (0, 0, 0)  # nothing of the appeal is kept
    with db.session() as s:
        assert s.scalar(select(func.count(Case.id))) == 0


def test_a_truncated_jpeg_is_refused(db: Database, county: MiniCounty) -> None:
    photo = jpeg()
    with pytest.raises(ValidationError) as err:
        intake(db, county, [b64(photo[: len(photo) * 2 // 3])])
    assert "truncated" in err.value.reason
    assert counts(db) == (0, 0, 0)


def test_a_large_photo_is_hashed_beside_its_decode_and_refused_whole_when_truncated() -> None:
    """A photo past HASH_BESIDE_BYTES is hashed on a second thread: the hash is still the file's, and a truncated one
    is still refused (the hash's thread finishes either way)."""
    photo = jpeg(2000, 1500, quality=95, gps=(28.25, 116.95))
    assert len(photo) >= HASH_BESIDE_BYTES
    prepared = prepare_bytes(photo, AttachmentSettings())
    assert prepared.sha256 == hashlib.sha256(photo).hexdigest()
    assert (prepared.width, prepared.height) == (2000, 1500)
    assert prepared.thumbnail is not None
    assert Image.open(io.BytesIO(prepared.thumbnail)).size == (256, 192)
    assert prepared.gps is not None and prepared.gps.usable
    with pytest.raises(ValidationError) as err:
        prepare_bytes(photo[: len(photo) * 2 // 3], AttachmentSettings())
    assert "truncated" in err.value.reason


def test_gps_in_another_datum_is_flagged_not_used(db: Database, county: MiniCounty) -> None:
    tokyo = jpeg(gps=INSIDE, datum="TOKYO")
    fix = prepare_bytes(tokyo, AttachmentSettings()).gps
    assert fix is not None and not fix.usable and "TOKYO" in fix.note
    cid = intake(db, county, [b64(tokyo)])
    with db.session() as s:
        case = s.get(Case, cid)
        assert case is not None and case.lat is None and case.grid_id is None
    listed = execute(db, county.actors[Role.DISPATCHER], "attachments.list", case_id=cid).value
    assert listed.place_offer is None and listed.attachments[0].gps_datum == "TOKYO"
    assert not listed.attachments[0].gps_usable


def test_gcj02_gps_is_converted_to_wgs84() -> None:
    from console.geo.gcj02 import wgs84_to_gcj02

    shown = wgs84_to_gcj02(*INSIDE)
    fix = prepare_bytes(jpeg(gps=shown, datum="GCJ-02"), AttachmentSettings()).gps
    assert fix is not None and fix.usable
    assert fix.lat == pytest.approx(INSIDE[0], abs=1e-5) and fix.lon == pytest.approx(INSIDE[1], abs=1e-5)


def test_place_offered_by_a_photo_added_later(db: Database, county: MiniCounty) -> None:
    cid = intake(db, county, [])
    field = county.actors[Role.HANDLER]
    photo = jpeg(gps=INSIDE, seed=3)
    (added,) = execute(db, field, "attachments.add", case_id=cid, files=[b64(photo)]).value
    assert added.source == "field"
    again = execute(db, field, "attachments.add", case_id=cid, files=[b64(photo)]).value
    assert [a.id for a in again] == [added.id] and counts(db)[2] == 1  # the same file is kept once
    offer = execute(db, county.actors[Role.DISPATCHER], "attachments.list", case_id=cid).value.place_offer
    assert offer is not None and offer[2] == added.sha256
    state = execute(
        db, county.actors[Role.DISPATCHER], "attachments.place_from_photo", case_id=cid, sha256=added.sha256
    )
    assert state.value.id == cid
    with db.session() as s:
        assert s.get(Case, cid).grid_id == county.grid_ids["G100"]  # type: ignore[union-attr]
    from console.errors import InvalidTransition

    with pytest.raises(InvalidTransition):  # only while the case has no place
        execute(db, county.actors[Role.DISPATCHER], "attachments.place_from_photo", case_id=cid, sha256=added.sha256)


def test_types_by_content_not_name() -> None:
    settings = AttachmentSettings()
    assert prepare_bytes(png(), settings, name="scan.pdf").type == ContentType.PNG
    assert prepare_bytes(b"%PDF-1.7\n%...", settings, name="x.jpg").type == ContentType.PDF
    assert prepare_bytes(b"#!AMR\n" + b"\x00" * 40, settings).type == ContentType.AMR
    for bad, said in ((b"\x7fELF\x02\x01", "Linux executable"), (b"#!/bin/sh\nrm -rf /", "script"), (b"", "empty")):
        with pytest.raises(ValidationError, match=said):
            prepare_bytes(bad, settings, name="photo.jpg")


def test_strip_metadata_keeps_the_picture() -> None:
    photo = jpeg(gps=INSIDE)
    stripped = strip_metadata(photo, ContentType.JPEG)
    assert b"Exif" not in stripped[:2000] and len(stripped) < len(photo)
    a = Image.open(io.BytesIO(photo)).convert("RGB").tobytes()
    b = Image.open(io.BytesIO(stripped)).convert("RGB").tobytes()
    assert a == b


def test_preview_is_scaled_and_without_metadata(db: Database, county: MiniCounty) -> None:
    photo = jpeg(1600, 1200, gps=INSIDE, seed=21)
    cid = intake(db, county, [b64(photo)])
    sha = execute(db, county.actors[Role.WALL], "attachments.list", case_id=cid).value.attachments[0].sha256
    shown = execute(db, county.actors[Role.WALL], "attachments.preview", sha256=sha, px=400).value
    im = Image.open(io.BytesIO(shown))
    assert im.size == (400, 300) and dict(im.getexif()) == {}
    with pytest.raises(ValidationError):
        execute(db, county.actors[Role.WALL], "attachments.preview", sha256=sha, px=10)
