"""Where this process's events come from, written into each event's payload while it is set.

The command line sets it for the length of a command: `{"program": "dispatch-console intake", "os_user": …,
"host": …}`. An action of the `system` actor (no `--user`) is then recorded as what it is — whoever holds the
database's own credentials, on that machine and under that operating-system account — never as a person.
"""

from __future__ import annotations

import getpass
import socket
from typing import Any

#: The origin in force (one per process: worker threads write events too).
_state: dict[str, dict[str, str] | None] = {"origin": None}


def local_origin(program: str) -> dict[str, str]:
    """The operating-system user and host running `program` (each "unknown" when the system cannot say)."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment nor in the password database
        os_user = "unknown"
    try:
        host = socket.gethostname() or "unknown"
    except OSError:
        host = "unknown"
    return {"program": program, "os_user": os_user, "host": host}


def set_origin(origin: dict[str, str] | None) -> None:
    """Record `origin` in every event this process writes from now on (None: stop)."""
    _state["origin"] = dict(origin) if origin is not None else None


def with_origin(payload: dict[str, Any]) -> dict[str, Any]:
    origin = _state["origin"]
    if origin is None or "origin" in payload:
        return payload
    return {**payload, "origin": origin}
