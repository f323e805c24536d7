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

from typing import Any

from ..config.login import MAX_PASSWORD_LENGTH, LoginSettings
from .errors import ValidationError
from .inputs import text_problem

__all__ = ["MAX_PASSWORD_LENGTH", "LoginSettings", "check_password"]


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
