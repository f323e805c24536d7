"""The main window: wires the docks, the actions and the components together. Nothing else lives here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QVBoxLayout, QWidget

from console.config.alarm import AlarmSection, RoleAlarm
from console.enums import Role, UnitStatus
from console.live import LiveDiff
from console.ops import Action, CaseFacts, CountyView, PlaceName
from console.views import CaseView

from . import shift
from .actions import ActionId, Actions, Situation
from .alarm import AlarmController
from .case_detail import CaseDetailPanel
from .case_detail.attachments import CasePhoto
from .dashboard import KpiDashboard
from .dock_scroll import VerticalScroll
from .intake import DraftStore, IntakeForm
from .labels import label
from .layouts import Dock, DockFitter, Layout, apply_layout, apply_look, forget_layout, save_layout
from .map_link import MapLink
from .panels_link import DashboardLink, SupervisionLink
from .patrol import PatrolLink, PatrolPanel, PlaybackBar, ReadinessFigure
from .patrol.filing import PatrolFilingDialog
from .queue import QueueModel, QueueWidget
from .session import ConsoleSession
from .supervision import SupervisionBoardWidget
from .supervision.follow_ups import FollowUpBoard
from .units import UnitBoard
from .wall import WallBand, WallWindow, open_wall_window
from .workers import file_changed_text


class MainWindow(QMainWindow):
    switchUserRequested = Signal()  # the handover note was written: lock and let the next user log in

    def __init__(
        self,
        session: ConsoleSession,
        drafts: DraftStore,
        *,
        layout: Layout,
        map_widget: QWidget | None = None,
        alarm: RoleAlarm | None = None,
    ):
        super().__init__()
        self.session = session
        self.layout_name = layout
        self.setWindowTitle(
            self.tr("County dispatch console — %1 (%2)")
            .replace("%1", session.actor.name)
            .replace("%2", label(session.actor.role))
        )
        self.setDockOptions(
            QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )

        state = session.state
        self.queue = QueueWidget(QueueModel(state.cases), session.selection, actor_name=session.actor.name)
        self.units = UnitBoard(
            state.units,
            session.selection,
            case_number=lambda cid: state.cases[cid].number if cid in state.cases else "",
        )
        self.case = CaseDetailPanel(session)
        self.intake = IntakeForm(session, drafts)

        # Centre: outage banner over the map.
        self.banner = QLabel()
        self.banner.setObjectName("outageBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.map = map_widget or _placeholder_map()
        self.map_link = MapLink(session, self.map, self)
        centre = QWidget()
        box = QVBoxLayout(centre)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.banner)
        box.addWidget(self.map, 1)
        self.setCentralWidget(centre)

        self.docks: dict[Dock, QDockWidget] = {}
        if session.may(Action.INTAKE):  # offered by role (the intake operation checks it again)
            self._dock(Dock.INTAKE, self.tr("Intake"), self.intake, scroll=True)
        self._dock(Dock.CASE, self.tr("Case"), self.case, scroll=True)
        self._dock(Dock.QUEUE, self.tr("Queue"), self.queue)
        self._dock(Dock.UNITS, self.tr("Units"), self.units)
        self.dashboard = KpiDashboard(rotating=layout == Layout.WALL)
        self._dock(Dock.DASHBOARD, self.tr("Figures"), self.dashboard, scroll=True)
        self.wall_window: WallWindow | None = None  # the wall on another screen, when opened
        self._county: CountyView | None = None
        #: Makes a map for a second window (the wall on another screen); the console sets its live map's maker.
        self.map_factory: Callable[[], QWidget | None] = lambda: None
        self.wall_band = WallBand()
        self._dock(Dock.WALL_BAND, self.tr("Wall"), self.wall_band)
        self.docks[Dock.WALL_BAND].setTitleBarWidget(QWidget())  # a band, not a panel: no title bar
        self.dashboard_link = DashboardLink(
            session, self.dashboard, self._filter_from_dashboard, self, also=self._figures
        )
        if session.may(Action.ASSIGN):  # the shift leader's board
            self.supervision = SupervisionBoardWidget()
            self._dock(Dock.SUPERVISION, self.tr("Supervision"), self.supervision)
            self.supervision_link = SupervisionLink(session, self.supervision, self._open_case, self)

        self._patrol_docks(session)
        self.photo = CasePhoto(session)  # the selected case's photo (shown on the wall)
        self._dock(Dock.PHOTO, self.tr("Photo"), self.photo)
        self.follow_ups = FollowUpBoard(session)  # leader-owned cases, violence-risk visits, campaigns
        self._dock(Dock.FOLLOW_UP, self.tr("Follow-ups"), self.follow_ups)

        self.actions_ = Actions(self, session.actor)
        self._menus()
        self.quit_confirmed = False  # set once quitting during a half-typed call was confirmed
        self.quit_box: QWidget | None = None
        self.handover_dialog: QWidget | None = None
        self.last_handover: QWidget | None = None
        self.alarm = AlarmController(
            session, self, self.queue.model, alarm or AlarmSection().for_role(session.actor.role), parent=self
        )
        self._connect()
        self.sync_label = QLabel()
        self.feed_label = QLabel()
        self.statusBar().addPermanentWidget(self.feed_label)
        self.statusBar().addPermanentWidget(self.sync_label)
        self.statusBar().showMessage(self.tr("Loading the open cases and units…"))
        self._update_actions()
        apply_layout(self, self.docks, layout, session.actor.name)
        self._map_look(layout)
        self.dock_fitter = DockFitter(self, self.docks, layout)

    # -- building -------------------------------------------------------------------------------------------------

    def _dock(self, which: Dock, title: str, widget: QWidget, *, scroll: bool = False) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{which.value}")
        if scroll:  # tall forms scroll up and down in a small dock, never sideways (nothing cut)
            widget = VerticalScroll(widget)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.docks[which] = dock

    def _patrol_docks(self, session: ConsoleSession) -> None:
        """巡防: the patrol panel (shift-leader layout), the key-site readiness figure (wall), track playback."""
        self.readiness = ReadinessFigure()
        self._dock(Dock.READINESS, self.tr("Key-site readiness"), self.readiness, scroll=True)
        self.playback = PlaybackBar()
        self._dock(Dock.PLAYBACK, self.tr("Track playback"), self.playback)
        # Everyone sees the day's patrol; reviewing and relocating are offered by role (the operations check again).
        self.patrol = PatrolPanel(
            may_review=session.may(Action.REVIEW_PATROL),
            may_relocate=session.may(Action.RELOCATE),
            may_plan=session.may(Action.MANAGE_PATROL),
        )
        self._dock(Dock.PATROL, self.tr("Patrol"), self.patrol, scroll=True)
        self.patrol.playbackRequested.connect(lambda _id: self._show_dock(Dock.PLAYBACK))
        self.patrol_link = PatrolLink(
            session,
            panel=self.patrol,
            figures=[self.readiness],
            map_widget=self.map,
            playback=self.playback,
            parent=self,
        )
        self.case.recommended.tree.currentItemChanged.connect(self._route_of_picked_unit)

    def _route_of_picked_unit(self, item: Any, _previous: Any) -> None:
        """A recommendation picked in the case detail: its way to the case on the map."""
        if item is not None and self.session.selection.case_id:
            self.patrol_link.route_to_unit(self.session.selection.case_id, int(item.data(0, Qt.ItemDataRole.UserRole)))

    def file_from_patrol(self) -> None:
        """F9: the selected unit files what it found (`patrol.file`)."""
        unit = self.session.state.units.get(self.session.selection.unit_id)
        if unit is None:
            return
        dialog = PatrolFilingDialog(unit.callsign, self)
        if dialog.exec() == PatrolFilingDialog.DialogCode.Accepted:
            self.patrol_link.file_report(unit.id, dialog.values())

    def _show_dock(self, which: Dock) -> None:
        dock = self.docks.get(which)
        if dock is not None:
            dock.show()
            dock.raise_()

    def _menus(self) -> None:
        bar = self.menuBar()
        for menu_name, title in (
            ("console", self.tr("&Console")),
            ("case", self.tr("C&ase")),
            ("unit", self.tr("&Unit")),
            ("view", self.tr("&View")),
        ):
            menu = bar.addMenu(title)
            for action in self.actions_.in_menu(menu_name):
                menu.addAction(action)
            if menu_name == "view":
                menu.addSeparator()
                for dock in self.docks.values():
                    menu.addAction(dock.toggleViewAction())

    def _connect(self) -> None:
        a, s = self.actions_, self.session
        a[ActionId.NEW_INTAKE].triggered.connect(self.start_intake)
        a[ActionId.SAVE].triggered.connect(lambda: self.intake.save(dispatch=False))
        a[ActionId.SAVE_AND_DISPATCH].triggered.connect(lambda: self.intake.save(dispatch=True))
        a[ActionId.MERGE_DUPLICATE].triggered.connect(self.intake.save_merged)
        a[ActionId.DISPATCH_NEAREST].triggered.connect(self.dispatch_nearest)
        a[ActionId.SEARCH].triggered.connect(self._search)
        a[ActionId.UNIT_EN_ROUTE].triggered.connect(lambda: self._unit_status(UnitStatus.EN_ROUTE))
        a[ActionId.UNIT_ON_SCENE].triggered.connect(lambda: self._unit_status(UnitStatus.ON_SCENE))
        a[ActionId.UNIT_CLEAR].triggered.connect(lambda: self._unit_status(UnitStatus.AVAILABLE))
        a[ActionId.FILE_FROM_PATROL].triggered.connect(self.file_from_patrol)
        a[ActionId.RESOLVE].triggered.connect(lambda: self.case.run_action("resolve"))
        a[ActionId.ESCALATE].triggered.connect(lambda: self.case.run_action("escalate"))
        a[ActionId.OWN_CASE].triggered.connect(lambda: self.case.run_action("own"))
        a[ActionId.FOLLOW_UP_DONE].triggered.connect(lambda: self.case.run_action("follow_up"))
        a[ActionId.FLAG_RISK].triggered.connect(lambda: self.case.run_action("flag_risk"))
        a[ActionId.LAYOUT_DISPATCHER].triggered.connect(lambda: self.switch_layout(Layout.DISPATCHER))
        a[ActionId.LAYOUT_SHIFT_LEADER].triggered.connect(lambda: self.switch_layout(Layout.SHIFT_LEADER))
        a[ActionId.LAYOUT_WALL].triggered.connect(lambda: self.switch_layout(Layout.WALL))
        a[ActionId.RESET_LAYOUT].triggered.connect(self.reset_layout)
        a[ActionId.FULLSCREEN].toggled.connect(lambda on: self.showFullScreen() if on else self.showNormal())
        a[ActionId.FIT_MAP].triggered.connect(getattr(self.map, "fit", lambda: None))
        a[ActionId.QUIT].triggered.connect(lambda: shift.confirm_quit(self))
        a[ActionId.LOCK].triggered.connect(lambda: shift.start_handover(self))
        a[ActionId.ACK_ALARM].triggered.connect(self.alarm.acknowledge)
        a[ActionId.PICK_PLACE].triggered.connect(self.pick_place_on_map)
        a[ActionId.FOLLOW_SELECTION].toggled.connect(self.map_link.set_follow)
        a[ActionId.WALL_WINDOW].triggered.connect(self.open_wall_window)
        s.casesChanged.connect(self._on_cases)
        s.unitsChanged.connect(self._on_units)
        s.loaded.connect(self._on_loaded)
        s.notice.connect(self._on_notice)
        s.caseError.connect(self._on_case_error)
        s.dbStatusChanged.connect(self._on_db_status)
        s.selection.caseChanged.connect(lambda _i: self._update_actions())
        s.selection.unitChanged.connect(lambda _i: self._update_actions())
        self.case.detailShown.connect(self._update_actions)
        self.units.dispatchRequested.connect(self.case.dispatch_unit)
        self.queue.openCaseRequested.connect(self._open_case)
        self.case.recommendationsShown.connect(self.map_link.show_recommendations)
        self.case.recommendationsShown.connect(self.patrol_link.show_route)
        self.intake.saved.connect(s.selection.select_case)
        if hasattr(self.map, "newAppealRequested"):
            self.map.newAppealRequested.connect(self._appeal_at)

    # -- reactions ------------------------------------------------------------------------------------------------

    def open_wall_window(self) -> None:
        """The wall on another screen, beside this window's own layout (its map made by `map_factory`)."""
        if self.wall_window is not None and self.wall_window.isVisible():
            self.wall_window.raise_()
            return
        self.wall_window = open_wall_window(self.session, self.map_factory, self._county, self)

    def _figures(self, data: Any) -> None:
        self.wall_band.set_data(data)
        if self.wall_window is not None:
            self.wall_window.band.set_data(data)

    def set_reference(self, county: CountyView | None, places: list[PlaceName]) -> None:
        self._county = county
        names = {t.id: t.name for t in county.townships} if county else {}
        self.queue.set_townships(names)
        self.units.set_townships(names)
        self.intake.set_places(places)
        if county is not None:
            self.map_link.set_county(county)

    def _on_loaded(self) -> None:
        # Each step in its own turn of the event loop, so that none of them holds the interface for long.
        QTimer.singleShot(0, self.queue.model.rebuild_in_turns)
        QTimer.singleShot(0, self.units.reload)  # in a later turn of the event loop: no long pause
        QTimer.singleShot(400, self._select_most_urgent)
        QTimer.singleShot(300, getattr(self.map, "fit", lambda: None))  # the county fills the map as laid out
        self.statusBar().showMessage(
            self.tr("%1 open cases, %2 units")
            .replace("%1", str(len(self.session.state.cases)))
            .replace("%2", str(len(self.session.state.units))),
            5000,
        )

    def _select_most_urgent(self) -> None:
        if not self.session.selection.case_id and self.queue.model.rowCount():
            self.queue.show_case(self.queue.model.case_ids()[0])  # ready for F5

    def _on_cases(self, diff: LiveDiff) -> None:
        if self.layout_name == Layout.WALL:
            self.wall_band.set_cases(self.session.state.cases)
        if self.session.is_loaded:
            if len(diff.cases_inserted) + len(diff.cases_updated) > 2000:
                # A whole snapshot after reconnecting, or a mass escalation: sorted again in turns of the event loop,
                # so that neither the live state's update nor the rebuild holds the interface for long.
                changed = [*diff.cases_inserted, *diff.cases_updated, *diff.cases_removed]
                QTimer.singleShot(0, lambda: self.queue.model.rebuild_in_turns(changed))
            else:
                self.queue.apply_diff(diff)
        if self.session.selection.case_id in diff.cases_updated or self.session.selection.case_id in diff.cases_removed:
            self._update_actions()

    def _on_units(self, diff: LiveDiff) -> None:
        if self.session.is_loaded:
            self.units.apply_diff(diff)
        if self.session.selection.unit_id in diff.units_updated:
            self._update_actions()

    def _on_notice(self, level: str, text: str) -> None:
        self.statusBar().showMessage(text, 8000 if level == "info" else 15000)

    def _on_case_error(self, case_id: int, text: str) -> None:
        """An error is shown with the case it belongs to: under the case panel only when that case is the one shown
        (a new call's errors are on the intake's own line)."""
        if case_id and case_id == self.session.selection.case_id:
            self.case.message.setText(text)

    def _on_db_status(self, reachable: bool, message: str) -> None:
        if reachable:
            self.banner.hide()
            self.statusBar().showMessage(self.tr("Database connection restored."), 5000)
        elif message == file_changed_text():  # the SQLite file deleted, replaced or moved: it will not come back
            self.banner.setText(
                self.tr(
                    "Database unreachable: its file was deleted, replaced or moved. Nothing is saved from now on; "
                    "drafts are kept. Restart the console on the right database file."
                )
            )
            self.banner.setToolTip(message)
            self.banner.show()
        else:
            self.banner.setText(
                self.tr(
                    "Database unreachable — showing the last known state. Nothing can be saved "
                    "until it is back; drafts are kept. Retrying…"
                )
            )
            self.banner.setToolTip(message)
            self.banner.show()
        self.sync_label.setText(self.tr("online") if reachable else self.tr("OFFLINE"))
        self._update_actions()

    def show_feed_health(self, outcome: Any) -> None:
        """A poll of an outside feed (GPS, appeal platform): its health in the status bar."""
        if outcome.ok:
            self.feed_label.setText(self.tr("feed %1 ok").replace("%1", outcome.source))
        else:
            state = outcome.state.value if outcome.state else ""
            self.feed_label.setText(self.tr("feed %1 %2").replace("%1", outcome.source).replace("%2", state))
            self.feed_label.setToolTip(outcome.error or "")

    def _update_actions(self) -> None:
        sel, state = self.session.selection, self.session.state
        case: CaseView | None = state.cases.get(sel.case_id)
        if case is None and self.case.detail is not None and self.case.detail.case.id == sel.case_id:
            case = self.case.detail.case  # a case no longer open (resolved, closed) shown in the case panel
        unit = state.units.get(sel.unit_id)
        self.actions_.update_enabled(
            Situation(
                self.session.actor,
                self.session.online,
                CaseFacts.of(case) if case is not None else None,
                unit.status if unit is not None else None,
            )
        )

    # -- commands -------------------------------------------------------------------------------------------------

    def start_intake(self) -> None:
        dock = self.docks.get(Dock.INTAKE)
        if dock is None:
            return
        dock.show()
        dock.raise_()
        self.intake.start_call()

    def dispatch_nearest(self) -> None:
        """F5: the selected case gets the unit ranked first at this moment (`dispatch.nearest`)."""
        case_id = self.session.selection.case_id
        if case_id:
            self.case.dispatch_nearest(case_id)

    def _search(self) -> None:
        self.docks[Dock.QUEUE].show()
        self.queue.focus_search()

    def _filter_from_dashboard(self, fields: dict[str, Any]) -> None:
        self.docks[Dock.QUEUE].show()
        self.docks[Dock.QUEUE].raise_()
        self.queue.set_filter_fields(fields)

    def _open_case(self, case_id: int) -> None:
        self.session.selection.select_case(case_id)
        self.docks[Dock.CASE].show()
        self.docks[Dock.CASE].raise_()

    def _unit_status(self, status: UnitStatus) -> None:
        if self.session.selection.unit_id:
            self.session.run("unit.status", unit_id=self.session.selection.unit_id, status=status.value)

    def pick_place_on_map(self) -> None:
        """F3: the next click on the map gives the place of the call being typed (the form keeps what is typed)."""
        pick = getattr(self.map, "pick_place", None)  # a console without the web map has nothing to pick on
        if pick is None:
            return
        self.start_intake()
        pick(True)
        self.map.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.statusBar().showMessage(self.tr("Click the place on the map"), 10_000)

    def _appeal_at(self, lat: float, lon: float) -> None:
        self.start_intake()
        self.intake.set_location(lat, lon)

    def switch_layout(self, layout: Layout) -> None:
        save_layout(self, self.layout_name, self.session.actor.name)
        before = self.size()
        self.layout_name = layout
        apply_look(layout)  # the layout's own theme and type, never the previous layout's
        self.menuBar().setVisible(self.session.actor.role != Role.WALL)
        apply_layout(self, self.docks, layout, self.session.actor.name)
        self._map_look(layout)
        # The new type size reaches the old layout's docks before they give way, and for that moment their minimum
        # can grow the window past its screen (a 1280-pixel wall came out 1419 wide, its band cut at the edge):
        # the window keeps the size it had, as far as the new layout allows.
        self._keep_size(before)
        QTimer.singleShot(0, lambda: self._keep_size(before))  # after the layout requests the switch has posted
        self.dock_fitter.set_layout(layout)
        if layout == Layout.WALL:
            self.wall_band.set_cases(self.session.state.cases)
        QTimer.singleShot(700, getattr(self.map, "fit", lambda: None))  # once the docks have their new sizes

    def _map_look(self, layout: Layout) -> None:
        """The wall's map has no layer list and no zoom buttons; the work layouts' maps have both."""
        set_wall = getattr(self.map, "set_wall", None)  # a console without the web map has none
        if set_wall is not None:
            set_wall(layout == Layout.WALL)

    def _keep_size(self, size: QSize) -> None:
        if self.size() != size and not self.isFullScreen():
            self.resize(size.expandedTo(self.minimumSizeHint()))

    def reset_layout(self) -> None:
        forget_layout(self.layout_name, self.session.actor.name)
        apply_layout(self, self.docks, self.layout_name, self.session.actor.name)

    def restore_layout(self) -> None:
        QTimer.singleShot(0, lambda: apply_layout(self, self.docks, self.layout_name, self.session.actor.name))

    def closeEvent(self, event: QCloseEvent) -> None:
        if event.spontaneous() and not self.quit_confirmed and not self.intake.is_empty():
            event.ignore()  # closed from the title bar during a half-typed call: ask first
            shift.confirm_quit(self)
            return
        if self.wall_window is not None:
            self.wall_window.close()
        save_layout(self, self.layout_name, self.session.actor.name)
        super().closeEvent(event)


def _placeholder_map() -> QWidget:
    label_ = QLabel(QCoreApplication.translate("MainWindow", "Map"))
    label_.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label_.setProperty("role", "muted")
    return label_
