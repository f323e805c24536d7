"""The intake form: phone → caller history; description → suggested category; address with completion or a map
click → location, grid and township; duplicate candidates with one-key merge; deadline shown before saving.

Keyboard path of a typical call: F2 (form cleared, phone focused) · phone · Tab · name · Tab · description · Tab ·
address prefix · Down · Enter (completion) · Ctrl+Enter (save and dispatch the nearest unit).

Validation is the intake service's own (`parse_intake`, pure, run here for immediate inline messages, and again
by the service when saving); a field it names is outlined and its message shown under it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.enums import Category, Channel, Priority
from console.services import intake as intake_service
from console.services.errors import ValidationError
from console.services.queries import PlaceName
from console.services.suggest import suggest_category
from console.timeutil import CHINA_TZ, utcnow

from ..labels import label
from ..messages import describe_error
from ..session import ConsoleSession
from ..workers import JobResult
from .draft import DraftStore


class NoteLabel(QLabel):
    """A hint under a field that takes no room while it has nothing to say."""

    def __init__(self) -> None:
        super().__init__()
        self.hide()

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.setText("")


FIELDS = ("channel", "caller_phone", "caller_name", "description", "address", "category", "priority")


class IntakeForm(QWidget):
    saved = Signal(int)  # case id

    def __init__(self, session: ConsoleSession, drafts: DraftStore, parent: QWidget | None = None) -> None:  # noqa: PLR0915
        super().__init__(parent)
        self.session = session
        self.drafts = drafts
        self.places: dict[str, PlaceName] = {}
        self.lat: float | None = None
        self.lon: float | None = None
        self._category_chosen = False  # the operator picked a category: stop suggesting
        self._loading = False
        self._busy = False
        self._duplicates: list[tuple[int, str]] = []

        self.channel = QComboBox()
        for ch in Channel:
            self.channel.addItem(label(ch), ch)
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(self.tr("Caller's phone"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("Caller's name (optional)"))
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(self.tr("What happened, in the caller's words"))
        self.description.setFixedHeight(self.fontMetrics().height() * 3 + 12)
        self.address = QLineEdit()
        self.address.setPlaceholderText(self.tr("Address or landmark (type to complete; or click the map)"))
        self._completion = QStringListModel(self)
        completer = QCompleter(self._completion, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setMaxVisibleItems(10)
        self.address.setCompleter(completer)
        completer.activated.connect(self._on_place_chosen)
        self.category = QComboBox()
        for cat in Category:
            self.category.addItem(label(cat), cat)
        self.priority = QComboBox()
        for pr in Priority:
            self.priority.addItem(label(pr), pr)
        self.priority.setCurrentIndex(self.priority.findData(Priority.YELLOW))

        self.history = NoteLabel()
        self.history.setProperty("role", "muted")
        self.history.setWordWrap(True)
        self.suggestion = NoteLabel()
        self.suggestion.setProperty("role", "muted")
        self.location = QLabel(self.tr("No location yet"))
        self.location.setProperty("role", "muted")
        self.deadline = NoteLabel()
        self.duplicates = QListWidget()
        self.duplicates.setMaximumHeight(self.fontMetrics().height() * 2 + 10)
        self.duplicates.setToolTip(
            self.tr("Possible duplicates. Ctrl+M saves this appeal merged into the selected one.")
        )
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setProperty("role", "error")

        self.errors: dict[str, QLabel] = {}
        self.inputs: dict[str, QWidget] = {
            "channel": self.channel,
            "caller_phone": self.phone,
            "caller_name": self.name,
            "description": self.description,
            "address": self.address,
            "category": self.category,
            "priority": self.priority,
            "lat": self.address,
            "lon": self.address,
        }
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setVerticalSpacing(3)

        def row(text: str, widget: QWidget, field: str, extra: QWidget | None = None) -> None:
            error = QLabel()
            error.setProperty("role", "error")
            error.hide()
            self.errors[field] = error
            box = QVBoxLayout()
            box.setSpacing(1)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(widget)
            if extra is not None:
                box.addWidget(extra)
            box.addWidget(error)
            form.addRow(text, box)

        row(self.tr("Channel"), self.channel, "channel")
        row(self.tr("Phone"), self.phone, "caller_phone", self.history)
        row(self.tr("Caller"), self.name, "caller_name")
        row(self.tr("Description"), self.description, "description", self.suggestion)
        row(self.tr("Address"), self.address, "address", self.location)
        pri = QHBoxLayout()
        pri.addWidget(self.category, 1)
        pri.addWidget(self.priority, 1)
        holder = QWidget()
        holder.setLayout(pri)
        pri.setContentsMargins(0, 0, 0, 0)
        row(self.tr("Category / priority"), holder, "category", self.deadline)
        self.errors["priority"] = self.errors["category"]
        self.duplicates_label = QLabel(self.tr("Duplicates?"))
        form.addRow(self.duplicates_label, self.duplicates)
        self._show_duplicates(False)

        self.save_button = QPushButton(self.tr("Save  (Ctrl+S)"))
        self.save_dispatch_button = QPushButton(self.tr("Save and dispatch nearest  (Ctrl+Enter)"))
        self.save_dispatch_button.setProperty("primary", True)
        self.merge_button = QPushButton(self.tr("Merge  (Ctrl+M)"))
        self.clear_button = QPushButton(self.tr("New"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.merge_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.save_dispatch_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addStretch(1)
        QWidget.setTabOrder(self.phone, self.name)
        QWidget.setTabOrder(self.name, self.description)
        QWidget.setTabOrder(self.description, self.address)
        QWidget.setTabOrder(self.address, self.category)
        QWidget.setTabOrder(self.category, self.priority)
        QWidget.setTabOrder(self.priority, self.channel)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(250)
        self._preview_timer.timeout.connect(self._preview)
        self._history_timer = QTimer(self)
        self._history_timer.setSingleShot(True)
        self._history_timer.setInterval(300)
        self._history_timer.timeout.connect(self._caller_history)

        self.phone.textChanged.connect(self._on_phone)
        self.name.textChanged.connect(lambda _t: self._changed())
        self.description.textChanged.connect(self._on_description)
        self.address.textEdited.connect(self._on_address_edited)
        self.channel.currentIndexChanged.connect(lambda _i: self._changed(preview=False))
        self.category.activated.connect(self._on_category_chosen)
        self.category.currentIndexChanged.connect(lambda _i: self._changed(preview=True))
        self.priority.currentIndexChanged.connect(lambda _i: self._changed(preview=True))
        self.save_button.clicked.connect(lambda: self.save(dispatch=False))
        self.save_dispatch_button.clicked.connect(lambda: self.save(dispatch=True))
        self.merge_button.clicked.connect(self.save_merged)
        self.clear_button.clicked.connect(self.new_appeal)
        self.merge_button.setEnabled(False)
        self.restore_draft()

    # -- data -------------------------------------------------------------------------------------------------------

    def set_places(self, places: list[PlaceName]) -> None:
        self.places = {p.name: p for p in places}
        self._completion.setStringList(sorted(self.places))

    def data(self) -> dict[str, Any]:
        """The form as intake input (the service validates it)."""
        return {
            "channel": str(self.channel.currentData()),
            "category": str(self.category.currentData()),
            "priority": str(self.priority.currentData()),
            "description": self.description.toPlainText(),
            "caller_phone": self.phone.text().strip() or None,
            "caller_name": self.name.text().strip() or None,
            "address": self.address.text().strip() or None,
            "lat": self.lat,
            "lon": self.lon,
        }

    def _draft(self) -> dict[str, Any]:
        return {**self.data(), "category_chosen": self._category_chosen}

    def restore_draft(self) -> bool:
        draft = self.drafts.load()
        if not draft:
            return False
        self._loading = True
        try:
            self._set_combo(self.channel, draft.get("channel"), Channel)
            self._set_combo(self.category, draft.get("category"), Category)
            self._set_combo(self.priority, draft.get("priority"), Priority)
            self.phone.setText(str(draft.get("caller_phone") or ""))
            self.name.setText(str(draft.get("caller_name") or ""))
            self.description.setPlainText(str(draft.get("description") or ""))
            self.address.setText(str(draft.get("address") or ""))
            lat, lon = draft.get("lat"), draft.get("lon")
            self.lat = float(lat) if isinstance(lat, int | float) else None
            self.lon = float(lon) if isinstance(lon, int | float) else None
            self._category_chosen = bool(draft.get("category_chosen"))
        finally:
            self._loading = False
        self.status.setProperty("role", "muted")
        self.status.setText(self.tr("Draft restored — it was kept when the console last stopped."))
        self._restyle(self.status)
        self._preview_timer.start()
        return True

    @staticmethod
    def _set_combo(combo: QComboBox, value: Any, enum: Any) -> None:
        try:
            idx = combo.findData(enum(value))
        except ValueError:
            idx = -1
        if idx >= 0:
            combo.setCurrentIndex(idx)

    def is_empty(self) -> bool:
        return not (self.phone.text().strip() or self.description.toPlainText().strip() or self.address.text().strip())

    def new_appeal(self) -> None:
        """Clear the form for the next call (the channel is kept: the operator usually stays on one line)."""
        self._loading = True
        try:
            for w in (self.phone, self.name, self.address):
                w.clear()
            self.description.clear()
            self.category.setCurrentIndex(self.category.findData(Category.OTHER))
            self.priority.setCurrentIndex(self.priority.findData(Priority.YELLOW))
            self.lat = self.lon = None
            self._category_chosen = False
        finally:
            self._loading = False
        self.drafts.clear()
        self._clear_errors()
        self.history.clear()
        self.suggestion.clear()
        self.location.setText(self.tr("No location yet"))
        self.deadline.clear()
        self.duplicates.clear()
        self._duplicates = []
        self.merge_button.setEnabled(False)
        self._show_duplicates(False)
        self.status.clear()

    def _show_duplicates(self, shown: bool) -> None:
        self.duplicates.setVisible(shown)
        self.duplicates_label.setVisible(shown)

    def start_call(self) -> None:
        """F2: a fresh form (unless a draft is being typed) with the phone field focused."""
        if not self.is_empty() and self._busy:
            return
        if self.is_empty():
            self.new_appeal()
        self.phone.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.phone.selectAll()

    # -- reactions --------------------------------------------------------------------------------------------------

    def _changed(self, *, preview: bool = True) -> None:
        if self._loading:
            return
        self.drafts.save(self._draft())
        if preview:
            self._preview_timer.start()

    def _on_phone(self, text: str) -> None:
        self._clear_error("caller_phone")
        self._changed()
        if len(text.strip()) >= 5:
            self._history_timer.start()
        else:
            self.history.clear()

    def _on_description(self) -> None:
        self._clear_error("description")
        if not self._category_chosen and not self._loading:
            found = suggest_category(self.description.toPlainText())
            if found is not None:
                self.category.blockSignals(True)
                self.category.setCurrentIndex(self.category.findData(found.category))
                self.category.blockSignals(False)
                self.suggestion.setText(
                    self.tr("Suggested category: %1 (%2)")
                    .replace("%1", label(found.category))
                    .replace("%2", ", ".join(found.words[:4]))
                )
            else:
                self.suggestion.clear()
        self._changed()

    def _on_category_chosen(self, _index: int) -> None:
        self._category_chosen = True
        self.suggestion.clear()

    def _on_address_edited(self, _text: str) -> None:
        self._clear_error("address")
        place = self.places.get(self.address.text().strip())
        if place is None:
            self.lat = self.lon = None
            self.location.setText(self.tr("No location yet"))
        else:
            self.set_location(place.lat, place.lon, keep_address=True)
        self._changed()

    def _on_place_chosen(self, name: str) -> None:
        place = self.places.get(name)
        if place is not None:
            self.set_location(place.lat, place.lon, keep_address=True)
            self._changed()

    def set_location(self, lat: float, lon: float, *, keep_address: bool = False) -> None:
        """A place from the completion or a click on the map."""
        self.lat, self.lon = round(lat, 6), round(lon, 6)
        if not keep_address and not self.address.text().strip():
            self.address.setText(f"{self.lat:.5f}, {self.lon:.5f}")
        self.location.setText(self.tr("Locating…"))
        self._changed()

    def _caller_history(self) -> None:
        phone = self.phone.text().strip()
        actor = self.session.actor
        if not phone:
            return

        def done(result: JobResult) -> None:
            if phone != self.phone.text().strip():
                return
            if not result.ok:
                self.history.setText("")
                return
            hist = result.value
            if not hist.cases:
                self.history.setText(self.tr("First appeal from this number."))
                return
            last = hist.cases[0]
            self.history.setText(
                self.tr("%1 appeals in the last year · last %2 %3 (%4)")
                .replace("%1", str(hist.repeat_count))
                .replace("%2", last.number)
                .replace("%3", label(last.category))
                .replace("%4", label(last.status))
            )
            if hist.name and not self.name.text().strip():
                self.name.setText(hist.name)

        try:
            intake_service.parse_intake({**self.data(), "description": "-"})
        except ValidationError as exc:
            if exc.field == "caller_phone":
                return
        self.session.read(lambda s: intake_service.caller_history(s, phone, actor=actor), done)

    def _preview(self) -> None:
        data = {**self.data(), "description": self.description.toPlainText().strip() or "-"}
        try:
            req = intake_service.parse_intake(data)
        except ValidationError:
            return
        actor = self.session.actor
        stamp = (self.lat, self.lon, data["category"], data["priority"], data["caller_phone"])

        def done(result: JobResult) -> None:
            now = (
                self.lat,
                self.lon,
                str(self.category.currentData()),
                str(self.priority.currentData()),
                self.phone.text().strip() or None,
            )
            if now != stamp or not result.ok:
                return
            preview = result.value
            if self.lat is not None:
                if preview.grid_code:
                    self.location.setText(
                        self.tr("Grid %1 · %2")
                        .replace("%1", preview.grid_code)
                        .replace("%2", preview.township_name or "")
                    )
                else:
                    self.location.setText(self.tr("Outside the county's grids"))
            self.deadline.setText(
                self.tr("Deadline %1 (%2)")
                .replace("%1", _local(preview.due_at))
                .replace("%2", label(Priority(self.priority.currentData())))
            )
            self.duplicates.clear()
            self._duplicates = []
            for case in preview.duplicates[:8]:
                item = QListWidgetItem(
                    f"{case.number}  {label(case.status)}  {label(case.category)}  "
                    f"{case.address or ''}  {case.description[:40]}"
                )
                item.setData(Qt.ItemDataRole.UserRole, case.id)
                self.duplicates.addItem(item)
                self._duplicates.append((case.id, case.number))
            if self._duplicates:
                self.duplicates.setCurrentRow(0)
            self.merge_button.setEnabled(bool(self._duplicates))
            self._show_duplicates(bool(self._duplicates))

        self.session.read(lambda s: intake_service.preview_intake(s, req, actor=actor), done)

    # -- saving -----------------------------------------------------------------------------------------------------

    def validate(self) -> bool:
        self._clear_errors()
        try:
            intake_service.parse_intake(self.data())
        except ValidationError as exc:
            self.show_error(exc)
            return False
        return True

    def show_error(self, exc: ValidationError) -> None:
        base = exc.field.rsplit(".", 1)[-1]
        widget = self.inputs.get(base)
        error = self.errors.get(base) or self.errors.get("address" if base in ("lat", "lon") else "description")
        if widget is not None:
            widget.setProperty("invalid", True)
            self._restyle(widget)
            widget.setFocus()
        if error is not None:
            error.setText(describe_error(exc))
            error.show()

    def _clear_error(self, field: str) -> None:
        widget = self.inputs.get(field)
        if widget is not None and widget.property("invalid"):
            widget.setProperty("invalid", False)
            self._restyle(widget)
        error = self.errors.get(field)
        if error is not None:
            error.hide()

    def _clear_errors(self) -> None:
        for field in FIELDS:
            self._clear_error(field)

    @staticmethod
    def _restyle(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def save(self, *, dispatch: bool = False, merge_into: int = 0) -> None:
        if self._busy or not self.validate():
            return
        self._busy = True
        self.status.setProperty("role", "muted")
        self.status.setText(self.tr("Saving…"))
        self._restyle(self.status)

        def done(result: JobResult) -> None:
            self._busy = False
            if result.ok:
                case_id, number = result.value
                self.new_appeal()
                self.status.setProperty("role", "muted")
                self.status.setText(self.tr("Saved %1.").replace("%1", number))
                self._restyle(self.status)
                self.saved.emit(case_id)
                return
            self.status.setProperty("role", "error")
            self._restyle(self.status)
            if isinstance(result.error, ValidationError):
                self.show_error(result.error)
                self.status.setText(describe_error(result.error))
            else:
                self.status.setText(describe_error(result.error))

        self.session.create_case(self.data(), dispatch_nearest=dispatch, merge_into=merge_into, callback=done)

    def save_merged(self) -> None:
        item = self.duplicates.currentItem()
        if item is None:
            return
        self.save(merge_into=int(item.data(Qt.ItemDataRole.UserRole)))


def _local(ts: datetime) -> str:
    local = ts.astimezone(CHINA_TZ)
    today = utcnow().astimezone(CHINA_TZ).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%m-%d %H:%M")
