"""The three layouts — dispatcher, shift leader, wall — as dock arrangements, saved and restored per user.

`apply_layout` builds the default arrangement, then restores the user's own (`saveState`/`restoreState` under
`layouts/<user>/<layout>`), so moving a dock or detaching it to another monitor is remembered.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

from console.enums import Role

from .settings import STATE_VERSION, settings


class Layout(StrEnum):
    DISPATCHER = "dispatcher"
    SHIFT_LEADER = "shift_leader"
    WALL = "wall"


class Dock(StrEnum):
    INTAKE = "intake"
    CASE = "case"
    QUEUE = "queue"
    UNITS = "units"
    DASHBOARD = "dashboard"
    SUPERVISION = "supervision"
    PATROL = "patrol"
    READINESS = "readiness"
    PLAYBACK = "playback"
    PHOTO = "photo"  # the selected case's photo (the wall)
    FOLLOW_UP = "follow_up"  # leader-owned cases, violence-risk visits, screening campaigns


def layout_for_role(role: Role) -> Layout:
    if role == Role.WALL:
        return Layout.WALL
    if role in (Role.SHIFT_LEADER, Role.ADMIN):
        return Layout.SHIFT_LEADER
    return Layout.DISPATCHER


#: Which docks each layout shows.
VISIBLE: dict[Layout, tuple[Dock, ...]] = {
    Layout.DISPATCHER: (Dock.INTAKE, Dock.CASE, Dock.QUEUE, Dock.UNITS),
    Layout.SHIFT_LEADER: (
        Dock.CASE,
        Dock.QUEUE,
        Dock.UNITS,
        Dock.DASHBOARD,
        Dock.SUPERVISION,
        Dock.PATROL,
        Dock.FOLLOW_UP,
    ),
    Layout.WALL: (Dock.QUEUE, Dock.UNITS, Dock.DASHBOARD, Dock.READINESS, Dock.PHOTO, Dock.FOLLOW_UP),
}


def _key(user: str, layout: Layout) -> str:
    return f"layouts/{user}/{layout.value}"


def default_arrangement(window: QMainWindow, docks: dict[Dock, QDockWidget], layout: Layout) -> None:  # noqa: C901, PLR0912, PLR0915
    L, R, B = (
        Qt.DockWidgetArea.LeftDockWidgetArea,
        Qt.DockWidgetArea.RightDockWidgetArea,
        Qt.DockWidgetArea.BottomDockWidgetArea,
    )
    for dock in docks.values():
        dock.setFloating(False)
        window.removeDockWidget(dock)
    window.setCorner(Qt.Corner.BottomLeftCorner, L)
    window.setCorner(Qt.Corner.BottomRightCorner, R)
    shown = VISIBLE[layout]
    width = window.width() or 1920
    height = window.height() or 1080

    def add(area: Qt.DockWidgetArea, d: Dock) -> QDockWidget | None:
        dock = docks.get(d)
        if dock is None:
            return None
        window.addDockWidget(area, dock)
        dock.setVisible(d in shown)
        return dock

    if layout == Layout.DISPATCHER:
        intake, case = add(L, Dock.INTAKE), add(L, Dock.CASE)
        queue, units = add(B, Dock.QUEUE), add(R, Dock.UNITS)
        for extra in (Dock.DASHBOARD, Dock.SUPERVISION, Dock.PATROL, Dock.READINESS, Dock.PHOTO, Dock.FOLLOW_UP):
            add(R, extra)
        add(B, Dock.PLAYBACK)
        if intake and case:
            window.splitDockWidget(intake, case, Qt.Orientation.Vertical)
            window.resizeDocks([intake, case], [int(height * 0.4), int(height * 0.6)], Qt.Orientation.Vertical)
            window.resizeDocks([intake], [int(width * 0.29)], Qt.Orientation.Horizontal)
        if units:
            window.resizeDocks([units], [int(width * 0.2)], Qt.Orientation.Horizontal)
        if queue:
            window.resizeDocks([queue], [int(height * 0.32)], Qt.Orientation.Vertical)
    elif layout == Layout.SHIFT_LEADER:
        # Left the leader's board, right the case, the map between; across the whole bottom the queue with the
        # figures in a tab beside it.
        window.setCorner(Qt.Corner.BottomLeftCorner, B)
        window.setCorner(Qt.Corner.BottomRightCorner, B)
        sup = add(L, Dock.SUPERVISION)
        queue, dash = add(B, Dock.QUEUE), add(B, Dock.DASHBOARD)
        case, units = add(R, Dock.CASE), add(R, Dock.UNITS)
        add(L, Dock.INTAKE)
        patrol = add(L, Dock.PATROL)
        add(L, Dock.READINESS)
        add(B, Dock.PLAYBACK)
        if sup and patrol:  # the leader's board above, the patrol panel (with the readiness figure) below
            window.splitDockWidget(sup, patrol, Qt.Orientation.Vertical)
            window.resizeDocks([sup, patrol], [int(height * 0.3), int(height * 0.3)], Qt.Orientation.Vertical)
        add(R, Dock.PHOTO)
        follow = add(L, Dock.FOLLOW_UP)
        if sup and follow:
            window.tabifyDockWidget(sup, follow)
            sup.raise_()
        if queue and dash:
            window.tabifyDockWidget(queue, dash)
            queue.raise_()
        if sup:
            window.resizeDocks([sup], [int(width * 0.3)], Qt.Orientation.Horizontal)
        if case and units:
            window.tabifyDockWidget(units, case)
            case.raise_()
            window.resizeDocks([case], [int(width * 0.25)], Qt.Orientation.Horizontal)
        if queue:
            window.resizeDocks([queue], [int(height * 0.38)], Qt.Orientation.Vertical)
    else:
        dash, queue, units = add(L, Dock.DASHBOARD), add(B, Dock.QUEUE), add(R, Dock.UNITS)
        for extra in (Dock.INTAKE, Dock.CASE, Dock.SUPERVISION, Dock.PATROL):
            add(R, extra)
        ready = add(L, Dock.READINESS)
        add(B, Dock.PLAYBACK)
        if dash and ready:  # the readiness figure under the figures
            window.splitDockWidget(dash, ready, Qt.Orientation.Vertical)
            window.resizeDocks([dash, ready], [int(height * 0.75), int(height * 0.2)], Qt.Orientation.Vertical)
        photo = add(R, Dock.PHOTO)
        if units and photo:
            window.splitDockWidget(units, photo, Qt.Orientation.Vertical)
        follow = add(L, Dock.FOLLOW_UP)
        if dash and follow:
            window.splitDockWidget(dash, follow, Qt.Orientation.Vertical)
        if dash:
            window.resizeDocks([dash], [int(width * 0.22)], Qt.Orientation.Horizontal)
        if units:
            window.resizeDocks([units], [int(width * 0.2)], Qt.Orientation.Horizontal)
        if queue:
            window.resizeDocks([queue], [int(height * 0.3)], Qt.Orientation.Vertical)


def apply_layout(window: QMainWindow, docks: dict[Dock, QDockWidget], layout: Layout, user: str) -> bool:
    """Arrange the docks for `layout`; True if the user's saved arrangement was restored over the default."""
    default_arrangement(window, docks, layout)
    store = settings()
    state = store.value(_key(user, layout) + "/state")
    version = int(store.value(_key(user, layout) + "/version", 0) or 0)
    if isinstance(state, QByteArray) and version == STATE_VERSION:
        return bool(window.restoreState(state, STATE_VERSION))
    return False


def save_layout(window: QMainWindow, layout: Layout, user: str) -> None:
    store = settings()
    store.setValue(_key(user, layout) + "/state", window.saveState(STATE_VERSION))
    store.setValue(_key(user, layout) + "/version", STATE_VERSION)
    store.setValue(f"users/{user}/layout", layout.value)
    store.setValue(f"users/{user}/geometry", window.saveGeometry())
    store.sync()


def forget_layout(layout: Layout, user: str) -> None:
    store = settings()
    store.remove(_key(user, layout))
    store.sync()


def last_layout(user: str, default: Layout) -> Layout:
    value = settings().value(f"users/{user}/layout")
    try:
        return Layout(str(value)) if value else default
    except ValueError:
        return default
