"""The files of the appeal being taken: dropped on the intake form, chosen with the button or pasted (an image from
the clipboard); they go with the appeal into `intake.create` as its `attachments`, where the core reads and checks
them (the form shows only their names)."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from ..case_detail.attachments import png_base64


class IntakeFiles(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[Any] = []  # paths, or {"base64": …, "name": …} for pasted images
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.attach_button = QPushButton(QCoreApplication.translate("IntakeFiles", "Attach…"))
        self.paste_button = QPushButton(QCoreApplication.translate("IntakeFiles", "Paste image"))
        self.remove_button = QPushButton(QCoreApplication.translate("IntakeFiles", "Remove files"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        for button in (self.attach_button, self.paste_button, self.remove_button):
            layout.addWidget(button)
        self.attach_button.clicked.connect(self.choose)
        self.paste_button.clicked.connect(self.paste_image)
        self.remove_button.clicked.connect(self.clear)
        self._show()

    def add(self, items: list[Any]) -> None:
        self.items.extend(items)
        self._show()
        self.changed.emit()

    def add_paths(self, paths: list[str]) -> None:
        self.add([p for p in paths if p])

    def choose(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            QCoreApplication.translate("IntakeFiles", "Attach files"),
            "",
            QCoreApplication.translate("IntakeFiles", "Photos, recordings and documents (*)"),
        )
        self.add_paths(list(paths))

    def paste_image(self) -> bool:
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            return False
        self.add([{"base64": png_base64(image), "name": "pasted.png"}])
        return True

    def clear(self) -> None:
        if self.items:
            self.items = []
            self._show()
            self.changed.emit()

    def _show(self) -> None:
        names = [os.path.basename(i) if isinstance(i, str) else str(i.get("name") or "") for i in self.items]
        self.label.setText(
            QCoreApplication.translate("IntakeFiles", "Files: %1").replace("%1", ", ".join(names))
            if names
            else QCoreApplication.translate("IntakeFiles", "No files (drop photos here)")
        )
        self.remove_button.setVisible(bool(self.items))
