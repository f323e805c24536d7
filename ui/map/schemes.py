"""The page's own URL schemes: `app://` serves the map page and the web assets from resources/web,
`tiles://` serves basemap tiles from a local MBTiles store. Nothing else is reachable (see guard.py).

Schemes must be registered before the QApplication exists: call `register_schemes()` at start-up.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QFile, QIODevice, QObject, Qt
from PySide6.QtWebEngineCore import QWebEngineUrlRequestJob, QWebEngineUrlScheme, QWebEngineUrlSchemeHandler

from console.geo.mbtiles import MBTiles
from console.paths import resource

APP_SCHEME = b"app"
TILES_SCHEME = b"tiles"
OWN_SCHEMES = frozenset({"app", "tiles", "data", "blob"})

_MIME_OVERRIDES = {".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2", ".woff": "font/woff"}
_registered: list[bool] = []  # one entry once the schemes are declared


def register_schemes() -> None:
    """Declare app:// and tiles:// to Qt WebEngine (once, before the QApplication is created)."""
    if _registered:
        return
    for name in (APP_SCHEME, TILES_SCHEME):
        scheme = QWebEngineUrlScheme(name)
        scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
        scheme.setFlags(
            QWebEngineUrlScheme.Flag.SecureScheme
            | QWebEngineUrlScheme.Flag.LocalAccessAllowed
            | QWebEngineUrlScheme.Flag.CorsEnabled
            | QWebEngineUrlScheme.Flag.FetchApiAllowed
        )
        QWebEngineUrlScheme.registerScheme(scheme)
    if QCoreApplication.instance() is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    _registered.append(True)


def _reply(job: QWebEngineUrlRequestJob, mime: str, data: bytes) -> None:
    buffer = QBuffer(job)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    job.reply(mime.encode(), buffer)


class AppSchemeHandler(QWebEngineUrlSchemeHandler):
    """app://map/index.html → the page built for this widget; app://web/<path> → resources/web/<path>."""

    def __init__(self, parent: QObject | None = None, web_root: Path | None = None) -> None:
        super().__init__(parent)
        self._web_root = (web_root or resource("web")).resolve()
        self._page = b""

    def set_page(self, html: str) -> None:
        self._page = html.encode("utf-8")

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        host, path = url.host(), url.path().lstrip("/")
        if host == "map" and path == "index.html":
            _reply(job, "text/html; charset=utf-8", self._page)
            return
        if host == "web":
            data, mime = self._asset(path)
            if data is not None:
                _reply(job, mime, data)
                return
        job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)

    def _asset(self, path: str) -> tuple[bytes | None, str]:
        if path == "qwebchannel.js":
            f = QFile(":/qtwebchannel/qwebchannel.js")
            if f.open(QIODevice.OpenModeFlag.ReadOnly):
                return bytes(f.readAll().data()), "text/javascript"
            return None, ""
        target = (self._web_root / path).resolve()
        if not target.is_relative_to(self._web_root) or not target.is_file():
            return None, ""
        mime = _MIME_OVERRIDES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return target.read_bytes(), mime


class TileSchemeHandler(QWebEngineUrlSchemeHandler):
    """tiles://basemap/{z}/{x}/{y} → the tile from the MBTiles store (XYZ asked, TMS stored); 404 when absent."""

    def __init__(self, store: MBTiles | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.served = 0
        self.missing = 0

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        parts = url.path().strip("/").split("/")
        tile = None
        if self._store is not None and url.host() == "basemap" and len(parts) == 3:
            try:
                z, x, y = (int(p.split(".")[0]) for p in parts)
            except ValueError:
                z = x = y = -1
            tile = self._store.tile(z, x, y) if z >= 0 else None
        if tile is None:
            self.missing += 1
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self.served += 1
        # Tiles are read by the page's own origin only (images need no header; fetch and canvas reads do).
        job.setAdditionalResponseHeaders({QByteArray(b"Access-Control-Allow-Origin"): QByteArray(b"app://map")})
        _reply(job, self._store.mime_type if self._store else "image/png", tile)
