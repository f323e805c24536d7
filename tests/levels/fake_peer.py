"""A faithful fake of the other line's hand-off gateway, on loopback (real HTTP), with its faults.

It checks every request's HMAC signature (401 otherwise), keeps hand-offs by our `id` (a POST sent again gives the
same reference), numbers each status change (`seq`), and can be told to be down, to refuse hand-offs, to reply with
the same status twice, or to reply out of order (a newer status first, then an older one).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class PeerCase:
    ref: str
    payload: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)  # status answers, oldest first


class FakePeer:
    def __init__(self, secret: str, prefix: str = "110") -> None:
        self.secret = secret
        self.prefix = prefix
        self.cases: dict[str, PeerCase] = {}  # by our id
        self.by_ref: dict[str, PeerCase] = {}
        self.refuse_reason: str | None = None  # refuse every new hand-off with this reason
        self.answers: dict[str, list[dict[str, Any]]] = {}  # ref -> answers to give, one per GET (last repeats)
        self.bad_signatures = 0
        self.posts = 0
        self.gets = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> FakePeer:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections."""
        if self.thread is not None:
            self.server.shutdown()
            self.thread = None
        self.server.server_close()

    # -- the other side's own steps ---------------------------------------------------------------------------------

    def set_status(self, ref: str, status: str, **extra: Any) -> dict[str, Any]:
        with self.lock:
            case = self.by_ref[ref]
            answer = {"ref": ref, "status": status, "seq": len(case.history) + 1, **extra}
            case.history.append(answer)
            return answer

    def script(self, ref: str, answers: list[dict[str, Any]]) -> None:
        """Answer the next GETs of `ref` with these (then the last one again)."""
        with self.lock:
            self.answers[ref] = list(answers)

    # -- HTTP -------------------------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _signed(self, body: bytes) -> bool:
                stamp = self.headers.get("X-Timestamp", "")
                path = self.path.split("?")[0]
                message = f"{stamp}.{self.command}.{path}.".encode() + body
                want = "sha256=" + hmac.new(peer.secret.encode(), message, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(want, self.headers.get("X-Signature", ""))
                if not ok:
                    peer.bad_signatures += 1
                    self._reply(401, {"reason": "bad signature"})
                return ok

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not self._signed(body):
                    return
                payload = json.loads(body)
                with peer.lock:
                    peer.posts += 1
                    if peer.refuse_reason is not None:
                        self._reply(422, {"reason": peer.refuse_reason})
                        return
                    case = peer.cases.get(payload["id"])
                    if case is None:  # idempotent by our id
                        ref = f"{peer.prefix}-{len(peer.cases) + 1:04d}"
                        case = PeerCase(ref, payload, [{"ref": ref, "status": "received", "seq": 1}])
                        peer.cases[payload["id"]] = case
                        peer.by_ref[ref] = case
                self._reply(201, {"ref": case.ref})

            def do_GET(self) -> None:
                if not self._signed(b""):
                    return
                ref = self.path.rstrip("/").rsplit("/", 1)[-1]
                with peer.lock:
                    peer.gets += 1
                    case = peer.by_ref.get(ref)
                    if case is None:
                        self._reply(404, {"reason": "unknown reference"})
                        return
                    scripted = peer.answers.get(ref) or [case.history[-1]]
                    answer = scripted.pop(0) if len(scripted) > 1 else scripted[0]
                self._reply(200, answer)

        return Handler
