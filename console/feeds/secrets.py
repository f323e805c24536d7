"""The feeds' side of secrets: the log filter on the loggers that may quote URLs or headers. `Secret`, `redact`
and `RedactingFilter` live in the core (`console.secrets`), where the typed configuration holds its secrets."""

from __future__ import annotations

import logging

from ..secrets import MASK, RedactingFilter, Secret, redact

__all__ = ["MASK", "RedactingFilter", "Secret", "install_log_filter", "redact"]

_FILTER = RedactingFilter()


def install_log_filter() -> None:
    """Attach the filter to the loggers that may quote URLs or headers (idempotent)."""
    names = ("urllib3", "urllib3.connectionpool", "requests", "console.feeds")
    ours = ("http", "traccar", "open311", "runner", "tiles", "health")
    for name in (*names, *(f"console.feeds.{n}" for n in ours)):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
