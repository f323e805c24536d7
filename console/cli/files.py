"""Reading an import file given on the command line: UTF-8 (a BOM is fine), errors as the command line's JSON."""

from __future__ import annotations

from pathlib import Path

from .context import CliError


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CliError({"error": "invalid", "field": "file", "message": f"file not found: {path}"}) from None
    except IsADirectoryError:
        raise CliError({"error": "invalid", "field": "file", "message": f"is a directory: {path}"}) from None
    except UnicodeDecodeError as exc:
        raise CliError({"error": "invalid", "field": "file", "message": f"not UTF-8 text: {exc.reason}"}) from None
