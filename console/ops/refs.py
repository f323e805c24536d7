"""How operations find what they are asked about: a case by id or number, a unit by id or callsign, a department
or township by id or name. Unknown keys are `NotFound` naming the argument that held them, so the command line can
say which of its arguments was wrong."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import AssigneeKind
from ..errors import NotFound, ValidationError
from ..models import Case, Department, Township, Unit


def _by_key(session: Session, key_column: Any, key: str | None, what: str, field: str) -> int:
    """The id of the row whose `key_column` is `key`; NotFound (naming `field`) when there is none."""
    if not key or not isinstance(key, str):
        raise ValidationError(field, f"give the {what}")
    found = session.scalar(select(key_column.table.c.id).where(key_column == key.strip()))
    if found is None:
        raise NotFound(what, key, field=field)
    return int(found)


def case_id(session: Session, case_id: int | None, number: str | None, *, field: str = "number") -> int:
    """The id of the case given by `case_id`, else by `number` (`field` names the argument that held it)."""
    return case_id if case_id is not None else _by_key(session, Case.number, number, "case", field)


def unit_id(session: Session, unit_id: int | None, callsign: str | None, *, field: str = "callsign") -> int:
    return unit_id if unit_id is not None else _by_key(session, Unit.callsign, callsign, "unit", field)


def assignee_id(
    session: Session, kind: AssigneeKind, assignee_id: int | None, name: str | None, *, field: str = "name"
) -> int:
    """A department's or township's id, given directly or by its name."""
    if assignee_id is not None:
        return assignee_id
    column = Department.name if kind == AssigneeKind.DEPARTMENT else Township.name
    return _by_key(session, column, name, kind.value, field)


def assignee_kind(value: str, *, field: str = "to") -> AssigneeKind:
    try:
        return AssigneeKind(value)
    except ValueError:
        raise ValidationError(field, "must be department or township") from None
