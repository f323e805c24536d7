"""How operations find what they are asked about: a case by id or number, a unit by id or callsign, a department
or township by id or name. Unknown keys are `NotFound` naming the argument that held them, so the command line can
say which of its arguments was wrong."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import AssigneeKind
from ..errors import NotFound, ValidationError
from ..models import Case, Department, Township, Unit


def case_id(session: Session, case_id: int | None, number: str | None, *, field: str = "number") -> int:
    """The id of the case given by `case_id`, else by `number` (`field` names the argument that held it)."""
    if case_id is not None:
        return case_id
    if not number or not isinstance(number, str):
        raise ValidationError(field, "give a case number")
    found = session.scalar(select(Case.id).where(Case.number == number.strip()))
    if found is None:
        raise NotFound("case", number, field=field)
    return int(found)


def unit_id(session: Session, unit_id: int | None, callsign: str | None, *, field: str = "callsign") -> int:
    if unit_id is not None:
        return unit_id
    if not callsign or not isinstance(callsign, str):
        raise ValidationError(field, "give a unit's callsign")
    found = session.scalar(select(Unit.id).where(Unit.callsign == callsign.strip()))
    if found is None:
        raise NotFound("unit", callsign, field=field)
    return int(found)


def assignee_id(
    session: Session, kind: AssigneeKind, assignee_id: int | None, name: str | None, *, field: str = "name"
) -> int:
    """A department's or township's id, given directly or by its name."""
    if assignee_id is not None:
        return assignee_id
    if not name or not isinstance(name, str):
        raise ValidationError(field, f"give the {kind.value}'s name")
    model = Department if kind == AssigneeKind.DEPARTMENT else Township
    found = session.scalar(select(model.id).where(model.name == name.strip()))
    if found is None:
        raise NotFound(kind.value, name, field=field)
    return int(found)


def assignee_kind(value: str, *, field: str = "to") -> AssigneeKind:
    try:
        return AssigneeKind(value)
    except ValueError:
        raise ValidationError(field, "must be department or township") from None
