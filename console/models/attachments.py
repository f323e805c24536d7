"""Photos and evidence (migration 0011_evidence): each file stored once by its sha256 in chunks (the same table on
SQLite and PostgreSQL, so every workstation reads it from the shared database), and the cases that hold it."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, BigId, UTCDateTime, utcnow

#: Bytes per stored chunk: small enough for any driver's parameter, large enough for few rows per photo.
CHUNK_BYTES = 256 * 1024


class Blob(Base):
    """One file's content, by its sha256; `complete` once every chunk is written (in the same transaction)."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    bytes: Mapped[int] = mapped_column(Integer)
    chunks: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    thumbnail: Mapped[builtins.bytes | None] = mapped_column(LargeBinary)
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    gps_datum: Mapped[str | None] = mapped_column(String(32))
    gps_usable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlobChunk(Base):
    __tablename__ = "blob_chunks"

    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[builtins.bytes] = mapped_column(LargeBinary)


class CaseAttachment(Base):
    """A file a case holds, where it came from (intake, open311, field) and who added it."""

    __tablename__ = "case_attachments"
    __table_args__ = (
        UniqueConstraint("case_id", "sha256", name="uq_case_attachments_case_sha256"),
        Index("ix_case_attachments_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    name: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
