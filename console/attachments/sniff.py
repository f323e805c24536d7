"""What a file is, from its first bytes (never from its name): the types a case may keep, and the executables and
scripts that are refused by name in the error."""

from __future__ import annotations

from enum import StrEnum


class ContentType(StrEnum):
    JPEG = "image/jpeg"
    PNG = "image/png"
    GIF = "image/gif"
    WEBP = "image/webp"
    MP3 = "audio/mpeg"
    WAV = "audio/wav"
    AMR = "audio/amr"
    M4A = "audio/mp4"
    OGG = "audio/ogg"
    PDF = "application/pdf"

    @property
    def is_image(self) -> bool:
        return self.value.startswith("image/")

    @property
    def kind(self) -> str:
        """photo, audio or document"""
        return "photo" if self.is_image else "audio" if self.value.startswith("audio/") else "document"


#: Enough of a file's start to tell what it is.
HEAD_BYTES = 64

_EXECUTABLES = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "a Linux executable"),
    (b"\xfe\xed\xfa\xce", "a macOS executable"),
    (b"\xfe\xed\xfa\xcf", "a macOS executable"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable"),
    (b"\xce\xfa\xed\xfe", "a macOS executable"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java executable"),
    (b"#!", "a script"),
    (b"PK\x03\x04", "an archive"),
)


def sniff(head: bytes) -> ContentType | str:
    """The content type of a file starting with `head`, or a sentence saying what it is and why it is refused."""
    if head.startswith(b"\xff\xd8\xff"):
        return ContentType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ContentType.PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ContentType.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ContentType.WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return ContentType.WAV
    if head.startswith(b"#!AMR"):
        return ContentType.AMR
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return ContentType.MP3
    if head[4:8] == b"ftyp" and head[8:12] in (b"M4A ", b"mp42", b"isom", b"3gp4", b"3gp5", b"M4B "):
        return ContentType.M4A
    if head.startswith(b"OggS"):
        return ContentType.OGG
    if head.startswith(b"%PDF-"):
        return ContentType.PDF
    for magic, what in _EXECUTABLES:
        if head.startswith(magic):
            return f"the content is {what}, not a photo, recording or document"
    if not head:
        return "the file is empty"
    return "unknown content: a case keeps photos (JPEG, PNG, GIF, WebP), recordings (MP3, WAV, AMR, M4A, Ogg) and PDF"
