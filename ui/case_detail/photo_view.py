"""A case's file opened from its strip (`AttachmentViewer`: a photo at its size, anything else offered to be
saved), and the wall's photo of the selected case (`CasePhoto`). The bytes come from operations run in the database
worker (`attachments.content`, `attachments.preview`), never read on the interface thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from console.ops import AttachmentView

from ..messages import describe_error
from ..session import ConsoleSession
from ..workers import JobResult
from .images import pixmap_of

WALL_PX = 960  # the wall's photo: a preview this large, made by the core in the worker


class AttachmentViewer(QDialog):
    """One file: a photo shown at its size (scrolling), anything else offered to be saved."""

    def __init__(self, session: ConsoleSession, view: AttachmentView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.view = view
        self.data: bytes | None = None
        self.setWindowTitle(view.name or view.sha256[:12])
        self.picture = QLabel(QCoreApplication.translate("Attachments", "Loading…"))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.picture)
        scroll.setWidgetResizable(True)
        self.save_button = QPushButton(QCoreApplication.translate("Attachments", "Save as…"))
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_as)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.save_button)
        self.resize(1000, 760)
        if view.kind == "photo":  # shown from a preview made in the worker: no 5 MB decode on this thread
            session.run("attachments.preview", sha256=view.sha256, px=1600, callback=self._got_preview)
        else:
            self.picture.setText(view.type)
        session.run("attachments.content", sha256=view.sha256, callback=self._got)

    def _got_preview(self, result: JobResult) -> None:
        if not result.ok:
            self.picture.setText(describe_error(result.error))
            return
        pixmap = pixmap_of(result.value)
        if not pixmap.isNull():
            self.picture.setPixmap(pixmap)

    def _got(self, result: JobResult) -> None:
        """The file itself, for "Save as…" (EXIF stripped by the core for roles that may not see it)."""
        if not result.ok:
            self.picture.setText(describe_error(result.error))
            return
        _type, self.data = result.value
        self.save_button.setEnabled(True)

    def save_as(self) -> None:
        if self.data is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, QCoreApplication.translate("Attachments", "Save as"), self.view.name or self.view.sha256[:12]
        )
        if path:
            try:
                with open(path, "wb") as f:
                    f.write(self.data)
            except OSError as exc:
                self.picture.setText(
                    QCoreApplication.translate("Attachments", "Cannot save: %1").replace("%1", exc.strerror or str(exc))
                )


class CasePhoto(QLabel):
    """The wall's photo of the selected case: a preview of its first photo, scaled to the dock (the wall has no case
    panel, so it asks for the case's files itself when the selection changes)."""

    def __init__(self, session: ConsoleSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.case_id = 0
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(160, 120)
        self.pixmap_shown: QPixmap | None = None
        self.setText(QCoreApplication.translate("Attachments", "No photo"))
        session.selection.caseChanged.connect(self.show_case)
        session.eventsArrived.connect(self._on_events)

    def _on_events(self, events: list[Any]) -> None:
        if self.case_id and any(e.case_id == self.case_id for e in events):
            self.show_case(self.case_id)

    def show_case(self, case_id: int) -> None:
        self.case_id = case_id
        if not case_id:
            self.show_photo(None)
            return

        def got_files(result: JobResult) -> None:
            if case_id != self.case_id:
                return
            files: list[AttachmentView] = result.value.attachments if result.ok else []
            first = next((v for v in files if v.kind == "photo" and v.has_thumbnail), None)
            if first is None:
                self.show_photo(None)
                return
            self.session.run(
                "attachments.preview",
                sha256=first.sha256,
                px=WALL_PX,
                callback=lambda r: (
                    self.show_photo(pixmap_of(r.value) if r.ok else None) if case_id == self.case_id else None
                ),
            )

        self.session.run("attachments.list", case_id=case_id, callback=got_files)

    def show_photo(self, pixmap: QPixmap | None) -> None:
        self.pixmap_shown = pixmap if pixmap is not None and not pixmap.isNull() else None
        self._draw()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._draw()

    def _draw(self) -> None:
        if self.pixmap_shown is None:
            self.clear()
            self.setText(QCoreApplication.translate("Attachments", "No photo"))
            return
        self.setPixmap(
            self.pixmap_shown.scaled(
                self.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
