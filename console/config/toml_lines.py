"""Where each key of a TOML text is: its line number, by the key's full path (array-of-tables entries by index).

Enough of TOML to place an error: table headers (`[a.b]`, `[[a.b]]`), `key = value` lines with bare, quoted and
dotted keys, comments, and values that run over several lines (arrays, inline tables, multi-line strings), whose
inner lines are skipped. Keys inside inline tables and arrays are placed on the line of the key that holds them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

Path = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _split_key(text: str) -> tuple[list[str], str] | None:
    """Parse a (dotted) key at the start of `text`; return its parts and the rest of the text, or None."""
    parts: list[str] = []
    i = 0
    while True:
        while i < len(text) and text[i] in " \t":
            i += 1
        if i >= len(text):
            return None
        ch = text[i]
        if ch in "\"'":
            end = i + 1
            while end < len(text) and text[end] != ch:
                end += 2 if ch == '"' and text[end] == "\\" else 1
            if end >= len(text):
                return None
            raw = text[i + 1 : end]
            parts.append(_unescape(raw) if ch == '"' else raw)
            i = end + 1
        else:
            match = _BARE.match(text, i)
            if match is None:
                return None
            parts.append(match.group())
            i = match.end()
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] == ".":
            i += 1
            continue
        return parts, text[i:]


def _unescape(raw: str) -> str:
    """A basic string's escapes (those TOML shares with JSON; anything else is kept as written)."""
    if "\\" not in raw:
        return raw
    try:
        value = json.loads(f'"{raw}"')
    except ValueError:
        return raw
    return value if isinstance(value, str) else raw


class _ValueScanner:
    """Follows a value over lines: open brackets and open multi-line strings mean the value goes on."""

    def __init__(self) -> None:
        self.depth = 0
        self.in_multiline: str | None = None

    @property
    def open(self) -> bool:
        return self.depth > 0 or self.in_multiline is not None

    def feed(self, text: str) -> None:
        i = 0
        while i < len(text):
            if self.in_multiline is not None:
                end = text.find(self.in_multiline, i)
                if end < 0:
                    return
                i = end + 3
                self.in_multiline = None
                continue
            ch = text[i]
            if ch == "#":
                return
            if text.startswith('"""', i) or text.startswith("'''", i):
                self.in_multiline = text[i : i + 3]
                i += 3
                continue
            if ch in "\"'":
                end = i + 1
                while end < len(text) and text[end] != ch:
                    end += 2 if ch == '"' and text[end] == "\\" else 1
                i = end + 1
                continue
            if ch in "[{":
                self.depth += 1
            elif ch in "]}":
                self.depth = max(0, self.depth - 1)
            i += 1


def key_lines(text: str) -> dict[Path, int]:
    """Every table and key of the text, by full path, with its (1-based) line number."""
    lines: dict[Path, int] = {}
    arrays: dict[Path, int] = {}  # array-of-tables path (with indices of outer arrays) -> index of its last entry
    table: Path = ()
    value = _ValueScanner()
    for number, line in enumerate(text.splitlines(), start=1):
        if value.open:
            value.feed(line)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            is_array = stripped.startswith("[[")
            parsed = _split_key(stripped[2 if is_array else 1 :])
            if parsed is None:
                continue
            keys = parsed[0]
            table = (*_resolve(keys[:-1], arrays), keys[-1]) if is_array else _resolve(keys, arrays)
            if is_array:
                index = arrays.get(table, -1) + 1
                arrays[table] = index
                lines.setdefault(table, number)
                table = (*table, index)
            lines.setdefault(table, number)
            continue
        parsed = _split_key(stripped)
        if parsed is None or not parsed[1].startswith("="):
            continue
        parts, rest = parsed
        path: Path = table
        for part in parts:
            path = (*path, part)
            lines.setdefault(path, number)
        value.feed(rest[1:])
    return lines


def _resolve(parts: Sequence[str], arrays: Mapping[Path, int]) -> Path:
    """A header's path, with the index of the current entry after each array of tables it passes through."""
    path: Path = ()
    for part in parts:
        path = (*path, part)
        if path in arrays:
            path = (*path, arrays[path])
    return path


def line_of(lines: Mapping[Path, int], loc: Sequence[str | int]) -> int | None:
    """The line of the deepest key of `loc` found in the text (the key itself, else the table or key holding it)."""
    path = tuple(loc)
    while path:
        if path in lines:
            return lines[path]
        # A single [a.b] table where the model takes a list of them ([[a.b]]) is read as its first entry.
        plain = tuple(p for p in path if not isinstance(p, int))
        if plain != path and plain in lines:
            return lines[plain]
        path = path[:-1]
    return None
