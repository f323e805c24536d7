"""The `[attachments]` table of the console's configuration file: how large a photo, recording or document a case
may keep, the thumbnails' size and how many files one case holds. `AttachmentSettings` (in console/attachments) is
what the core uses; this section is the table as the file gives it, with the bounds."""

from __future__ import annotations

from pydantic import Field

from ..attachments.settings import AttachmentSettings
from .base import Int, Section

_DEFAULT = AttachmentSettings()


class AttachmentsSection(Section):
    """Photos and evidence kept with the cases (in the shared database)."""

    max_bytes: Int = Field(
        _DEFAULT.max_bytes, ge=1024, le=200 * 1024 * 1024, description="the largest file a case may keep, in bytes"
    )
    thumbnail_px: Int = Field(_DEFAULT.thumbnail_px, ge=32, le=1024, description="the longer side of a thumbnail")
    max_pixels: Int = Field(
        _DEFAULT.max_pixels, ge=10_000, le=400_000_000, description="larger images are refused (decompression bombs)"
    )
    per_case: Int = Field(_DEFAULT.per_case, ge=1, le=1000, description="the most files one case may keep")

    def settings(self) -> AttachmentSettings:
        return AttachmentSettings(**self.model_dump())
