"""What every subcommand gets: the parsed arguments, the database, output helpers and terminal progress."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..db import Database
from ..services.actor import Actor
from ..services.errors import ServiceError
from ..services.login_policy import LoginSettings
from .database import open_database
from .errors import CliError

__all__ = ["CliContext", "CliError", "Progress"]


@dataclass
class CliContext:
    args: argparse.Namespace
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    _db: Database | None = None
    #: The actor `--user` authenticated as, once it has (a command logs in once, however often it asks).
    actor: Actor | None = None

    @property
    def db_url(self) -> str:
        from ..config import resolve_database_url

        try:
            return resolve_database_url(getattr(self.args, "db", None), getattr(self.args, "config", None))
        except ServiceError as exc:  # a configuration file that is missing or malformed
            raise CliError.from_service(exc) from None

    @property
    def db(self) -> Database:
        """The command's database. Only `init` may create one: every other command refuses a missing file, an
        empty one or one at another schema revision with the JSON error, and leaves nothing at the path."""
        if self._db is None:
            self._db = open_database(self.db_url, create=getattr(self.args, "command", None) == "init")
        return self._db

    @property
    def login_settings(self) -> LoginSettings:
        """The `[login]` table of the configuration file (defaults without one)."""
        from ..config import load_config

        try:
            return load_config(getattr(self.args, "config", None)).login
        except ServiceError as exc:
            raise CliError.from_service(exc) from None

    def open_output(self, path: str) -> TextIO:
        """An output file opened for writing (the caller closes it); one that cannot be made is refused naming
        `out`."""
        try:
            return Path(path).open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise CliError(
                {"error": "invalid", "field": "out", "message": f"cannot write {path}: {exc.strerror or exc}"}
            ) from None

    def print_json(self, data: Any) -> None:
        json.dump(data, self.out, ensure_ascii=False, indent=2, default=str)
        self.out.write("\n")

    @contextmanager
    def progress(self, label: str, total: int | None = None) -> Iterator[Progress]:
        bar = Progress(label, total, self.err)
        try:
            yield bar
        finally:
            bar.finish()

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


class Progress:
    """A one-line progress bar on a terminal (stderr); silent when stderr is not a terminal."""

    def __init__(self, label: str, total: int | None, stream: TextIO) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream
        self.enabled = stream.isatty()
        self._last_drawn = -1

    def set_total(self, total: int) -> None:
        self.total = total

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        if self.total:
            pct = int(100 * self.done / self.total)
            if pct == self._last_drawn and not force:
                return
            self._last_drawn = pct
            filled = pct * 30 // 100
            self.stream.write(
                f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {pct:3d}% {self.done}/{self.total}"
            )
        else:
            self.stream.write(f"\r{self.label} {self.done}")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
