"""What `export cases` says of each case's files: `attachments`, each with `sha256`, `type` and `bytes` (and where it
came from, when it was added; its name and EXIF position only for roles that may see callers' data). The files
themselves are written one by one with `case file SHA256 --out FILE`, EXIF stripped for the other roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Case
from ..services.actor import Actor
from ..services.attachments import attachments_by_case
from .serialize import CASE_FIELDS

CASE_EXPORT_FIELDS = [*CASE_FIELDS, "attachments"]


def case_files(session: Session, since: datetime | None, viewer: Actor) -> dict[int, list[dict[str, Any]]]:
    """The exported cases' attachments by case id (one query; attachments are far fewer than cases)."""
    ids = select(Case.id)
    if since is not None:
        ids = ids.where(Case.received_at >= since)
    found = attachments_by_case(session, ids, viewer=viewer)
    return {case_id: [v.export() for v in views] for case_id, views in found.items()}


def attachments_cell(files: list[dict[str, Any]]) -> str:
    """One CSV cell: `sha256:type:bytes` for each file, joined by `;`."""
    return ";".join(f"{f['sha256']}:{f['type']}:{f['bytes']}" for f in files)
