"""The case's photos, recordings and documents: thumbnails in a strip, a viewer on double click, and adding files by
the button, by dropping them on the strip or by pasting an image (Ctrl+V). When a photo's EXIF position can place a
case that has none, the strip offers it ("Use the photo's place").

Everything runs as operations (`attachments.list`, `attachments.thumbnail`, `attachments.content`,
`attachments.add`, `attachments.place_from_photo`): the files are read, checked and thumbnailed by the core, in the
database worker, never on the interface thread.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.ops import Action, AttachmentView, CaseFiles

from ..messages import describe_error
from ..session import ConsoleSession
from ..workers import JobResult
from .images import pixmap_of, png_base64
from .photo_view import AttachmentViewer, CasePhoto

__all__ = ["AttachmentStrip", "AttachmentViewer", "CasePhoto", "png_base64"]

THUMB = 96  # the strip's icon size (the core's thumbnails are larger: they are scaled down here)


class AttachmentStrip(QWidget):
    """Thumbnails of the shown case's files; the first photo's is also what the wall shows (`photoShown`)."""

    photoShown = Signal(int, object)  # case id, the first photo's thumbnail (QPixmap) or None

    def __init__(self, session: ConsoleSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.case_id = 0
        self.files: list[AttachmentView] = []
        self.offer: tuple[float, float, str] | None = None
        self.thumbnails: dict[str, QPixmap] = {}
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setFlow(QListWidget.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setFixedHeight(THUMB + self.fontMetrics().height() * 2 + 12)
        self.list.setAcceptDrops(False)  # the strip as a whole takes drops
        self.list.itemDoubleClicked.connect(self._open_item)
        self.add_button = QPushButton(QCoreApplication.translate("Attachments", "Add file…"))
        self.add_button.clicked.connect(self.choose_files)
        self.place_button = QPushButton(QCoreApplication.translate("Attachments", "Use the photo's place"))
        self.place_button.clicked.connect(self.use_photo_place)
        self.place_button.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.place_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.may_add = session.may(Action.NOTE)
        self.add_button.setVisible(self.may_add)
        self.setAcceptDrops(self.may_add)
        paste = QShortcut(QKeySequence.StandardKey.Paste, self.list)
        paste.activated.connect(self.paste_image)
        self._update_enabled()

    # -- showing --------------------------------------------------------------------------------------------------

    def show_case(self, case_id: int) -> None:
        self.case_id = case_id
        self.message.clear()
        self.files, self.offer = [], None
        self._render()
        if case_id:
            self.reload()

    def reload(self) -> None:
        case_id = self.case_id
        if not case_id:
            return

        def got(result: JobResult) -> None:
            if case_id != self.case_id:
                return
            if not result.ok:
                self.message.setText(describe_error(result.error))
                return
            found: CaseFiles = result.value
            self.files, self.offer = found.attachments, found.place_offer
            self._render()
            for view in self.files:
                if view.has_thumbnail and view.sha256 not in self.thumbnails:
                    self.session.run(
                        "attachments.thumbnail",
                        sha256=view.sha256,
                        callback=partial(self._got_thumbnail, case_id, view.sha256),
                    )
            self._emit_photo()

        self.session.run("attachments.list", case_id=case_id, callback=got)

    def _got_thumbnail(self, case_id: int, sha256: str, result: JobResult) -> None:
        if result.ok and result.value:
            self.thumbnails[sha256] = pixmap_of(result.value)
            if len(self.thumbnails) > 200:  # keep the cache small on a console that runs for days
                self.thumbnails.pop(next(iter(self.thumbnails)))
        if case_id == self.case_id:
            self._render()
            self._emit_photo()

    def _emit_photo(self) -> None:
        first = next((v for v in self.files if v.kind == "photo"), None)
        pixmap = self.thumbnails.get(first.sha256) if first else None
        self.photoShown.emit(self.case_id, pixmap)

    def _render(self) -> None:
        self.list.clear()
        for view in self.files:
            item = QListWidgetItem(self._caption(view))
            pixmap = self.thumbnails.get(view.sha256)
            if pixmap is not None:
                item.setIcon(QIcon(pixmap))
            item.setData(Qt.ItemDataRole.UserRole, view.sha256)
            item.setToolTip(self._tooltip(view))
            self.list.addItem(item)
        self.list.setVisible(bool(self.files))
        self._update_enabled()

    @staticmethod
    def _caption(view: AttachmentView) -> str:
        kinds = {
            "photo": QCoreApplication.translate("Attachments", "Photo"),
            "audio": QCoreApplication.translate("Attachments", "Recording"),
            "document": QCoreApplication.translate("Attachments", "Document"),
        }
        return f"{kinds.get(view.kind, view.kind)} · {view.bytes / 1_048_576:.1f} MB"

    @staticmethod
    def _tooltip(view: AttachmentView) -> str:
        lines = [view.name or view.sha256[:12], view.type]
        if view.width and view.height:
            lines.append(f"{view.width}×{view.height}")
        if view.gps_datum and not view.gps_usable:
            lines.append(
                QCoreApplication.translate("Attachments", "Position in datum %1 not used").replace("%1", view.gps_datum)
            )
        return "\n".join(lines)

    def _update_enabled(self) -> None:
        online = self.session.online
        self.add_button.setEnabled(bool(self.case_id) and online and self.may_add)
        self.place_button.setVisible(self.offer is not None and self.session.may(Action.INTAKE))
        self.place_button.setEnabled(online)

    # -- adding ---------------------------------------------------------------------------------------------------

    def add_files(self, files: list[Any]) -> None:
        """Keep `files` (paths, or `{"base64": …, "name": …}`) with the shown case."""
        if not self.case_id or not files:
            return
        self.message.clear()
        self.session.run(
            "attachments.add",
            case_id=self.case_id,
            files=files,
            settings=self.session.attachment_settings,
            callback=self._after,
        )

    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            QCoreApplication.translate("Attachments", "Attach files"),
            "",
            QCoreApplication.translate("Attachments", "Photos, recordings and documents (*)"),
        )
        self.add_files(list(paths))

    def paste_image(self) -> None:
        image = QGuiApplication.clipboard().image()
        if self.may_add and not image.isNull():
            self.add_files([{"base64": png_base64(image), "name": "pasted.png"}])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.may_add and self.case_id and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_files(paths)

    def use_photo_place(self) -> None:
        if self.offer is not None and self.case_id:
            self.session.run(
                "attachments.place_from_photo", case_id=self.case_id, sha256=self.offer[2], callback=self._after
            )

    def _after(self, result: JobResult) -> None:
        self.message.setText("" if result.ok else describe_error(result.error))
        self.reload()

    # -- viewing --------------------------------------------------------------------------------------------------

    def _open_item(self, item: QListWidgetItem) -> None:
        sha = item.data(Qt.ItemDataRole.UserRole)
        view = next((v for v in self.files if v.sha256 == sha), None)
        if view is not None:
            AttachmentViewer(self.session, view, self).open()
