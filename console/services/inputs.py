"""Checks every value from outside (form, JSON, import file, feed) passes before it reaches a database, and the texts
the services take from people (a resolution, a reason, a note), the same way for the interface, the command line
and the feeds.

The same checks run whatever the database, so SQLite and PostgreSQL accept and refuse the same things: text fits
its column, holds no control characters (no NUL, ESC, BEL, …), no bidirectional controls (U+202E and its kin, which
make a text display in another order than it reads) and no lone surrogates (not Unicode at all); numbers are finite
and in range whatever their size; times have an offset and lie between `EARLIEST_TIME` and a little after now.
Each refusal is a `ValidationError` naming the field.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

from ..timeutil import CHINA_TZ, parse_iso8601
from .errors import ValidationError

#: Bidirectional formatting characters: embeddings, overrides, isolates and the invisible direction marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Nothing before this is a real time of this console's records (a case numbered `1900-000001` is a typing error).
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=CHINA_TZ)
#: How far ahead of the receiving clock a time may be (clocks of two machines differ a little).
MAX_AHEAD = timedelta(minutes=5)
#: Longer than any number or time written in text; longer input is refused before it is parsed.
MAX_NUMBER_TEXT = 64


def shown(value: Any, limit: int = 40) -> str:
    """A value as it may appear inside an error message: printable, one line, at most `limit` characters."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        text = repr(value)
    elif isinstance(value, int):
        text = repr(value) if abs(value) < 10**limit else f"a number of more than {limit} digits"
    else:  # a list or an object: its type, not its (possibly huge or deeply nested) content
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[:limit] + "…"
    return "".join(f"\\u{ord(ch):04x}" if text_problem(ch) is not None else ch for ch in text)


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """What is wrong with the characters of `value`, or None. Multi-line text may hold line feeds and tabs."""
    for ch in value:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code <= 0x9F:
            if multiline and ch in "\n\t":
                continue
            return f"contains a control character (U+{code:04X})"
        if ch in BIDI_CONTROLS:
            return f"contains a bidirectional control character (U+{code:04X}) that would display the text out of order"
        if 0xD800 <= code <= 0xDFFF:
            return f"contains a lone surrogate (U+{code:04X}), which is not a Unicode character"
    return None


def clean_outside_text(value: str, *, multiline: bool = False) -> str:
    """Text from an outside platform, which the console takes rather than loses a citizen's appeal over: control
    characters, bidirectional controls and lone surrogates removed (one-line text gets a space for a line break or
    tab; multi-line text keeps them)."""
    out = []
    for ch in value.replace("\r\n", "\n"):
        if text_problem(ch, multiline=multiline) is None:
            out.append(ch)
        elif ch in "\r\n\t":
            out.append("\n" if multiline else " ")
    return "".join(out)


def check_text(value: Any, field: str, *, max_len: int, required: bool = False, multiline: bool = False) -> str | None:
    """Text stripped of surrounding blanks, or None when absent (an error when `required`)."""
    if value is None:
        if required:
            raise ValidationError(field, "is required")
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    text: str = value.replace("\r\n", "\n").replace("\r", "\n") if multiline else value
    text = text.strip()
    if not text:
        if required:
            raise ValidationError(field, "must not be empty")
        return None
    if len(text) > max_len:
        raise ValidationError(field, f"is too long ({len(text)} characters; at most {max_len})")
    problem = text_problem(text, multiline=multiline)
    if problem is not None:
        raise ValidationError(field, problem)
    return text


def check_number(value: Any, field: str, *, low: float, high: float) -> float | None:
    """A finite number between `low` and `high` (a number, or text holding one), or None when absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError(field, "must be a number")
    if isinstance(value, str):
        if len(value) > MAX_NUMBER_TEXT:
            raise ValidationError(field, "must be a number (this text is far too long for one)")
        try:
            value = float(value)
        except ValueError:
            raise ValidationError(field, "must be a number") from None
    if not isinstance(value, int | float):
        raise ValidationError(field, "must be a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or not low <= number <= high:
        raise ValidationError(field, f"must be between {low:g} and {high:g}")
    return number


def check_time(value: Any, field: str, *, now: datetime) -> datetime | None:
    """An ISO 8601 time with an offset, between `EARLIEST_TIME` and `now + MAX_AHEAD`; None when absent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "must be an ISO 8601 text")
    if len(value) > MAX_NUMBER_TEXT:
        raise ValidationError(field, "is not a valid ISO 8601 time (far too long)")
    try:
        parsed = parse_iso8601(value)
    except (ValueError, OverflowError) as exc:  # OverflowError: a year 1 time moved to UTC leaves the calendar
        raise ValidationError(field, f"is not a valid ISO 8601 time: {exc}") from None
    return check_time_bounds(parsed, field, now=now)


def check_time_bounds(value: datetime, field: str, *, now: datetime) -> datetime:
    if value < EARLIEST_TIME:
        raise ValidationError(field, f"is before {EARLIEST_TIME.date().isoformat()}")
    if value > now + MAX_AHEAD:
        raise ValidationError(field, "is in the future")
    return value


def load_json(text: str, field: str = "file") -> Any:
    """JSON text parsed, every way it can fail refused naming `field`: syntax, nesting deeper than the parser goes,
    integers of more digits than Python converts."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(field, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ValidationError(field, "nested too deeply to be read") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ValidationError(field, f"not readable: {exc}") from None


#: The longest text a reason, result or note may be.
MAX_TEXT = 4000


def optional_text(value: object, field: str, *, max_len: int = MAX_TEXT) -> str | None:
    """A reason, result or note people write (several lines allowed): stripped text, or None when nothing was
    written; ValidationError naming `field` for a non-text, one too long, or one with control or bidirectional
    characters or lone surrogates."""
    return check_text(value, field, max_len=max_len, multiline=True)


def required_text(value: object, field: str, *, max_len: int = MAX_TEXT) -> str:
    text = optional_text(value, field, max_len=max_len)
    if text is None:
        raise ValidationError(field, "is required")
    return text
