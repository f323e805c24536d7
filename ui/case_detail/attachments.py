"""The case's photos, recordings and documents: thumbnails in a strip, a viewer on double click, and adding files by
the button, by dropping them on the strip or by pasting an image (Ctrl+V). When a photo's EXIF position can place a
case that has none, the strip offers it ("Use the photo's place").

Everything runs as operations (`attachments.list`, `attachments.thumbnail`, `attachments.content`,
`attachments.add`, `attachments.place_from_photo`): the files are read, checked and thumbnailed by the core, in the
database worker, never on the interface thread.
"""

from __future__ import annotations

import base64
from functools import partial
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.ops import Action, AttachmentView, CaseFiles

from ..messages import describe_error
from ..session import ConsoleSession
from ..workers import JobResult

WALL_PX = 960  # the wall's photo: a preview this large, made by the core in the worker
THUMB = 96  # the strip's icon size (the core's thumbnails are larger: they are scaled down here)


def png_base64(image: QImage) -> str:
    """A pasted image as base64 PNG (what `attachments.add` takes besides paths)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; PySide6 takes only str here
    return base64.b64encode(bytes(data.data())).decode("ascii")


def pixmap_of(data: bytes | None) -> QPixmap:
    pixmap = QPixmap()
    if data:
        pixmap.loadFromData(data)
    return pixmap


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
