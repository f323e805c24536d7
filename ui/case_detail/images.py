"""Images between the core and Qt: a pasted image as the base64 PNG `attachments.add` takes, bytes the core made
(thumbnails, previews) as a pixmap."""

from __future__ import annotations

import base64

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QPixmap


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
