"""The intake form: phone → caller history; description → suggested category; address with completion or a map
click → location, grid and township; duplicate candidates with one-key merge; deadline shown before saving.

Keyboard path of a typical call: F2 (form cleared, phone focused) · phone · Tab · name · Tab · description · Tab ·
address prefix · Down · Enter (completion) · Ctrl+Enter (save and dispatch the nearest unit).

The form is in parts: the fields (`fields.IntakeFields`), what it asks the core as the operator types
(`lookups.IntakeLookups`), what it suggests from the description (`suggest.TriageSuggestions`), the files with the
appeal (`files.IntakeFiles`), the buttons (`buttons.IntakeButtons`), the prompt for a place before a dispatch
(`place_prompt`), and this widget, which wires them, keeps the draft and saves. Validation is the core's own
(`console.ops.intake.validate`, pure, run here for immediate inline messages, and again when saving); a field it
names is outlined and its message shown under it. Saving is the `intake.create` operation; "save and dispatch" then
runs `dispatch.nearest`, a second transaction, so an appeal is never lost because no unit was free.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from console.ops import IntakeOutcome, PlaceName, ValidationError
from console.ops.intake import triage_card, validate

from ..messages import describe_error
from ..session import ConsoleSession
from ..workers import JobResult
from .buttons import IntakeButtons
from .draft import DraftStore
from .fields import IntakeFields, restyle
from .files import IntakeFiles
from .lookups import IntakeLookups
from .place_prompt import ask_for_place, nearest_place
from .suggest import TriageSuggestions
from .triage_card import TriageCard


class IntakeForm(QWidget):
    saved = Signal(int)  # the case the appeal went into (the new one, or the master it was merged into)

    def __init__(self, session: ConsoleSession, drafts: DraftStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.drafts = drafts
        self.places: dict[str, PlaceName] = {}
        self._loading = False
        self._busy = False
        self.fields = IntakeFields()
        self.lookups = IntakeLookups(session, self.fields, self)
        f = self.fields
        self.channel, self.phone, self.name, self.description = f.channel, f.phone, f.name, f.description
        self.address, self.category, self.priority = f.address, f.category, f.priority
        self.suggestion, self.duplicates, self.errors = f.suggestion, f.duplicates, f.errors
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setProperty("role", "error")
        buttons = IntakeButtons()
        self.save_button, self.save_dispatch_button = buttons.save, buttons.save_dispatch
        self.merge_button, self.clear_button = buttons.merge, buttons.clear
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(f)
        self.card = TriageCard()
        self.suggestions = TriageSuggestions(f, self.card)
        layout.addWidget(self.card)
        self.files = IntakeFiles()  # photos and evidence with the appeal (dropped, chosen or pasted)
        layout.addWidget(self.files)
        self.setAcceptDrops(True)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        layout.addStretch(1)

        f.phone.textChanged.connect(self._on_phone)
        f.name.textChanged.connect(lambda _text: self._changed())
        f.description.textChanged.connect(self._on_description)
        f.address.textEdited.connect(self._on_address_edited)
        f.completer.activated.connect(self._on_place_chosen)
        f.channel.currentIndexChanged.connect(lambda _i: self._changed(preview=False))
        f.category.activated.connect(lambda _i: self.suggestions.category_picked())
        f.category.currentIndexChanged.connect(lambda _i: self._changed())
        f.priority.currentIndexChanged.connect(lambda _i: self._changed())
        f.priority.activated.connect(lambda _i: setattr(self.suggestions, "priority_chosen", True))
        f.category.currentIndexChanged.connect(lambda _i: self.card.set_card(triage_card(f.category.currentData())))
        self.card.answersChanged.connect(self._on_answers)
        self.lookups.duplicatesFound.connect(self.merge_button.setEnabled)
        self.save_button.clicked.connect(lambda: self.save(dispatch=False))
        self.save_dispatch_button.clicked.connect(lambda: self.save(dispatch=True))
        self.merge_button.clicked.connect(self.save_merged)
        self.clear_button.clicked.connect(self.new_appeal)
        self.restore_draft()

    @property
    def lat(self) -> float | None:
        return self.fields.lat

    @property
    def lon(self) -> float | None:
        return self.fields.lon

    # -- data -------------------------------------------------------------------------------------------------------

    def set_places(self, places: list[PlaceName]) -> None:
        self.places = {p.name: p for p in places}
        self.fields.completion.setStringList(sorted(self.places))

    def data(self) -> dict[str, Any]:
        return self.fields.data()

    def dragEnterEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:
        event.acceptProposedAction()
        self.files.add_paths([u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()])

    def restore_draft(self) -> bool:
        draft = self.drafts.load()
        if not draft:
            return False
        self._loading = True
        try:
            self.fields.fill(draft)
            self.suggestions.restore(draft)
        finally:
            self._loading = False
        self._set_status(self.tr("Draft restored — it was kept when the console last stopped."), "muted")
        self.lookups.preview_soon()
        return True

    def is_empty(self) -> bool:
        return self.fields.is_empty()

    def new_appeal(self) -> None:
        """Clear the form for the next call."""
        self._loading = True
        try:
            self.fields.clear_inputs()
            self.suggestions.reset()
        finally:
            self._loading = False
        self.drafts.clear()
        self.files.clear()
        self.merge_button.setEnabled(False)
        self.status.clear()

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
        self.drafts.save({**self.data(), **self.suggestions.state()})
        if preview:
            self.lookups.preview_soon()

    def _on_phone(self, text: str) -> None:
        self.fields.clear_error("caller_phone")
        self._changed()
        if len(text.strip()) >= 5:
            self.lookups.history_soon()
        else:
            self.fields.history.clear()

    def _on_description(self) -> None:
        self.fields.clear_error("description")
        if not self._loading:
            self.suggestions.description_changed(self.description.toPlainText())
        self._changed()

    def _on_answers(self, answers: dict[str, bool]) -> None:
        if self.card.card is not None:
            self.suggestions.answers_changed(answers)
            self._changed()

    def _on_address_edited(self, _text: str) -> None:
        self.fields.clear_error("address")
        place = self.places.get(self.address.text().strip())
        if place is None:
            self.fields.lat = self.fields.lon = None
            self.fields.location.setText(self.tr("No location yet"))
        else:
            self.set_location(place.lat, place.lon, keep_address=True)
        self._changed()

    def _on_place_chosen(self, name: str) -> None:
        place = self.places.get(name)
        if place is not None:
            self.set_location(place.lat, place.lon, keep_address=True)

    def set_location(self, lat: float, lon: float, *, keep_address: bool = False) -> None:
        """A place from the completion or a click on the map."""
        f = self.fields
        f.lat, f.lon = round(lat, 6), round(lon, 6)
        if not keep_address and not self.address.text().strip():
            near = nearest_place(self.places.values(), f.lat, f.lon)
            self.address.setText(
                self.tr("near %1").replace("%1", near) + f" ({f.lat:.5f}, {f.lon:.5f})"
                if near
                else f"{f.lat:.5f}, {f.lon:.5f}"
            )
        f.location.setText(self.tr("Locating…"))
        self._changed()

    # -- saving -----------------------------------------------------------------------------------------------------

    def validate(self) -> bool:
        self.fields.clear_errors()
        try:
            validate(self.data())
        except ValidationError as exc:
            self.fields.show_error(exc)
            return False
        return True

    def _set_status(self, text: str, role: str) -> None:
        self.status.setProperty("role", role)
        self.status.setText(text)
        restyle(self.status)

    def save(self, *, dispatch: bool = False, merge_into: int = 0) -> None:
        if self._busy or not self.validate():
            return
        if dispatch and not merge_into and self.fields.lat is None:
            ask_for_place(self.fields)
            return
        self._busy = True
        self._set_status(self.tr("Saving…"), "muted")

        def done(result: JobResult) -> None:
            self._busy = False
            if not result.ok:
                self._set_status(describe_error(result.error), "error")
                if isinstance(result.error, ValidationError):
                    self.fields.show_error(result.error)
                return
            outcome: IntakeOutcome = result.value
            self.new_appeal()
            self._set_status(self.tr("Saved %1.").replace("%1", outcome.case.number), "muted")
            self.saved.emit(outcome.merged_into or outcome.case.id)
            if dispatch and not merge_into:
                number = outcome.case.number

                def dispatched(result: JobResult) -> None:
                    if not result.ok:  # the new case's error, on the intake's own line (never under another case)
                        self._set_status(
                            self.tr("Saved %1, not dispatched: %2")
                            .replace("%1", number)
                            .replace("%2", describe_error(result.error)),
                            "error",
                        )

                self.session.run(
                    "dispatch.nearest",
                    case_id=outcome.case.id,
                    callback=dispatched,
                    done_text=lambda d: QCoreApplication.translate("ConsoleSession", "Dispatched %s") % d.callsign,
                )

        data = self.data()
        if self.files.items:
            data["attachments"] = list(self.files.items)
        self.session.run(
            "intake.create",
            data=data,
            merge_into=merge_into or None,
            triage=dict(self.card.answers) or None,
            attachment_settings=self.session.attachment_settings,
            callback=done,
            done_text=lambda o: QCoreApplication.translate("ConsoleSession", "Saved case %s") % o.case.number,
        )

    def save_merged(self) -> None:
        item = self.duplicates.currentItem()
        if item is not None:
            self.save(merge_into=int(item.data(Qt.ItemDataRole.UserRole)))
