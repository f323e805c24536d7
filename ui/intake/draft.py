"""The intake draft, saved locally as it is typed (a JSON file, written atomically) and restored after a crash or
a database outage. Only a successful save clears it."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class DraftStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_user(cls, data_dir: Path, user: str) -> DraftStore:
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in user) or "user"
        return cls(data_dir / "drafts" / f"intake-{safe}.json")

    def save(self, data: dict[str, Any]) -> None:
        """Write the whole draft to a temporary file beside it, then rename it over the old one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".draft-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not save the intake draft: %s", exc)
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def load(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring an unreadable intake draft: %s", exc)
            return None
        return data if isinstance(data, dict) else None

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
