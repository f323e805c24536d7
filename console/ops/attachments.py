"""Photos and evidence: keep files with a case (from the field, the case detail's drop or paste), list them, show a
thumbnail or the file, and take the case's place from a photo's EXIF position. Files are read, checked by content
and thumbnailed before the write transaction (`console.attachments`), so the transaction is only the inserts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..attachments import AttachmentSettings, Prepared, prepare_source
from ..errors import ValidationError
from ..services import attachments
from ..services.actor import Action
from ..services.attachments import AttachmentView
from . import refs
from .changes import OpChanges, OpResult
from .registry import Kind, OpContext, operation
from .values import CaseState


@dataclass(frozen=True, slots=True)
class CaseFiles:
    case_id: int
    attachments: list[AttachmentView]
    #: The position a photo offers when the case has none: (lat, lon, sha256).
    place_offer: tuple[float, float, str] | None


def prepare_all(
    items: Any, settings: AttachmentSettings | None, *, field: str = "attachments", base_dir: str | None = None
) -> list[Prepared]:
    """Read and check every item (paths or base64), naming the bad one (`attachments[1].path`)."""
    if items is None:
        return []
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise ValidationError(field, "must be a list of paths or objects")
    settings = settings or AttachmentSettings()
    if len(items) > settings.per_case:
        raise ValidationError(field, f"a case keeps at most {settings.per_case} files")
    folder = Path(base_dir) if base_dir else None
    return [prepare_source(item, settings, field=f"{field}[{i}]", base_dir=folder) for i, item in enumerate(items)]


@operation("attachments.add", action=Action.NOTE)
def add(
    ctx: OpContext,
    *,
    files: Sequence[Any],
    case_id: int | None = None,
    number: str | None = None,
    source: str = "field",
    settings: AttachmentSettings | None = None,
    base_dir: str | None = None,
) -> OpResult[list[AttachmentView]]:
    """Keep files with a case (paths or base64; the same file is stored once)."""
    prepared = prepare_all(files, settings, field="files", base_dir=base_dir)
    if not prepared:
        raise ValidationError("files", "give at least one file")
    per_case = (settings or AttachmentSettings()).per_case

    def work(session: Session) -> list[AttachmentView]:
        cid = refs.case_id(session, case_id, number)
        for p in prepared:
            attachments.add_attachment(
                session, case_id=cid, prepared=p, source=source, actor=ctx.actor, per_case=per_case
            )
        session.flush()
        wanted = {p.sha256 for p in prepared}
        return [v for v in attachments.case_attachments(session, cid, viewer=ctx.actor) if v.sha256 in wanted]

    return ctx.write(work, changes=lambda views: OpChanges.of(cases=[v.case_id for v in views]))


@operation("attachments.list", action=None, kind=Kind.READ)
def list_(ctx: OpContext, *, case_id: int | None = None, number: str | None = None) -> OpResult[CaseFiles]:
    """The case's files (without their content) and the place a photo offers when the case has none."""

    def work(session: Session) -> CaseFiles:
        cid = refs.case_id(session, case_id, number)
        files = attachments.case_attachments(session, cid, viewer=ctx.actor)  # the scope is checked here first
        return CaseFiles(cid, files, attachments.place_offer(session, cid))

    return ctx.read(work)


@operation("attachments.thumbnail", action=None, kind=Kind.READ)
def thumbnail(ctx: OpContext, *, sha256: str) -> OpResult[bytes | None]:
    """An image's JPEG thumbnail (None for recordings and documents)."""
    return ctx.read(lambda s: attachments.thumbnail(s, sha256, viewer=ctx.actor))


@operation("attachments.preview", action=None, kind=Kind.READ)
def preview(ctx: OpContext, *, sha256: str, px: int = 1600) -> OpResult[bytes | None]:
    """An image scaled to at most `px` (64–4096) on its longer side, as JPEG without metadata: what the viewer and the
    wall show (None for recordings and documents)."""
    if not isinstance(px, int) or not 64 <= px <= 4096:
        raise ValidationError("px", "must be a whole number from 64 to 4096")
    return ctx.read(lambda s: attachments.preview(s, sha256, px=px, viewer=ctx.actor))


@operation("attachments.content", action=None, kind=Kind.READ)
def content(ctx: OpContext, *, sha256: str) -> OpResult[tuple[str, bytes]]:
    """The file (type, bytes); EXIF and other metadata stripped unless the role may see callers' data."""
    return ctx.read(lambda s: attachments.content(s, sha256, viewer=ctx.actor))


@operation("attachments.place_from_photo", action=Action.INTAKE)
def place_from_photo(
    ctx: OpContext, *, sha256: str, case_id: int | None = None, number: str | None = None
) -> OpResult[CaseState]:
    """Take the case's place (and grid) from its photo's EXIF position, while it has none."""

    def work(session: Session) -> CaseState:
        cid = refs.case_id(session, case_id, number)
        return CaseState.of(attachments.place_from_photo(session, case_id=cid, sha256=sha256, actor=ctx.actor))

    return ctx.write(work)
