"""The `[alarm]` table of the console's file: what a new urgent case does at each role's console — which priorities
raise it, the bundled sound, the flashing queue row, the taskbar alert, and taking the map to the case when the
dispatcher is idle. The wall flashes only."""

from __future__ import annotations

from pydantic import Field

from ..enums import Priority, Role
from .base import Int, Section

Flag = bool


class RoleAlarm(Section):
    priorities: tuple[Priority, ...] = Field(
        (Priority.RED,), description="priorities of a new case that raise the alarm (red; add orange to have it too)"
    )
    sound: Flag = Field(True, strict=True, description="play the bundled alarm sound")
    flash: Flag = Field(True, strict=True, description="flash the case's row in the queue until acknowledged")
    taskbar: Flag = Field(True, strict=True, description="flash the console in the taskbar until acknowledged")
    follow_map: Flag = Field(True, strict=True, description="take the map to the case when the dispatcher is idle")
    idle_s: Int = Field(20, ge=1, le=3600, description="seconds without a key or click that count as idle")


class LeaderAlarm(RoleAlarm):
    priorities: tuple[Priority, ...] = Field(
        (Priority.RED, Priority.ORANGE), description="priorities of a new case that raise the alarm"
    )


class QuietAlarm(RoleAlarm):
    sound: Flag = Field(False, strict=True, description="play the bundled alarm sound")
    taskbar: Flag = Field(False, strict=True, description="flash the console in the taskbar until acknowledged")
    follow_map: Flag = Field(False, strict=True, description="take the map to the case when idle")


class AlarmSection(Section):
    dispatcher: RoleAlarm = Field(default_factory=RoleAlarm, description="the dispatcher's console")
    shift_leader: LeaderAlarm = Field(default_factory=LeaderAlarm, description="the shift leader's console")
    admin: QuietAlarm = Field(default_factory=QuietAlarm, description="the administrator's console (flash only)")
    handler: QuietAlarm = Field(default_factory=QuietAlarm, description="a department's console (flash only)")
    wall: QuietAlarm = Field(default_factory=QuietAlarm, description="the wall display (flash only, no sound)")

    def for_role(self, role: Role) -> RoleAlarm:
        alarm: RoleAlarm = getattr(self, role.value, self.dispatcher)
        return alarm
