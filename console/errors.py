"""The core's typed errors. Each names what was wrong so that every front end can say it clearly.

They sit below every layer of the core (services, geo, configuration raise them alike); `console.services.errors`
is where the services import them from.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base of every error a service raises on purpose. `code` is stable, `message` is English for logs/CLI."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.details}


class ValidationError(ServiceError):
    """Bad input; `field` names it (e.g. `caller_phone`, or `[3].lat` for the fourth item of a list)."""

    code = "invalid"

    def __init__(self, field: str, message: str, **details: Any) -> None:
        super().__init__(f"{field}: {message}", field=field, **details)
        self.field = field
        self.reason = message


class NotFound(ServiceError):
    """Nothing of that kind with that key. `field` names the input that held the key, when there was one (the
    command line's `number`, `--into`, `--name` …)."""

    code = "not_found"

    def __init__(self, what: str, key: object, *, field: str | None = None) -> None:
        extra = {"field": field} if field else {}
        super().__init__(f"{what} not found: {key}", what=what, key=str(key), **extra)
        self.field = field


class PermissionDenied(ServiceError):
    code = "forbidden"

    def __init__(self, action: str, role: str) -> None:
        super().__init__(f"role {role!r} may not {action}", action=action, role=role)


class OutOfScope(PermissionDenied):
    """The object lies outside the acting user's scope (a township or village user asking about another township's
    case, unit or assignment). Says which object and which scope; never what the object holds."""

    code = "out_of_scope"

    def __init__(self, what: str, key: object, scope: str) -> None:
        ServiceError.__init__(
            self, f"{what} {key} is outside the scope of {scope}", what=what, key=str(key), scope=scope
        )


class InvalidTransition(ServiceError):
    """The object is not in a state that allows the action (it may have changed at another workstation)."""

    code = "invalid_state"

    def __init__(self, what: str, key: object, state: str, action: str) -> None:
        super().__init__(
            f"{what} {key} is {state}; cannot {action}", what=what, key=str(key), state=state, action=action
        )
        self.state = state


class UnitUnavailable(ServiceError):
    """Dispatch lost: the unit is not available. Says who holds it and for which case, when known."""

    code = "unit_unavailable"

    def __init__(
        self,
        callsign: str,
        status: str,
        held_by: str | None = None,
        held_for_case: str | None = None,
    ) -> None:
        who = f" (dispatched by {held_by} to case {held_for_case})" if held_by else ""
        super().__init__(
            f"unit {callsign} is {status}{who}",
            callsign=callsign,
            status=status,
            held_by=held_by,
            held_for_case=held_for_case,
        )
        self.callsign = callsign
        self.status = status
        self.held_by = held_by
        self.held_for_case = held_for_case


class Conflict(ServiceError):
    """Someone else changed the record first (version mismatch)."""

    code = "conflict"


class LoginRefused(ServiceError):
    """A login (console or `--user`) that did not succeed. Never says whether the name or the password was wrong."""

    code = "unauthenticated"

    def __init__(self, message: str = "wrong user name or password", **details: Any) -> None:
        super().__init__(message, **details)


class LoginThrottled(LoginRefused):
    """Too soon after a failed login of this name: the attempt was not checked. Try again after `retry_after_s`."""

    code = "login_throttled"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after_s} s", retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s


class LoginLocked(LoginRefused):
    """The name is locked for a while after too many failed logins in a row."""

    code = "login_locked"

    def __init__(self, retry_after_s: int, locked_until: str) -> None:
        super().__init__(
            f"locked after too many failed logins; try again in {retry_after_s} s (at {locked_until})",
            retry_after_s=retry_after_s,
            locked_until=locked_until,
        )
        self.retry_after_s = retry_after_s
