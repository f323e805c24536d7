"""A configuration error names the file, the key and the line: `console.toml line 7: feeds.traccar.interval_s: must
be a number`. It is a `ValidationError` (so the command line answers it with its JSON error and exit code 2, and the
console shows it) and a `ValueError` (what a bad table has always raised)."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel

from ..errors import ValidationError
from .base import FieldProblem
from .toml_lines import key_lines, line_of

Loc = tuple[str | int, ...]


class ConfigError(ValidationError, ValueError):
    """Bad configuration: `field` is the key's dotted path (`feeds.open311[0].name`), `file` and `line` where it is."""

    def __init__(self, field: str, reason: str, *, file: Path | None = None, line: int | None = None) -> None:
        where_known: dict[str, Any] = {"file": str(file)} if file else {}
        if line is not None:
            where_known["line"] = line
        super().__init__(field, reason, **where_known)
        where = file.name if file else ""
        if line is not None:
            where = f"{where} line {line}".strip()
        if where:
            self.message = f"{where}: {self.message}"
            self.args = (self.message,)
        self.file = file
        self.line = line


def dotted(loc: Sequence[str | int]) -> str:
    """('feeds', 'open311', 0, 'name') -> 'feeds.open311[0].name'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# Parts of pydantic's error locations that are not keys: union members (`str-enum[Category]`), validator wrappers
# (`function-after[...]`) and the marker of a bad dictionary key (`[key]`, after the key itself).
_TAG = re.compile(r"^([a-z0-9_-]+\[.*\]|\[key\])$")


def _clean(loc: Sequence[str | int]) -> Loc:
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part == "[key]":
            break
        if isinstance(part, str) and _TAG.match(part):
            continue
        out.append(part)
    return tuple(out)


_TYPE_MESSAGES = {
    "missing": "is required",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "string_type": "must be a text",
    "string_too_short": "must not be empty",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
}


def _message(error: Mapping[str, Any], model: type[BaseModel] | None, loc: Loc) -> str:
    kind = str(error.get("type", ""))
    if kind == "extra_forbidden":
        allowed = _keys_at(model, loc[:-1]) if model is not None else None
        return f"unknown key; expected one of {', '.join(sorted(allowed))}" if allowed else "unknown key"
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    text = str(error.get("msg", "is not valid"))
    if text.startswith("Value error, "):
        return text.removeprefix("Value error, ")
    text = text.replace("Input should be", "must be")
    if kind in ("enum", "literal_error"):
        return f"unknown value {error.get('input')!r}; {text}"
    return text


def _annotation_models(annotation: Any) -> list[type[BaseModel]]:
    """The models inside an annotation (through Optional, Annotated, list, tuple and dict values)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _annotation_models(args[0])
    if origin in (typing.Union, types.UnionType, list, tuple, dict):
        found: list[type[BaseModel]] = []
        for arg in args[1:] if origin is dict else args:
            found.extend(_annotation_models(arg))
        return found
    return []


def _keys_at(model: type[BaseModel], loc: Loc) -> list[str] | None:
    """The keys the table at `loc` may hold (None when `loc` does not lead to a model)."""
    current: type[BaseModel] = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return None
        inner = _annotation_models(field.annotation)
        if not inner:
            return None
        current = inner[0]
    return list(current.model_fields)


def from_pydantic(
    exc: pydantic.ValidationError,
    *,
    model: type[BaseModel] | None = None,
    file: Path | None = None,
    text: str | None = None,
    prefix: Loc = (),
) -> ConfigError:
    """The first problem pydantic found, as a ConfigError naming its key (and its file and line when known)."""
    error = exc.errors()[0]
    loc = _clean(error["loc"])
    problem = (error.get("ctx") or {}).get("error")
    if isinstance(problem, FieldProblem):
        loc = (*loc, *problem.loc)
        reason = problem.message
    else:
        reason = _message(error, model, loc)
    full = (*prefix, *loc)
    line = line_of(key_lines(text), full) if text is not None else None
    return ConfigError(dotted(full) or "config", reason, file=file, line=line)
