"""The `[login]` table of the console's configuration file: the password policy, the growing delay after failed
logins and the temporary lock (enforced by `console.services.login` for every console and the command line).

`LoginSettings` is what the services use; `LoginSection` is the table as the file gives it, with the bounds, and
makes the settings. The defaults are written once, in `LoginSettings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pydantic import Field, StrictBool, model_validator

from .base import FieldProblem, Float, Int, Section

#: Longer passwords are refused (hashing megabytes of text would make every login slow).
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class LoginSettings:
    min_password_length: int = 8
    require_letter_and_digit: bool = False
    free_failures: int = 3
    delay_s: float = 1.0
    max_delay_s: float = 30.0
    lockout_failures: int = 10
    lockout_s: float = 900.0
    forget_after_s: float = 900.0

    def delay_after(self, failures: int) -> timedelta:
        """How long after its `failures`-th failure in a row a name must wait before the next attempt counts."""
        extra = failures - self.free_failures
        if extra <= 0:
            return timedelta(0)
        return timedelta(seconds=min(self.max_delay_s, self.delay_s * 2 ** min(extra - 1, 60)))

    def locks_after(self, failures: int) -> bool:
        return failures >= self.lockout_failures


_DEFAULT = LoginSettings()
_DAY = 86_400.0


class LoginSection(Section):
    """Who may log in, and how failed logins slow down and lock a name (shared by every console through the database)."""

    min_password_length: Int = Field(
        _DEFAULT.min_password_length, ge=1, le=MAX_PASSWORD_LENGTH, description="the password policy for new passwords"
    )
    require_letter_and_digit: StrictBool = Field(
        _DEFAULT.require_letter_and_digit, description="new passwords must hold letters and digits"
    )
    free_failures: Int = Field(_DEFAULT.free_failures, ge=0, le=1000, description="failures in a row before any delay")
    delay_s: Float = Field(
        _DEFAULT.delay_s, ge=0, le=_DAY, description="the first delay, doubled after each further failure"
    )
    max_delay_s: Float = Field(_DEFAULT.max_delay_s, ge=0, le=_DAY, description="the longest delay")
    lockout_failures: Int = Field(
        _DEFAULT.lockout_failures, ge=1, le=1000, description="failures in a row that lock the name"
    )
    lockout_s: Float = Field(_DEFAULT.lockout_s, ge=0, le=30 * _DAY, description="how long a locked name stays locked")
    forget_after_s: Float = Field(
        _DEFAULT.forget_after_s, ge=0, le=30 * _DAY, description="failures older than this no longer count"
    )

    @model_validator(mode="after")
    def _delays_in_order(self) -> LoginSection:
        if self.max_delay_s < self.delay_s:
            raise FieldProblem(("max_delay_s",), "must not be less than delay_s")
        return self

    def settings(self) -> LoginSettings:
        return LoginSettings(**self.model_dump())
