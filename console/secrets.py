"""Secrets (tokens, passwords, API keys) that never show up in output, logs or stored error texts.

A `Secret` is pydantic's `SecretStr` (so the typed configuration holds its secrets as such) that also hides its value
from `repr`/`str`/formatting with `***` and cannot be pickled; `reveal()` is the one way to get it, used only where
the value goes on the wire. Every secret is also registered so that `redact()` and the `RedactingFilter` on the HTTP
loggers scrub it from texts that quote a URL or a header (exceptions of `requests` quote the URL with its query).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from pydantic import SecretStr

MASK = "***"

_known: set[str] = set()
_lock = threading.Lock()


class Secret(SecretStr):
    def __init__(self, secret_value: str) -> None:
        super().__init__(secret_value)
        if len(secret_value) >= 4:  # shorter values would blank out ordinary words when redacting
            with _lock:
                _known.add(secret_value)

    def reveal(self) -> str:
        return self.get_secret_value()

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.reveal() == self.reveal()

    def __hash__(self) -> int:
        return hash(("Secret", self.reveal()))

    def __reduce__(self) -> Any:  # never pickled in clear by accident
        raise TypeError("a Secret is not picklable")


def redact(text: str) -> str:
    """The text with every registered secret value replaced by ***."""
    with _lock:
        values = sorted(_known, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Scrubs registered secrets from log records (message and arguments) before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format: leave the record as it is
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        return True
