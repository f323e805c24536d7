"""Keeps the map page offline: every request outside the app's own schemes (and the configured intranet tile
server, if any) is blocked and recorded."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject
from PySide6.QtWebEngineCore import QWebEngineUrlRequestInfo, QWebEngineUrlRequestInterceptor

from .schemes import OWN_SCHEMES


class RequestGuard(QWebEngineUrlRequestInterceptor):
    def __init__(self, allowed_origins: frozenset[str] = frozenset(), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._allowed_origins = allowed_origins
        self._lock = threading.Lock()
        self._blocked: list[str] = []
        self._seen = 0

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        scheme = url.scheme().lower()
        allowed = scheme in OWN_SCHEMES
        if not allowed and scheme in ("http", "https"):
            origin = f"{scheme}://{url.authority()}".lower()
            allowed = origin in self._allowed_origins
        with self._lock:
            self._seen += 1
            if not allowed:
                self._blocked.append(url.toString())
        if not allowed:
            info.block(True)

    @property
    def blocked(self) -> list[str]:
        with self._lock:
            return list(self._blocked)

    @property
    def seen(self) -> int:
        with self._lock:
            return self._seen
