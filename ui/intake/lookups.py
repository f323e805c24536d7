"""What the intake form asks the core while the operator types: the caller's history (`intake.caller_history`,
from the phone number) and what saving would do (`intake.preview`: grid and township, deadline, duplicate
candidates). Each runs a moment after the last key stroke; an answer that arrives after the fields changed again is
dropped."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QListWidgetItem

from console.enums import Priority
from console.ops import CallerHistory, IntakePreview, ValidationError
from console.ops.intake import validate
from console.timeutil import CHINA_TZ, utcnow

from ..labels import label
from ..session import ConsoleSession
from ..workers import JobResult
from .fields import IntakeFields

PREVIEW_DELAY_MS = 250
HISTORY_DELAY_MS = 300
#: Duplicate candidates listed at most.
MAX_DUPLICATES = 8


def local_deadline(ts: datetime) -> str:
    local = ts.astimezone(CHINA_TZ)
    today = utcnow().astimezone(CHINA_TZ).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%m-%d %H:%M")


class IntakeLookups(QObject):
    duplicatesFound = Signal(bool)  # whether the preview found candidates (the merge key is offered)

    def __init__(self, session: ConsoleSession, fields: IntakeFields, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.fields = fields
        self._preview_timer = self._timer(PREVIEW_DELAY_MS, self.preview)
        self._history_timer = self._timer(HISTORY_DELAY_MS, self.caller_history)

    def _timer(self, delay_ms: int, slot: object) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(delay_ms)
        timer.timeout.connect(slot)
        return timer

    def preview_soon(self) -> None:
        self._preview_timer.start()

    def history_soon(self) -> None:
        self._history_timer.start()

    # -- the caller's history ---------------------------------------------------------------------------------------

    def caller_history(self) -> None:
        phone = self.fields.phone.text().strip()
        if not phone:
            return
        try:
            validate({**self.fields.data(), "description": "-"})
        except ValidationError as exc:
            if exc.field == "caller_phone":
                return

        def done(result: JobResult) -> None:
            if phone == self.fields.phone.text().strip():
                self._show_history(result.value if result.ok else None)

        self.session.run("intake.caller_history", phone=phone, callback=done)

    def _show_history(self, history: CallerHistory | None) -> None:
        f = self.fields
        if history is None:
            f.history.setText("")
            return
        if not history.cases:
            f.history.setText(QCoreApplication.translate("IntakeForm", "First appeal from this number."))
            return
        last = history.cases[0]
        f.history.setText(
            QCoreApplication.translate("IntakeForm", "%1 appeals in the last year · last %2 %3 (%4)")
            .replace("%1", str(history.repeat_count))
            .replace("%2", last.number)
            .replace("%3", label(last.category))
            .replace("%4", label(last.status))
        )
        if history.name and not f.name.text().strip():
            f.name.setText(history.name)

    # -- what saving would do ---------------------------------------------------------------------------------------

    def _stamp(self) -> tuple[object, ...]:
        f = self.fields
        return (f.lat, f.lon, str(f.category.currentData()), str(f.priority.currentData()), f.phone.text().strip())

    def preview(self) -> None:
        data = {**self.fields.data(), "description": self.fields.description.toPlainText().strip() or "-"}
        try:
            validate(data)
        except ValidationError:
            return
        stamp = self._stamp()

        def done(result: JobResult) -> None:
            if result.ok and self._stamp() == stamp:
                self._show_preview(result.value)

        self.session.run("intake.preview", data=data, callback=done)

    def _show_preview(self, preview: IntakePreview) -> None:
        f = self.fields
        if f.lat is not None:
            if preview.grid_code:
                f.location.setText(
                    QCoreApplication.translate("IntakeForm", "Grid %1 · %2")
                    .replace("%1", preview.grid_code)
                    .replace("%2", preview.township_name or "")
                )
            else:
                f.location.setText(QCoreApplication.translate("IntakeForm", "Outside the county's grids"))
        f.deadline.setText(
            QCoreApplication.translate("IntakeForm", "Deadline %1 (%2)")
            .replace("%1", local_deadline(preview.due_at))
            .replace("%2", label(Priority(f.priority.currentData())))
        )
        f.duplicates.clear()
        for case in preview.duplicates[:MAX_DUPLICATES]:
            item = QListWidgetItem(
                f"{case.number}  {label(case.status)}  {label(case.category)}  "
                f"{case.address or ''}  {case.description[:40]}"
            )
            item.setData(Qt.ItemDataRole.UserRole, case.id)
            f.duplicates.addItem(item)
        found = f.duplicates.count() > 0
        if found:
            f.duplicates.setCurrentRow(0)
        f.show_duplicates(found)
        self.duplicatesFound.emit(found)
