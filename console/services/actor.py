"""Who acts: every service call names its actor; roles are checked here, in the core, not in the UI."""

from __future__ import annotations

from dataclasses import dataclass

from ..enums import Level, Role
from .errors import PermissionDenied
from .permissions import PERMISSIONS, Action

__all__ = ["PERMISSIONS", "SYSTEM", "Action", "Actor"]


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    role: Role
    user_id: int | None = None
    department_id: int | None = None
    township_id: int | None = None
    # Where the user belongs (migration 0010_levels): the county sees everything; a township user its township
    # (`township_id`), a village user its grid (`grid_id`). `console.services.scope` applies it.
    level: Level = Level.COUNTY
    grid_id: int | None = None

    @property
    def scoped(self) -> bool:
        return self.level != Level.COUNTY

    def may(self, action: Action) -> bool:
        return self.role in PERMISSIONS[action]

    def require(self, action: Action) -> None:
        if not self.may(action):
            raise PermissionDenied(action.value, self.role.value)


#: The actor of the command line, imports, the feed runner and the demo generator.
SYSTEM = Actor(name="system", role=Role.ADMIN)
