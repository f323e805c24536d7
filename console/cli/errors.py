"""The command line's one error path: whatever fails becomes a JSON error on standard error and a documented exit
code, never a traceback (with `--verbose` the traceback is logged as well, for a bug report).

| code | `error` | meaning |
|---|---|---|
| 0 | | done |
| 1 | (per command) | done in part: `feeds --once` with a failing source, `tiles` stopped by its server, a question answered no |
| 2 | `invalid`, `not_found`, `invalid_state`, `forbidden`, `conflict`, … | bad input (arguments, files, JSON, values), a state that does not allow it, or a step the user's role may not take |
| 3 | `database_unavailable`, `database_missing`, `schema_missing`, `schema_outdated`, `schema_newer` | no usable database: unreachable, refused the login, no such file or database, no schema (run `init`), schema from another version |
| 4 | `unit_unavailable` | dispatch conflict: the unit is taken (the error names who holds it) |
| 5 | `database_busy` | locked by another writer for longer than the wait (SQLite: 10 s, tried 8 times), or conflicts that kept happening |
| 6 | `read_only` | the database takes no writes: read-only file, folder or mount, a hot standby |
| 7 | `disk_full` | no space left, for the database or for an output file |
| 8 | `unauthenticated`, `login_throttled`, `login_locked` | `--user` login refused: no password, a wrong one, too soon after failures, or locked |
| 9 | `internal` | an unexpected error (a bug): the message names it; please report it with `--verbose` |
| 130 | | interrupted (Ctrl-C) |
"""

from __future__ import annotations

import errno
import json
from enum import IntEnum
from typing import Any, TextIO

from ..db.faults import classify
from ..services.errors import LoginRefused, ServiceError, UnitUnavailable


class Exit(IntEnum):
    OK = 0
    PARTIAL = 1
    INVALID = 2
    UNAVAILABLE = 3
    CONFLICT = 4
    BUSY = 5
    READ_ONLY = 6
    DISK_FULL = 7
    UNAUTHENTICATED = 8
    INTERNAL = 9
    INTERRUPTED = 130


FAULT_EXIT = {
    "unavailable": Exit.UNAVAILABLE,
    "busy": Exit.BUSY,
    "read_only": Exit.READ_ONLY,
    "disk_full": Exit.DISK_FULL,
    "refused_value": Exit.INVALID,
}


class CliError(Exception):
    """A failure to report as JSON on stderr with a non-zero exit code."""

    def __init__(self, payload: dict[str, Any], exit_code: int = Exit.INVALID) -> None:
        super().__init__(payload.get("message", "error"))
        self.payload = payload
        self.exit_code = int(exit_code)

    @classmethod
    def from_service(cls, exc: ServiceError, exit_code: int | None = None) -> CliError:
        return cls(exc.as_dict(), service_exit(exc) if exit_code is None else exit_code)


def service_exit(exc: ServiceError) -> int:
    if isinstance(exc, UnitUnavailable):
        return Exit.CONFLICT
    if isinstance(exc, LoginRefused):
        return Exit.UNAUTHENTICATED
    return Exit.INVALID  # bad input, a state that does not allow it, a role that may not (`forbidden`)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:500] if text else type(exc).__name__


def _os_error(exc: OSError) -> CliError:
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or _first_line(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return CliError({"error": "disk_full", "message": f"{where}no space left ({reason})"}, Exit.DISK_FULL)
    if exc.errno == errno.EROFS:
        return CliError({"error": "read_only", "message": f"{where}read-only file system"}, Exit.READ_ONLY)
    if exc.filename:
        return CliError({"error": "invalid", "field": "file", "message": f"{where}{reason}"}, Exit.INVALID)
    return internal_error(exc)


def internal_error(exc: BaseException) -> CliError:
    return CliError(
        {"error": "internal", "type": type(exc).__name__, "message": f"unexpected error: {_first_line(exc)}"},
        Exit.INTERNAL,
    )


def to_cli_error(exc: BaseException) -> CliError:
    """The JSON error and exit code for anything a command raised."""
    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, ServiceError):
        return CliError.from_service(exc)
    fault = classify(exc)
    if fault is not None:
        return CliError({"error": fault.error, "message": fault.message}, FAULT_EXIT[fault.kind])
    if isinstance(exc, OSError):
        return _os_error(exc)
    if isinstance(exc, UnicodeError):
        return CliError({"error": "invalid", "field": "input", "message": f"not valid UTF-8 text: {_first_line(exc)}"})
    if isinstance(exc, RecursionError):
        return CliError({"error": "invalid", "field": "input", "message": "the input is nested too deeply"})
    return internal_error(exc)


def write_error(stream: TextIO, error: CliError) -> None:
    """One line of JSON; characters the stream cannot encode are escaped rather than lost in a second error."""
    try:
        stream.write(json.dumps(error.payload, ensure_ascii=False, default=str) + "\n")
    except UnicodeEncodeError:
        stream.write(json.dumps(error.payload, ensure_ascii=True, default=str) + "\n")
    stream.flush()
