"""The typed errors the services raise (defined once in `console.errors`, below every layer of the core)."""

from ..errors import (
    Conflict,
    InvalidTransition,
    LoginLocked,
    LoginRefused,
    LoginThrottled,
    NotFound,
    OutOfScope,
    PermissionDenied,
    ServiceError,
    UnitUnavailable,
    ValidationError,
)

__all__ = [
    "Conflict",
    "InvalidTransition",
    "LoginLocked",
    "LoginRefused",
    "LoginThrottled",
    "NotFound",
    "OutOfScope",
    "PermissionDenied",
    "ServiceError",
    "UnitUnavailable",
    "ValidationError",
]
