"""Service errors turned into clear, translated sentences for the dispatcher."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from console.ops import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ServiceError,
    UnitUnavailable,
    ValidationError,
)

from .labels import field_label
from .workers import DatabaseOffline, is_outage

CONTEXT = "Messages"


def offline_message() -> str:
    return QCoreApplication.translate(
        "Messages", "The database cannot be reached: nothing was saved. Your draft is kept; try again when it is back."
    )


def describe_error(exc: BaseException | None) -> str:
    if exc is None:
        return ""
    if isinstance(exc, DatabaseOffline) or (is_outage(exc) and not isinstance(exc, ServiceError)):
        return offline_message()
    if isinstance(exc, UnitUnavailable):
        callsign, held_by, case = exc.callsign, exc.held_by, exc.held_for_case
        if held_by:
            return QCoreApplication.translate(
                "Messages", "{unit} was just dispatched by {who} to case {case}. Choose another unit."
            ).format(unit=callsign, who=held_by, case=case or "?")
        return QCoreApplication.translate("Messages", "{unit} is no longer available. Choose another unit.").format(
            unit=callsign
        )
    if isinstance(exc, ValidationError):
        return QCoreApplication.translate("Messages", "{field}: {message}").format(
            field=field_label(exc.field), message=reason_text(exc.reason)
        )
    if isinstance(exc, PermissionDenied):
        return QCoreApplication.translate("Messages", "Your role may not do this ({action}).").format(
            action=exc.details.get("action", "")
        )
    if isinstance(exc, InvalidTransition):
        return QCoreApplication.translate(
            "Messages", "Not done: {what} {key} is now {state} (it may have changed at another workstation)."
        ).format(what=exc.details.get("what", ""), key=exc.details.get("key", ""), state=exc.state)
    if isinstance(exc, NotFound):
        return QCoreApplication.translate("Messages", "Not found: {what} {key}.").format(
            what=exc.details.get("what", ""), key=exc.details.get("key", "")
        )
    if isinstance(exc, Conflict | ServiceError):
        return exc.message
    return QCoreApplication.translate("Messages", "Unexpected error: {error}").format(
        error=str(exc) or type(exc).__name__
    )


def _reasons() -> list[tuple[str, Callable[[re.Match[str]], str]]]:
    """The reasons the core gives for bad input that a console user can meet in a form or a dialog, in the
    interface's language (the core's own words are English, for the command line and the logs). Built per call so
    that a language switched at run time applies; each text a literal the translation tool collects."""

    return [
        (r"is required( \(text\))?", lambda m: QCoreApplication.translate("ValidationReasons", "is required")),
        (r"must not be empty", lambda m: QCoreApplication.translate("ValidationReasons", "must not be empty")),
        (r"must be text", lambda m: QCoreApplication.translate("ValidationReasons", "must be text")),
        (r"must be a number.*", lambda m: QCoreApplication.translate("ValidationReasons", "must be a number")),
        (
            r"must be greater than 0",
            lambda m: QCoreApplication.translate("ValidationReasons", "must be greater than 0"),
        ),
        (
            r"contains (a )?control characters?.*",
            lambda m: QCoreApplication.translate("ValidationReasons", "contains control characters"),
        ),
        (r"is in the future", lambda m: QCoreApplication.translate("ValidationReasons", "is in the future")),
        (r"must be true or false", lambda m: QCoreApplication.translate("ValidationReasons", "must be yes or no")),
        (
            r"must be between (\S+) and (\S+)",
            lambda m: QCoreApplication.translate("ValidationReasons", "must be between {low} and {high}").format(
                low=m[1], high=m[2]
            ),
        ),
        (
            r"is too long \((\d+) characters; at most (\d+)\)",
            lambda m: QCoreApplication.translate(
                "ValidationReasons", "is too long ({count} characters; at most {limit})"
            ).format(count=m[1], limit=m[2]),
        ),
        (
            r"the image is too large \((\d+)×(\d+) pixels\)",
            lambda m: QCoreApplication.translate(
                "ValidationReasons", "the image is too large ({width}×{height} pixels)"
            ).format(width=m[1], height=m[2]),
        ),
        (
            r"the image is damaged or truncated.*",
            lambda m: QCoreApplication.translate("ValidationReasons", "the image is damaged or truncated"),
        ),
        (
            r"the content is not a valid (\S+) image",
            lambda m: QCoreApplication.translate("ValidationReasons", "the content is not a valid {kind} image").format(
                kind=m[1]
            ),
        ),
        (
            r"reference (.+) of (\S+) is already recorded",
            lambda m: QCoreApplication.translate("ValidationReasons", "reference {ref} is already recorded").format(
                ref=m[1]
            ),
        ),
    ]


def reason_text(reason: str) -> str:
    """A validation reason from the core in the interface's language; one it does not know stays as given."""
    for pattern, text in _reasons():
        match = re.fullmatch(pattern, reason)
        if match is not None:
            return text(match)
    return reason
