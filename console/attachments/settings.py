"""The limits attachments are taken in with (the `[attachments]` table of the console's file makes them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AttachmentSettings:
    max_bytes: int = 20 * 1024 * 1024  # a photo from a phone is 2–8 MB; a voice note far less
    thumbnail_px: int = 256  # the longer side of a thumbnail
    max_pixels: int = 80_000_000  # larger images are refused (decompression bombs)
    per_case: int = 20  # attachments one case may hold
