"""The three layouts — dispatcher, shift leader, wall — as dock arrangements, saved and restored per user.

`apply_layout` builds the default arrangement, then restores the user's own (`saveState`/`restoreState` under
`layouts/<user>/<layout>`), so moving a dock or detaching it to another monitor is remembered.

Each layout brings its own look (`LOOKS`: theme and type size), applied whenever the layout is shown, so the wall's
dark theme and large type never stay behind in the dispatcher's layout, after a switch or a restart. `fit_docks`
gives the docks their share of the window again when the window is resized a lot (a window squeezed and made big
again gets its docks back). The wall is the map with a band of figures and urgent cases on top, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QByteArray, QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow

from console.enums import Role

from .settings import STATE_VERSION, settings
from .theme import ThemeName, apply_theme


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
    WALL_BAND = "wall_band"
    PATROL = "patrol"
    READINESS = "readiness"
    PLAYBACK = "playback"
    PHOTO = "photo"  # the selected case's photo (the wall)
    FOLLOW_UP = "follow_up"  # leader-owned cases, violence-risk visits, screening campaigns


@dataclass(frozen=True)
class Look:
    """A layout's theme and type size (points)."""

    theme: ThemeName
    point_size: float


#: The look of each layout: calm light work layouts, a dark one with large type for the wall.
LOOKS: dict[Layout, Look] = {
    Layout.DISPATCHER: Look(ThemeName.LIGHT, 10.5),
    Layout.SHIFT_LEADER: Look(ThemeName.LIGHT, 10.5),
    Layout.WALL: Look(ThemeName.DARK, 15),
}


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
    # The map with the band of figures across the top; beside it, narrow, what the hall must see: the key sites'
    # readiness, the disputes awaiting their risk visit, the selected case's photo.
    Layout.WALL: (Dock.WALL_BAND, Dock.READINESS, Dock.FOLLOW_UP, Dock.PHOTO),
}

#: Share of the window each dock gets in the default arrangement: (dock, share of the width or height, orientation).
_H, _V = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
SHARES: dict[Layout, tuple[tuple[Dock, float, Qt.Orientation], ...]] = {
    Layout.DISPATCHER: (
        (Dock.INTAKE, 0.29, _H),
        (Dock.INTAKE, 0.45, _V),
        (Dock.CASE, 0.55, _V),
        (Dock.UNITS, 0.22, _H),
        (Dock.QUEUE, 0.30, _V),
    ),
    Layout.SHIFT_LEADER: (
        (Dock.SUPERVISION, 0.30, _H),
        (Dock.CASE, 0.26, _H),
        (Dock.QUEUE, 0.36, _V),
        (Dock.PATROL, 0.30, _V),
    ),
    Layout.WALL: ((Dock.WALL_BAND, 0.16, _V), (Dock.READINESS, 0.2, _H)),
}


def _key(user: str, layout: Layout, window: QMainWindow | None = None) -> str:
    """Where a user's own arrangement of a layout is kept: one for a wide screen and one for a narrow one (below
    LEADER_BOARD_COLUMN_MIN_WIDTH), so an arrangement made on a 1920-pixel screen is not forced onto a 1280 one."""
    base = f"layouts/{user}/{layout.value}"
    if window is None:
        return base
    return base + ("/wide" if (window.width() or 1920) >= LEADER_BOARD_COLUMN_MIN_WIDTH else "/narrow")


Add = Callable[[Qt.DockWidgetArea, Dock], QDockWidget | None]
L, R, B, T = (
    Qt.DockWidgetArea.LeftDockWidgetArea,
    Qt.DockWidgetArea.RightDockWidgetArea,
    Qt.DockWidgetArea.BottomDockWidgetArea,
    Qt.DockWidgetArea.TopDockWidgetArea,
)


def default_arrangement(window: QMainWindow, docks: dict[Dock, QDockWidget], layout: Layout) -> None:
    for dock in docks.values():
        dock.setFloating(False)
        window.removeDockWidget(dock)
    window.setCorner(Qt.Corner.BottomLeftCorner, L)
    window.setCorner(Qt.Corner.BottomRightCorner, R)
    shown = VISIBLE[layout]

    def add(area: Qt.DockWidgetArea, d: Dock) -> QDockWidget | None:
        dock = docks.get(d)
        if dock is None:
            return None
        window.addDockWidget(area, dock)
        dock.setVisible(d in shown)
        return dock

    {Layout.DISPATCHER: _dispatcher, Layout.SHIFT_LEADER: _shift_leader, Layout.WALL: _wall}[layout](window, add)
    fit_docks(window, docks, layout)


#: A wall narrower than this shows only the band and the map (the side column would leave the map too small).
WALL_SIDE_MIN_WIDTH = 1600
#: The wall's side column beside the map.
WALL_SIDE = (Dock.READINESS, Dock.FOLLOW_UP, Dock.PHOTO)
#: A window at least this tall shows two docks of a column one above the other; a shorter one puts them in tabs.
STACK_MIN_HEIGHT = 900


def _stack(window: QMainWindow, upper: QDockWidget, lower: QDockWidget) -> None:
    """`lower` under `upper` on a tall window; on a short one in a tab beside it (nothing squeezed below what it
    needs), `upper` in front."""
    if (window.height() or 1080) >= STACK_MIN_HEIGHT:
        window.splitDockWidget(upper, lower, Qt.Orientation.Vertical)
    else:
        window.tabifyDockWidget(upper, lower)
        upper.raise_()


def _dispatcher(window: QMainWindow, add: Add) -> None:
    intake, case = add(L, Dock.INTAKE), add(L, Dock.CASE)
    add(B, Dock.QUEUE)
    add(R, Dock.UNITS)
    for extra in (Dock.DASHBOARD, Dock.SUPERVISION, Dock.PATROL, Dock.READINESS, Dock.PHOTO, Dock.FOLLOW_UP):
        add(R, extra)
    add(B, Dock.PLAYBACK)
    if intake and case:
        window.splitDockWidget(intake, case, Qt.Orientation.Vertical)


#: A shift leader's window at least this wide has the board column left of the map; a narrower one keeps the board,
#: the day's patrol and the follow-ups in tabs beside the case on the right, so the map keeps a usable width.
LEADER_BOARD_COLUMN_MIN_WIDTH = 1600


def _shift_leader(window: QMainWindow, add: Add) -> None:
    # Left the leader's board (the day's patrol below it), right the case, the map between; across the whole bottom
    # the queue with the figures in a tab beside it. On a narrow window the board's column joins the case's.
    window.setCorner(Qt.Corner.BottomLeftCorner, B)
    window.setCorner(Qt.Corner.BottomRightCorner, B)
    wide = (window.width() or 1920) >= LEADER_BOARD_COLUMN_MIN_WIDTH
    board_side = L if wide else R
    sup = add(board_side, Dock.SUPERVISION)
    patrol, follow = add(board_side, Dock.PATROL), add(board_side, Dock.FOLLOW_UP)
    if wide and sup and patrol:  # the leader's board above, the day's patrol (with readiness, scrolling) below
        window.splitDockWidget(sup, patrol, Qt.Orientation.Vertical)
    add(B, Dock.PLAYBACK)
    for extra in (Dock.READINESS, Dock.PHOTO):
        add(R, extra)
    queue, dash = add(B, Dock.QUEUE), add(B, Dock.DASHBOARD)
    case, units = add(R, Dock.CASE), add(R, Dock.UNITS)
    add(L, Dock.INTAKE)
    if queue and dash:
        window.tabifyDockWidget(queue, dash)
        queue.raise_()
    if case and units:
        window.tabifyDockWidget(units, case)
    tabs_with = sup if wide else case  # owned cases, risk visits and campaigns: in a tab beside the board
    for beside in [follow] if wide else [sup, patrol, follow]:
        if tabs_with and beside:
            window.tabifyDockWidget(tabs_with, beside)
    if sup:
        sup.raise_()
    if case:
        case.raise_()


def _wall(window: QMainWindow, add: Add) -> None:
    # The map takes the screen; the band of figures and urgent cases runs across the top.
    window.setCorner(Qt.Corner.TopLeftCorner, T)
    window.setCorner(Qt.Corner.TopRightCorner, T)
    add(T, Dock.WALL_BAND)
    ready, follow, photo = add(R, Dock.READINESS), add(R, Dock.FOLLOW_UP), add(R, Dock.PHOTO)
    if ready and follow:
        window.splitDockWidget(ready, follow, Qt.Orientation.Vertical)
    if follow and photo:
        _stack(window, follow, photo)
    add(B, Dock.PLAYBACK)
    for extra in (Dock.DASHBOARD, Dock.QUEUE, Dock.UNITS, Dock.INTAKE, Dock.CASE, Dock.SUPERVISION, Dock.PATROL):
        add(R, extra)


def fit_docks(window: QMainWindow, docks: dict[Dock, QDockWidget], layout: Layout) -> None:
    """Give the layout's docks their share of the window's present size (never less than their contents need)."""
    width = window.width() or 1920
    height = window.height() or 1080
    if layout == Layout.WALL:  # a small wall keeps the map big: the side column shows from WALL_SIDE_MIN_WIDTH on
        for side in WALL_SIDE:
            dock = docks.get(side)
            if dock is not None and not dock.isFloating():
                dock.setVisible(width >= WALL_SIDE_MIN_WIDTH)
    for which, share, orientation in SHARES[layout]:
        dock = docks.get(which)
        if dock is None or dock.isHidden() or dock.isFloating():
            continue
        hint = dock.minimumSizeHint()
        need = hint.width() if orientation == Qt.Orientation.Horizontal else hint.height()
        size = max(need + 2, int((width if orientation == Qt.Orientation.Horizontal else height) * share))
        window.resizeDocks([dock], [size], orientation)


def apply_look(layout: Layout) -> None:
    """The layout's theme and type size for the whole application (nothing of another layout's look stays)."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        look = LOOKS[layout]
        apply_theme(app, look.theme, point_size=look.point_size)


#: A resize by more than this share of the width or height since the docks were last fitted fits them again.
REFIT_SHARE = 0.15


class DockFitter(QObject):
    """Watches a main window's size: after a large resize (and a short pause, so a drag is one refit) the layout's
    docks get their share of the new size, so a window squeezed and then made big again gets its docks back."""

    def __init__(self, window: QMainWindow, docks: dict[Dock, QDockWidget], layout: Layout) -> None:
        super().__init__(window)
        self.window = window
        self.docks = docks
        self.layout = layout
        self._fitted = QSize(window.size())
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.fit)
        window.installEventFilter(self)

    def set_layout(self, layout: Layout) -> None:
        self.layout = layout
        self._fitted = QSize(self.window.size())

    def fit(self) -> None:
        fit_docks(self.window, self.docks, self.layout)
        self._fitted = QSize(self.window.size())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Resize:
            size, last = self.window.size(), self._fitted
            if abs(size.width() - last.width()) > REFIT_SHARE * max(1, last.width()) or abs(
                size.height() - last.height()
            ) > REFIT_SHARE * max(1, last.height()):
                self._timer.start()
        return False


def apply_layout(window: QMainWindow, docks: dict[Dock, QDockWidget], layout: Layout, user: str) -> bool:
    """Arrange the docks for `layout`; True if the user's saved arrangement was restored over the default."""
    default_arrangement(window, docks, layout)
    store = settings()
    state = store.value(_key(user, layout, window) + "/state")
    saved = store.value(_key(user, layout, window) + "/version", 0)
    version = int(saved) if isinstance(saved, int | str) and str(saved).isdigit() else 0
    if isinstance(state, QByteArray) and version == STATE_VERSION:
        return bool(window.restoreState(state, STATE_VERSION))
    return False


def save_layout(window: QMainWindow, layout: Layout, user: str) -> None:
    store = settings()
    store.setValue(_key(user, layout, window) + "/state", window.saveState(STATE_VERSION))
    store.setValue(_key(user, layout, window) + "/version", STATE_VERSION)
    store.setValue(f"users/{user}/layout", layout.value)
    store.setValue(f"users/{user}/geometry", window.saveGeometry())
    store.sync()


def forget_layout(layout: Layout, user: str) -> None:
    store = settings()
    store.remove(_key(user, layout))
    store.sync()


def last_layout(user: str, default: Layout) -> Layout:
    """The work layout the user left (the wall is looked at, not worked in: a restart opens the user's own)."""
    value = settings().value(f"users/{user}/layout")
    try:
        layout = Layout(str(value)) if value else default
    except ValueError:
        return default
    return default if layout == Layout.WALL and default != Layout.WALL else layout
