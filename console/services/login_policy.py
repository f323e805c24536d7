"""The login rules every console and the command line share: the password policy, the growing delay after failed
logins and the temporary lock. Settings come from the `[login]` table of the console's configuration file:

```toml
[login]
min_password_length = 8       # the password policy (new passwords; existing ones keep working)
require_letter_and_digit = false
free_failures = 3             # failures in a row before any delay
delay_s = 1.0                 # the first delay, doubled after each further failure …
max_delay_s = 30.0            # … up to this
lockout_failures = 10         # failures in a row that lock the name …
lockout_s = 900.0             # … for this long
forget_after_s = 900.0        # failures older than this no longer count
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from .errors import ValidationError
from .inputs import text_problem

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

    @classmethod
    def from_table(cls, table: Mapping[str, Any], prefix: str = "login") -> LoginSettings:
        """The settings of a `[login]` table: unknown keys and values of the wrong type or range are refused."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in table.items():
            field = f"{prefix}.{key}"
            if key not in known:
                raise ValidationError(field, f"unknown setting; expected some of {', '.join(known)}")
            default = getattr(cls(), key)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ValidationError(field, "must be true or false")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValidationError(field, "must be a number")
            elif isinstance(default, int) and not isinstance(value, int):
                raise ValidationError(field, "must be a whole number")
            elif not 0 <= value <= 10**7:
                raise ValidationError(field, "must be between 0 and 10000000")
            values[key] = value
        settings = cls(**values)
        if settings.min_password_length < 1 or settings.min_password_length > MAX_PASSWORD_LENGTH:
            raise ValidationError(f"{prefix}.min_password_length", f"must be between 1 and {MAX_PASSWORD_LENGTH}")
        if settings.lockout_failures < 1:
            raise ValidationError(f"{prefix}.lockout_failures", "must be at least 1")
        return settings

    def delay_after(self, failures: int) -> timedelta:
        """How long after its `failures`-th failure in a row a name must wait before the next attempt counts."""
        extra = failures - self.free_failures
        if extra <= 0:
            return timedelta(0)
        return timedelta(seconds=min(self.max_delay_s, self.delay_s * 2 ** min(extra - 1, 60)))

    def locks_after(self, failures: int) -> bool:
        return failures >= self.lockout_failures


def check_password(password: Any, *, name: str, settings: LoginSettings) -> str:
    """The password if it meets the policy, else a ValidationError of field `password` saying what is missing."""
    if not isinstance(password, str):
        raise ValidationError("password", "must be text")
    if len(password) < settings.min_password_length:
        raise ValidationError("password", f"at least {settings.min_password_length} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError("password", f"at most {MAX_PASSWORD_LENGTH} characters")
    problem = text_problem(password)
    if problem is not None:
        raise ValidationError("password", problem)
    if password.casefold() == name.casefold():
        raise ValidationError("password", "must not be the user name")
    if settings.require_letter_and_digit and not (
        any(c.isalpha() for c in password) and any(c.isdigit() for c in password)
    ):
        raise ValidationError("password", "must hold letters and digits")
    return password
