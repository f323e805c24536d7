"""Service errors turned into clear, translated sentences for the dispatcher."""

from __future__ import annotations

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
            field=field_label(exc.field), message=exc.reason
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
