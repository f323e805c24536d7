"""A small threaded HTTP server on 127.0.0.1 for fake peers, with faults that tests can queue.

A fake app implements `handle(request) -> Reply`; the server applies queued faults first:
`"down"` is done by stopping the server; `"slow"` delays the reply past the client's read timeout;
`"500"` answers a plain-text server error; `"garbage"` answers 200 with a body that is not JSON;
`"truncated"` promises more bytes than it sends and closes the connection; `"cut_json"` sends a complete
HTTP body holding half a JSON document.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8")).items()}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Reply:
        return cls(
            status,
            json.dumps(data, ensure_ascii=False).encode("utf-8"),
            {"Content-Type": "application/json", **headers},
        )

    @classmethod
    def text(cls, text: str, status: int) -> Reply:
        return cls(status, text.encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8"})


class FakeServer:
    def __init__(self, app: Callable[[Request], Reply], *, slow_s: float = 1.0) -> None:
        self.app = app
        self.slow_s = slow_s
        self.faults: list[str] = []
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def queue(self, *faults: str) -> None:
        with self._lock:
            self.faults.extend(faults)

    def _next_fault(self) -> str | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def start(self) -> FakeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Request(
                    self.command,
                    parts.path,
                    {k: v[-1] for k, v in parse_qs(parts.query).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with fake._lock:
                    fake.log.append(req)
                fault = fake._next_fault()
                if fault == "slow":
                    time.sleep(fake.slow_s)
                    fault = None
                if fault == "500":
                    reply = Reply.text("java.lang.NullPointerException", 500)
                elif fault == "garbage":
                    reply = Reply(200, b"<html><body>Bad Gateway</body></html>", {"Content-Type": "application/json"})
                else:
                    try:
                        reply = fake.app(req)
                    except Exception as exc:  # a bug in the fake shows up as a 500 with its text
                        reply = Reply.text(f"fake server error: {exc!r}", 500)
                    if fault == "cut_json":
                        reply = Reply(reply.status, reply.body[: max(1, len(reply.body) // 2)], reply.headers)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if fault == "truncated":
                    self.send_header("Content-Length", str(len(reply.body) + 500))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.body:
                    self.wfile.write(reply.body)

            do_GET = _serve
            do_POST = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (the port then refuses connections: the server is down)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def restart(self) -> None:
        """Come back up on the same port."""
        self.start()

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.log if r.path == path]
