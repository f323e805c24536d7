"""Texts the services take from people (a resolution, a reason, a note): checked once, here, the same way for the
interface, the command line and the feeds."""

from __future__ import annotations

from .errors import ValidationError

#: The longest text a reason, result or note may be.
MAX_TEXT = 4000


def optional_text(value: object, field: str, *, max_len: int = MAX_TEXT) -> str | None:
    """Stripped text, or None when nothing was written; ValidationError naming `field` for a non-text or one too
    long."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    text = value.strip()
    if len(text) > max_len:
        raise ValidationError(field, f"is too long (at most {max_len} characters)")
    return text or None


def required_text(value: object, field: str, *, max_len: int = MAX_TEXT) -> str:
    text = optional_text(value, field, max_len=max_len)
    if text is None:
        raise ValidationError(field, "is required")
    return text
