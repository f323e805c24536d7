"""Every command of the console, declared once: text, shortcut, the role action that allows it, and what it needs.

The main window creates the QActions from this table and connects their `triggered` signals; `update_enabled`
sets each action's enabled state from the console's situation: the role, whether the database answers, and for a
step on the selected case or unit, whether the core's table (`console.ops.CASE_RULES`, `UNIT_TRANSITIONS`) allows
it in that case's or unit's state — the same table the services build their guards from. Nothing is decided here
that the core does not decide too; the services enforce it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from console.enums import UnitStatus
from console.ops import Action, Actor, CaseAction, CaseFacts, case_action_allowed, unit_status_allowed

CONTEXT = "Actions"


class ActionId(Enum):
    NEW_INTAKE = auto()
    SAVE = auto()
    SAVE_AND_DISPATCH = auto()
    MERGE_DUPLICATE = auto()
    DISPATCH_NEAREST = auto()
    SEARCH = auto()
    UNIT_EN_ROUTE = auto()
    UNIT_ON_SCENE = auto()
    UNIT_CLEAR = auto()
    FILE_FROM_PATROL = auto()
    RESOLVE = auto()
    ESCALATE = auto()
    OWN_CASE = auto()
    FOLLOW_UP_DONE = auto()
    FLAG_RISK = auto()
    LAYOUT_DISPATCHER = auto()
    LAYOUT_SHIFT_LEADER = auto()
    LAYOUT_WALL = auto()
    RESET_LAYOUT = auto()
    FULLSCREEN = auto()
    FIT_MAP = auto()
    ACK_ALARM = auto()
    PICK_PLACE = auto()
    LOCK = auto()
    FOLLOW_SELECTION = auto()
    WALL_WINDOW = auto()
    QUIT = auto()


class Needs(Enum):
    NOTHING = auto()
    DATABASE = auto()  # a write: disabled while the database is unreachable
    CASE = auto()  # a write about the selected case, in a state that allows it
    UNIT = auto()  # a write about the selected unit, in a state that allows it


@dataclass(frozen=True)
class ActionSpec:
    text: object  # the English source text, from QT_TRANSLATE_NOOP (typed `object` by PySide6), translated when shown
    shortcuts: tuple[str, ...] = ()
    role: Action | None = None
    needs: Needs = Needs.NOTHING
    menu: str = "console"
    case_action: CaseAction | None = None  # with Needs.CASE: the step on the selected case
    unit_status: UnitStatus | None = None  # with Needs.UNIT: the status the selected unit is moved to


SPECS: dict[ActionId, ActionSpec] = {
    ActionId.NEW_INTAKE: ActionSpec(QT_TRANSLATE_NOOP("Actions", "New appeal"), ("F2",), Action.INTAKE, menu="case"),
    ActionId.SAVE: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Save appeal"), ("Ctrl+S",), Action.INTAKE, Needs.DATABASE, "case"
    ),
    ActionId.SAVE_AND_DISPATCH: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Save and dispatch nearest"),
        ("Ctrl+Return", "Ctrl+Enter", "Ctrl+Shift+S"),
        Action.DISPATCH,
        Needs.DATABASE,
        "case",
    ),
    ActionId.MERGE_DUPLICATE: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Save merged into the selected duplicate"),
        ("Ctrl+M",),
        Action.MERGE,
        Needs.DATABASE,
        "case",
    ),
    ActionId.DISPATCH_NEAREST: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Dispatch nearest unit"),
        ("F5",),
        Action.DISPATCH,
        Needs.CASE,
        "case",
        case_action=CaseAction.DISPATCH,
    ),
    ActionId.SEARCH: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Search the queue"), ("Ctrl+F",), menu="view"),
    ActionId.UNIT_EN_ROUTE: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Unit en route"),
        ("F6",),
        Action.UNIT_STATUS,
        Needs.UNIT,
        "unit",
        unit_status=UnitStatus.EN_ROUTE,
    ),
    ActionId.UNIT_ON_SCENE: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Unit on scene"),
        ("F7",),
        Action.UNIT_STATUS,
        Needs.UNIT,
        "unit",
        unit_status=UnitStatus.ON_SCENE,
    ),
    ActionId.UNIT_CLEAR: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Unit clear (available)"),
        ("F8",),
        Action.UNIT_STATUS,
        Needs.UNIT,
        "unit",
        unit_status=UnitStatus.AVAILABLE,
    ),
    ActionId.FILE_FROM_PATROL: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "File from patrol…"), ("F9",), Action.INTAKE, Needs.UNIT, "unit"
    ),
    ActionId.RESOLVE: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Resolve case…"),
        ("Ctrl+R",),
        Action.RESOLVE,
        Needs.CASE,
        "case",
        case_action=CaseAction.RESOLVE,
    ),
    ActionId.ESCALATE: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Escalate case…"),
        ("Ctrl+E",),
        Action.ESCALATE,
        Needs.CASE,
        "case",
        case_action=CaseAction.ESCALATE,
    ),
    ActionId.OWN_CASE: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Leader owns case (包案)…"),
        ("Ctrl+Shift+O",),
        Action.ESCALATE,
        Needs.CASE,
        "case",
        case_action=CaseAction.OWN,
    ),
    ActionId.FOLLOW_UP_DONE: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Follow-up visit or callback done…"),
        ("Ctrl+Shift+V",),
        Action.NOTE,
        Needs.CASE,
        "case",
        case_action=CaseAction.FOLLOW_UP,
    ),
    ActionId.FLAG_RISK: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Flag violence risk (民转刑)…"),
        ("Ctrl+Shift+R",),
        Action.ESCALATE,
        Needs.CASE,
        "case",
        case_action=CaseAction.FLAG_RISK,
    ),
    ActionId.LAYOUT_DISPATCHER: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Dispatcher layout"), ("Ctrl+1",), menu="view"),
    ActionId.LAYOUT_SHIFT_LEADER: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Shift leader layout"), ("Ctrl+2",), menu="view"
    ),
    ActionId.LAYOUT_WALL: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Wall layout"), ("Ctrl+3",), menu="view"),
    ActionId.RESET_LAYOUT: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Reset this layout"), (), menu="view"),
    ActionId.FULLSCREEN: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Full screen"), ("F11",), menu="view"),
    ActionId.FIT_MAP: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Show the whole county"), ("Ctrl+0",), menu="view"),
    ActionId.ACK_ALARM: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Acknowledge alarm"), ("F4",), menu="case"),
    ActionId.PICK_PLACE: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Pick the call's place on the map"), ("F3",), Action.INTAKE, menu="case"
    ),
    ActionId.LOCK: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Hand over and lock (交接班)"), ("Ctrl+L",), menu="console"),
    ActionId.FOLLOW_SELECTION: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Map follows the selected case"), ("Ctrl+Shift+F",), menu="view"
    ),
    ActionId.WALL_WINDOW: ActionSpec(
        QT_TRANSLATE_NOOP("Actions", "Wall on another screen"), ("Ctrl+Shift+3",), menu="view"
    ),
    ActionId.QUIT: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Quit"), ("Ctrl+Q",), menu="console"),
}


@dataclass(frozen=True)
class Situation:
    """What the enabled-rules look at: who, whether the database answers, the selected case's facts and the
    selected unit's status (None: nothing selected, or not known yet)."""

    actor: Actor
    online: bool
    case: CaseFacts | None = None
    unit: UnitStatus | None = None


def allowed(spec: ActionSpec, situation: Situation) -> bool:
    role = situation.actor.role
    if spec.role is not None and not situation.actor.may(spec.role):
        return False
    if spec.needs != Needs.NOTHING and not situation.online:
        return False  # the banner says why; nothing can be saved until the database is back
    if spec.needs == Needs.CASE:
        if situation.case is None:
            return False
        return spec.case_action is None or case_action_allowed(role, spec.case_action, situation.case)
    if spec.needs == Needs.UNIT:
        if situation.unit is None:
            return False
        return spec.unit_status is None or unit_status_allowed(role, situation.unit, spec.unit_status)
    return True


class Actions:
    """The QActions of one window, by id."""

    def __init__(self, parent: QWidget, actor: Actor) -> None:
        self.actor = actor
        self.by_id: dict[ActionId, QAction] = {}
        for action_id, spec in SPECS.items():
            action = QAction(QCoreApplication.translate(CONTEXT, str(spec.text)), parent)
            action.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            action.setVisible(spec.role is None or actor.may(spec.role))
            parent.addAction(action)
            self.by_id[action_id] = action
        self.by_id[ActionId.FULLSCREEN].setCheckable(True)
        self.by_id[ActionId.FOLLOW_SELECTION].setCheckable(True)
        self.by_id[ActionId.FOLLOW_SELECTION].setChecked(True)

    def __getitem__(self, action_id: ActionId) -> QAction:
        return self.by_id[action_id]

    def update_enabled(self, situation: Situation) -> None:
        for action_id, action in self.by_id.items():
            action.setEnabled(allowed(SPECS[action_id], situation))

    def in_menu(self, menu: str) -> list[QAction]:
        return [self.by_id[i] for i, spec in SPECS.items() if spec.menu == menu and self.by_id[i].isVisible()]
