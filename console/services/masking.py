"""How a caller's phone and name are shown to each role: in full for the roles that call citizens back, masked for
the others (the wall, handlers) — in every view, export and report alike."""

from __future__ import annotations

from .actor import Action, Actor


def mask_phone(phone: str | None) -> str | None:
    """`13812345678` → `138****5678`; short numbers keep their first and last digit."""
    if not phone:
        return phone
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) <= 2:
        return "*" * len(phone)
    return phone[0] + "*" * (len(phone) - 2) + phone[-1]


def mask_name(name: str | None) -> str | None:
    """`张三丰` → `张**`: the first character stays (enough to greet the caller), the rest is hidden."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def caller_identity(phone: str | None, name: str | None, actor: Actor) -> tuple[str | None, str | None]:
    """The caller's phone and name as this actor may see them: in full for the roles that call citizens back, masked
    for the others (wall, handlers) — in every view, export and report alike."""
    if actor.may(Action.VIEW_PHONE):
        return phone, name
    return mask_phone(phone), mask_name(name)
