"""Photos and evidence kept with a case: each file stored once by its sha256 (a row in `blobs` and its chunks), and
held by any number of cases (`case_attachments`). Files are checked and thumbnailed before the transaction
(`console.attachments.prepare_*`); storing is then a few inserts, in the transaction that records the event.

Two workstations storing the same file at the same moment: the blob insert is `ON CONFLICT DO NOTHING` on its hash,
so exactly one writes the chunks and the other waits for it (PostgreSQL) or for the write lock (SQLite)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..attachments import ContentType, Prepared, strip_metadata
from ..attachments.content import preview as make_preview
from ..enums import CaseStatus, EventKind
from ..events import record_event
from ..geo.gridindex import grid_index
from ..models import Blob, BlobChunk, Case, CaseAttachment
from ..models.attachments import CHUNK_BYTES
from ..timeutil import utcnow
from . import scope
from .actor import Action, Actor
from .errors import InvalidTransition, NotFound, ValidationError
from .masking import mask_name

SOURCES = ("intake", "open311", "field")


@dataclass(frozen=True, slots=True)
class AttachmentView:
    """An attachment as the case detail, the wall and the exports show it."""

    id: int
    case_id: int
    sha256: str
    type: str
    kind: str  # photo, audio or document
    bytes: int
    name: str | None  # masked for roles that may not see callers' data (a file name can carry a name)
    source: str
    added_by: str
    added_at: datetime
    width: int | None
    height: int | None
    has_thumbnail: bool
    lat: float | None  # the EXIF position (WGS-84) — only for roles that may see callers' data
    lon: float | None
    gps_datum: str | None
    gps_usable: bool

    def export(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "type": self.type,
            "bytes": self.bytes,
            "source": self.source,
            "name": self.name,
            "added_at": self.added_at.isoformat(),
            "lat": self.lat,
            "lon": self.lon,
        }


def _require_blob(session: Session, viewer: Actor | None, sha256: str) -> None:
    """A scoped user reaches a file only through a case in its scope (the same answer as an unknown file, so that a
    hash does not tell whether another township holds the file)."""
    if viewer is None or not viewer.scoped:
        return
    found = session.scalar(
        select(CaseAttachment.id)
        .join(Case, Case.id == CaseAttachment.case_id)
        .where(CaseAttachment.sha256 == sha256, scope.case_filter(viewer))
        .limit(1)
    )
    if found is None:
        raise NotFound("attachment", sha256, field="sha256")


def _insert(session: Session, model: Any) -> Any:
    return postgresql.insert(model) if session.get_bind().dialect.name == "postgresql" else sqlite.insert(model)


def store_blob(session: Session, prepared: Prepared, *, now: datetime | None = None) -> bool:
    """Store the file's content once; True when this call wrote it, False when it was already there."""
    data = prepared.data
    gps = prepared.gps
    n = (len(data) + CHUNK_BYTES - 1) // CHUNK_BYTES
    stmt = (
        _insert(session, Blob)
        .values(
            sha256=prepared.sha256,
            type=prepared.type.value,
            bytes=len(data),
            chunks=n,
            width=prepared.width,
            height=prepared.height,
            thumbnail=prepared.thumbnail,
            gps_lat=gps.lat if gps else None,
            gps_lon=gps.lon if gps else None,
            gps_datum=(gps.datum[:32] or "WGS-84") if gps else None,
            gps_usable=bool(gps and gps.usable),
            created_at=now or utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["sha256"])
        .returning(Blob.sha256)
    )
    if session.execute(stmt).scalar() is None:  # already stored (by this or another workstation)
        return False
    session.execute(
        insert(BlobChunk),
        [
            {"sha256": prepared.sha256, "seq": i, "data": data[i * CHUNK_BYTES : (i + 1) * CHUNK_BYTES]}
            for i in range(n)
        ],
    )
    return True


def add_attachment(
    session: Session,
    *,
    case_id: int,
    prepared: Prepared,
    source: str,
    actor: Actor,
    per_case: int = 20,
    now: datetime | None = None,
    action: Action = Action.NOTE,
) -> CaseAttachment:
    """Keep `prepared` with the case (the same file twice is kept once) and record `attachment_added`."""
    actor.require(action)
    scope.require_case(session, actor, case_id)
    if source not in SOURCES:
        raise ValidationError("source", f"must be one of {', '.join(SOURCES)}")
    now = now or utcnow()
    status = session.scalar(select(Case.status).where(Case.id == case_id))
    if status is None:
        raise NotFound("case", case_id)
    if status in (CaseStatus.MERGED, CaseStatus.INVALID):
        raise InvalidTransition("case", case_id, status.value, "attach a file")
    existing = session.scalars(
        select(CaseAttachment).where(CaseAttachment.case_id == case_id, CaseAttachment.sha256 == prepared.sha256)
    ).first()
    if existing is not None:
        return existing
    held = session.scalar(select(func.count(CaseAttachment.id)).where(CaseAttachment.case_id == case_id)) or 0
    if held >= per_case:
        raise ValidationError("attachments", f"a case keeps at most {per_case} files")
    store_blob(session, prepared, now=now)
    row = CaseAttachment(
        case_id=case_id,
        sha256=prepared.sha256,
        name=(prepared.name or "")[:200] or None,
        source=source,
        added_by=actor.name,
        added_at=now,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        EventKind.ATTACHMENT_ADDED,
        actor=actor.name,
        case_id=case_id,
        ts=now,
        payload={
            "sha256": prepared.sha256,
            "type": prepared.type.value,
            "bytes": prepared.size,
            "source": source,
        },
    )
    return row


def _masked_file_name(name: str | None) -> str | None:
    """`张三家门口.jpg` → `张****.jpg`: a file name can carry a caller's name; its type stays readable."""
    if not name:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 5:
        return mask_name(name)
    return f"{mask_name(stem)}.{suffix}"


def _view(a: CaseAttachment, b: Blob, viewer: Actor) -> AttachmentView:
    full = viewer.may(Action.VIEW_PHONE)
    return AttachmentView(
        id=a.id,
        case_id=a.case_id,
        sha256=a.sha256,
        type=b.type,
        kind=ContentType(b.type).kind,
        bytes=b.bytes,
        name=a.name if full else _masked_file_name(a.name),
        source=a.source,
        added_by=a.added_by,
        added_at=a.added_at,
        width=b.width,
        height=b.height,
        has_thumbnail=b.thumbnail is not None,
        lat=b.gps_lat if full else None,
        lon=b.gps_lon if full else None,
        gps_datum=b.gps_datum if full else None,
        gps_usable=b.gps_usable,
    )


def _rows(session: Session, *where: Any) -> Any:
    cols = [c for c in cast(Table, Blob.__table__).c if c.name != "thumbnail"]
    thumb = Blob.thumbnail.isnot(None).label("has_thumbnail")
    return session.execute(
        select(CaseAttachment, *cols, thumb)
        .join(Blob, Blob.sha256 == CaseAttachment.sha256)
        .where(*where)
        .order_by(CaseAttachment.case_id, CaseAttachment.id)
    )


def _view_row(row: Any, viewer: Actor) -> AttachmentView:
    a = row[0]
    blob = Blob(
        sha256=row.sha256,
        type=row.type,
        bytes=row.bytes,
        width=row.width,
        height=row.height,
        thumbnail=b"" if row.has_thumbnail else None,
        gps_lat=row.gps_lat,
        gps_lon=row.gps_lon,
        gps_datum=row.gps_datum,
        gps_usable=row.gps_usable,
    )
    return _view(a, blob, viewer)


def case_attachments(session: Session, case_id: int, *, viewer: Actor) -> list[AttachmentView]:
    """The case's attachments, oldest first (without their content)."""
    scope.require_case(session, viewer, case_id)
    return [_view_row(r, viewer) for r in _rows(session, CaseAttachment.case_id == case_id)]


def attachments_by_case(session: Session, case_ids: Any, *, viewer: Actor) -> dict[int, list[AttachmentView]]:
    """Attachments of many cases at once (`case_ids`: a list or a subquery of case ids), for exports."""
    out: dict[int, list[AttachmentView]] = {}
    for r in _rows(session, CaseAttachment.case_id.in_(case_ids)):
        view = _view_row(r, viewer)
        out.setdefault(view.case_id, []).append(view)
    return out


def thumbnail(session: Session, sha256: str, *, viewer: Actor | None = None) -> bytes | None:
    """The JPEG thumbnail of an image (None for recordings and documents)."""
    _require_blob(session, viewer, sha256)
    found = session.execute(select(Blob.thumbnail).where(Blob.sha256 == sha256)).first()
    if found is None:
        raise NotFound("attachment", sha256, field="sha256")
    thumb: bytes | None = found[0]
    return thumb


def content(session: Session, sha256: str, *, viewer: Actor) -> tuple[str, bytes]:
    """The file's type and bytes; EXIF, XMP and comments are stripped unless the viewer may see callers' data."""
    _require_blob(session, viewer, sha256)
    kind = session.scalar(select(Blob.type).where(Blob.sha256 == sha256))
    if kind is None:
        raise NotFound("attachment", sha256, field="sha256")
    chunks = session.scalars(select(BlobChunk.data).where(BlobChunk.sha256 == sha256).order_by(BlobChunk.seq))
    data = b"".join(chunks)
    if not viewer.may(Action.VIEW_PHONE):
        data = strip_metadata(data, ContentType(kind))
    return kind, data


def preview(session: Session, sha256: str, *, px: int, viewer: Actor | None = None) -> bytes | None:
    """An image scaled to at most `px` on its longer side, JPEG without metadata (None for other files)."""
    _require_blob(session, viewer, sha256)
    kind = session.scalar(select(Blob.type).where(Blob.sha256 == sha256))
    if kind is None:
        raise NotFound("attachment", sha256, field="sha256")
    if not ContentType(kind).is_image:
        return None
    chunks = session.scalars(select(BlobChunk.data).where(BlobChunk.sha256 == sha256).order_by(BlobChunk.seq))
    return make_preview(b"".join(chunks), px)


def place_offer(session: Session, case_id: int) -> tuple[float, float, str] | None:
    """The position a photo of the case offers (lat, lon, sha256), when the case has no place of its own."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", case_id)
    if case.lat is not None:
        return None
    row = _rows(session, CaseAttachment.case_id == case_id, Blob.gps_usable.is_(True)).first()
    return (row.gps_lat, row.gps_lon, row.sha256) if row else None


def place_from_photo(session: Session, *, case_id: int, sha256: str, actor: Actor, now: datetime | None = None) -> Case:
    """Take the case's place from its photo's EXIF position (WGS-84), only while the case has none."""
    actor.require(Action.INTAKE)
    scope.require_case(session, actor, case_id)
    now = now or utcnow()
    blob = session.scalars(
        select(Blob)
        .join(CaseAttachment, CaseAttachment.sha256 == Blob.sha256)
        .where(CaseAttachment.case_id == case_id, Blob.sha256 == sha256)
    ).first()
    if blob is None:
        raise NotFound("attachment", sha256, field="sha256")
    if not blob.gps_usable or blob.gps_lat is None or blob.gps_lon is None:
        raise ValidationError("sha256", "the photo has no usable WGS-84 position")
    hit = grid_index(session).locate(blob.gps_lat, blob.gps_lon)
    done = session.execute(
        update(Case)
        .where(Case.id == case_id, Case.lat.is_(None))
        .values(
            lat=blob.gps_lat,
            lon=blob.gps_lon,
            grid_id=hit.grid_id if hit else None,
            township_id=hit.township_id if hit else None,
            version=Case.version + 1,
            updated_at=now,
        )
    )
    if getattr(done, "rowcount", 0) != 1:
        raise InvalidTransition("case", case_id, "placed", "take its place from a photo")
    record_event(
        session,
        EventKind.CASE_PLACED_FROM_PHOTO,
        actor=actor.name,
        case_id=case_id,
        ts=now,
        payload={"sha256": sha256, "grid": hit.grid_code if hit else None},
    )
    case = session.get(Case, case_id)
    assert case is not None
    session.refresh(case)
    return case
