"""Cases between the three levels: a village or township takes a case in its scope (就地化解), the level holding a
case sends it up one level with a reason (上交), and a level above sends it down to the township or village it lies
in. Each is one guarded step on the case's `level` (another workstation moving it first is told where it is now)
and writes its event.

Rules: a scoped user acts only on cases in its scope (`scope.check_case`). Taking: the case is held at the user's
level or below (a township takes over from its village); a case sent up is the upper level's until it sends it
down. Sending up: only the level holding the case, and the county has nothing above. Sending down: the level
holding it, to a level below its own, where the case is located (its township, its grid).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..enums import OPEN_CASE_STATUSES, EventKind, Level
from ..models import Case
from ..timeutil import utcnow
from . import scope
from .actor import Action, Actor
from .errors import InvalidTransition, ValidationError
from .guard import case_step
from .inputs import optional_text, required_text

_RANK = {Level.VILLAGE: 0, Level.TOWNSHIP: 1, Level.COUNTY: 2}


def _level(value: Level | str, field: str) -> Level:
    try:
        return Level(value)
    except ValueError:
        raise ValidationError(field, f"must be one of {', '.join(v.value for v in Level)}") from None


def _refuse(case: Case, action: str) -> InvalidTransition:
    return InvalidTransition("case", case.number, f"held at {case.level.value}", action)


def take_case(
    session: Session, *, case_id: int, actor: Actor, note: str | None = None, now: datetime | None = None
) -> Case:
    """就地化解: the user's village or township center takes the case to resolve it there."""
    actor.require(Action.MOVE_LEVEL)
    text = optional_text(note, "note")
    case = scope.check_case(session, actor, case_id)
    if not actor.scoped:
        raise ValidationError("level", "the county holds every case it has not sent down; send it down instead")
    if _RANK[case.level] > _RANK[actor.level]:
        raise _refuse(case, f"take it at {actor.level.value} (sent up; the upper level sends it down)")
    before = case.level
    return case_step(
        session,
        case_id=case_id,
        states=OPEN_CASE_STATUSES,
        action="take",
        actor=actor,
        now=now or utcnow(),
        event=EventKind.CASE_TAKEN_LOCALLY,
        payload={"from": before.value, "level": actor.level.value, "note": text},
        where=[Case.level == before],
        level=actor.level,
    )


def send_up(session: Session, *, case_id: int, reason: str, actor: Actor, now: datetime | None = None) -> Case:
    """上交: the level holding the case sends it one level up, with a reason."""
    actor.require(Action.MOVE_LEVEL)
    text = required_text(reason, "reason")
    case = scope.check_case(session, actor, case_id)
    above = case.level.up
    if above is None:
        raise _refuse(case, "send up (the county is the top level)")
    if actor.scoped and actor.level != case.level:
        raise _refuse(case, f"send up from {actor.level.value}")
    before = case.level
    return case_step(
        session,
        case_id=case_id,
        states=OPEN_CASE_STATUSES,
        action="send up",
        actor=actor,
        now=now or utcnow(),
        event=EventKind.CASE_SENT_UP,
        payload={"from": before.value, "to": above.value, "reason": text},
        where=[Case.level == before],
        level=above,
        sent_up=True,
    )


def send_down(
    session: Session,
    *,
    case_id: int,
    to: Level | str,
    actor: Actor,
    reason: str | None = None,
    now: datetime | None = None,
) -> Case:
    """The level holding the case sends it down to its township (or its village) to handle there."""
    actor.require(Action.MOVE_LEVEL)
    target = _level(to, "to")
    text = optional_text(reason, "reason")
    case = scope.check_case(session, actor, case_id)
    if actor.scoped and actor.level != case.level:
        raise _refuse(case, f"send down from {actor.level.value}")
    if _RANK[target] >= _RANK[case.level]:
        raise ValidationError("to", f"must be a level below {case.level.value}")
    if target == Level.TOWNSHIP and case.township_id is None:
        raise ValidationError("to", f"case {case.number} lies in no township; locate it first")
    if target == Level.VILLAGE and case.grid_id is None:
        raise ValidationError("to", f"case {case.number} lies in no grid; locate it first")
    before = case.level
    return case_step(
        session,
        case_id=case_id,
        states=OPEN_CASE_STATUSES,
        action="send down",
        actor=actor,
        now=now or utcnow(),
        event=EventKind.CASE_SENT_DOWN,
        payload={"from": before.value, "to": target.value, "reason": text},
        where=[Case.level == before],
        level=target,
    )
