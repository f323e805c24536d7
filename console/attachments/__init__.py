"""Photos and evidence, before any database: what a file is by its content (magic bytes, never its name), reading it
within the size limit, checking and thumbnailing images, the EXIF position and its datum, stripping EXIF for export.

Qt-free and database-free: the services store what `prepare` returns (`console.services.attachments`)."""

from .content import (
    AttachmentTooLarge,
    ContentType,
    GpsFix,
    Prepared,
    prepare_bytes,
    prepare_path,
    prepare_source,
    strip_metadata,
)
from .settings import AttachmentSettings

__all__ = [
    "AttachmentSettings",
    "AttachmentTooLarge",
    "ContentType",
    "GpsFix",
    "Prepared",
    "prepare_bytes",
    "prepare_path",
    "prepare_source",
    "strip_metadata",
]
