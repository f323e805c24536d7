"""A small TOML writer for the values a configuration holds (tables, text, numbers, booleans, lists)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def dumps_toml(data: Mapping[str, Any]) -> str:
    lines: list[str] = []
    _write_table(lines, data, [])
    return "\n".join(lines).strip() + "\n"


def _write_table(lines: list[str], table: Mapping[str, Any], prefix: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not _is_table(v) and not _is_table_list(v)}
    tables = {k: v for k, v in table.items() if _is_table(v)}
    table_lists = {k: v for k, v in table.items() if _is_table_list(v)}
    if prefix and (scalars or not (tables or table_lists)):
        lines.append("")
        lines.append("[" + ".".join(_key(p) for p in prefix) + "]")
    for key, value in scalars.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in tables.items():
        _write_table(lines, value, [*prefix, key])
    for key, entries in table_lists.items():
        for entry in entries:
            lines.append("")
            lines.append("[[" + ".".join(_key(p) for p in [*prefix, key]) + "]]")
            nested = {k: v for k, v in entry.items() if _is_table(v)}
            for k, v in entry.items():
                if k not in nested:
                    lines.append(f"{_key(k)} = {_value(v)}")
            for k, v in nested.items():  # sub-tables as inline tables: they belong to this entry
                lines.append(f"{_key(k)} = {_inline(v)}")


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping)


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _key(key: str) -> str:
    if key and all(c.isalnum() or c in "-_" for c in key) and key.isascii():
        return key
    return _string(key)


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    escaped = "".join(c if ord(c) >= 0x20 else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def _inline(table: Mapping[str, Any]) -> str:
    items = ", ".join(f"{_key(k)} = {_inline(v) if _is_table(v) else _value(v)}" for k, v in table.items())
    return "{ " + items + " }" if items else "{}"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Path):
        return _string(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
