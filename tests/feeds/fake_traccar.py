"""A fake Traccar server following its documented REST API (api/devices, api/positions, api/session).

As the real one: speed in knots; `fixTime`/`deviceTime`/`serverTime` as ISO 8601 with milliseconds, some with a
`+00:00` offset and some with `+0000`; `address`, `network`, `geofenceIds` sometimes null; 401 with an EMPTY body;
other errors with a plain-text body. Auth by Bearer token, Basic, or the JSESSIONID cookie set by
`POST /api/session` (form fields `email`, `password`). `expire_sessions()` makes every session invalid at once
(as a server restart or a session timeout does), `expire_after_calls` does it after some authenticated calls.

History, as Traccar's PositionResource: `GET /api/positions?deviceId=…&from=…&to=…` gives the device's positions
with a fix time between `from` and `to`, BOTH ends included, ordered by fix time, invalid fixes included; one device
per request; with `deviceId` but without both `from` and `to`, only the device's latest position (a list of one);
`from`/`to` must be full ISO 8601 with a zone (`2026-11-23T08:00:00.000Z`), anything else is a 400 with a
plain-text exception; a device the user may not see, or a user whose reports are disabled
(`reports_disabled`), gets a 400 `SecurityException` in plain text.
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .fakeserver import Reply, Request


def traccar_time(value: datetime, style: int) -> str:
    """Jackson's output: `2026-11-23T08:00:00.000+00:00`; older servers and some proxies: `...+0000`."""
    base = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    return base + ("+00:00" if style % 2 == 0 else "+0000")


@dataclass
class FakeTraccar:
    tokens: set[str] = field(default_factory=set)
    users: dict[str, str] = field(default_factory=dict)  # email -> password
    devices: list[dict[str, Any]] = field(default_factory=list)
    latest: dict[int, dict[str, Any]] = field(default_factory=dict)  # deviceId -> position
    history: dict[int, list[tuple[datetime, dict[str, Any]]]] = field(default_factory=dict)  # deviceId -> (fix, pos)
    reports_disabled: bool = False
    sessions: set[str] = field(default_factory=set)
    expire_after_calls: int | None = None
    logins: int = 0
    _calls: int = 0
    _next_position_id: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_device(self, unique_id: str, name: str | None = None) -> int:
        with self._lock:
            device_id = len(self.devices) + 1
            self.devices.append(
                {
                    "id": device_id,
                    "attributes": {},
                    "groupId": 0,
                    "calendarId": 0,
                    "name": name or unique_id,
                    "uniqueId": unique_id,
                    "status": "online",
                    "lastUpdate": None,
                    "positionId": 0,
                    "phone": None,
                    "model": None,
                    "contact": None,
                    "category": "car",
                    "disabled": False,
                    "expirationTime": None,
                }
            )
            return device_id

    def report(
        self,
        device_id: int,
        fix_at: datetime,
        lat: float,
        lon: float,
        *,
        speed_knots: float = 0.0,
        course: float = 0.0,
        valid: bool = True,
    ) -> dict[str, Any]:
        """A device reports a position: it becomes the device's latest."""
        with self._lock:
            pid = self._next_position_id
            self._next_position_id += 1
            position = {
                "id": pid,
                "attributes": {"sat": 9, "motion": speed_knots > 0, "distance": 12.5},
                "deviceId": device_id,
                "protocol": "osmand",
                "serverTime": traccar_time(fix_at, pid + 1),
                "deviceTime": traccar_time(fix_at, pid),
                "fixTime": traccar_time(fix_at, pid),
                "outdated": False,
                "valid": valid,
                "latitude": lat,
                "longitude": lon,
                "altitude": 45.0,
                "speed": speed_knots,
                "course": course,
                "address": None if pid % 2 else "No. 3 Renmin Road",
                "accuracy": 0.0,
                "network": None,
                "geofenceIds": None if pid % 3 else [1, 4],
            }
            self.latest[device_id] = position
            self.history.setdefault(device_id, []).append((fix_at.astimezone(UTC), position))
            for device in self.devices:
                if device["id"] == device_id:
                    device["positionId"] = pid
                    device["lastUpdate"] = position["serverTime"]
            return position

    # -- HTTP ---------------------------------------------------------------------------------------------------

    def _authorised(self, req: Request) -> bool:
        auth = req.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth[7:] in self.tokens
        if auth.startswith("Basic "):
            try:
                email, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
            except ValueError:
                return False
            return self.users.get(email) == password and bool(password)
        cookies = dict(part.strip().split("=", 1) for part in req.headers.get("cookie", "").split(";") if "=" in part)
        with self._lock:
            return cookies.get("JSESSIONID") in self.sessions

    def expire_sessions(self) -> None:
        with self._lock:
            self.sessions.clear()

    def __call__(self, req: Request) -> Reply:
        if req.path == "/api/session" and req.method == "POST":
            form = req.form()
            email, password = form.get("email", ""), form.get("password", "")
            if not email or self.users.get(email) != password:
                return Reply(401)  # Traccar answers a bad login with an empty 401
            sid = "node0" + secrets.token_hex(8) + ".node0"
            with self._lock:
                self.sessions.add(sid)
                self.logins += 1
            user = {"id": 1, "name": "dispatch", "email": email, "administrator": False, "attributes": {}}
            return Reply.json(user, **{"Set-Cookie": f"JSESSIONID={sid}; Path=/; HttpOnly"})
        if req.path in ("/api/devices", "/api/positions") and req.method == "GET":
            if not self._authorised(req):
                return Reply(401)
            with self._lock:
                self._calls += 1
                if self.expire_after_calls is not None and self._calls >= self.expire_after_calls:
                    self.sessions.clear()
                    self.expire_after_calls = None
                if req.path == "/api/devices":
                    return Reply.json(list(self.devices))
                if "id" in req.query:
                    return Reply.text("Not implemented in the fake: positions by id", 400)
                if "deviceId" in req.query:
                    return self._device_positions(req.query)
                return Reply.json([self.latest[d] for d in sorted(self.latest)])
        return Reply.text("HTTP 404 Not Found", 404)

    def _device_positions(self, query: dict[str, str]) -> Reply:
        """Called with the lock held."""
        try:
            device_id = int(query["deviceId"])
        except ValueError:
            return Reply.text("HTTP 404 Not Found", 404)  # JAX-RS: a query parameter that does not convert
        if not any(d["id"] == device_id for d in self.devices):
            return Reply.text("SecurityException (PermissionsService:134 < PositionResource:71 < ...)", 400)
        if "from" not in query or "to" not in query:
            latest = self.latest.get(device_id)
            return Reply.json([latest] if latest is not None else [])
        if self.reports_disabled:
            return Reply.text("SecurityException (PermissionsService:180 < PositionResource:73 < ...)", 400)
        bounds = []
        for key in ("from", "to"):
            text = query[key]
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:
                return Reply.text(f"WebApplicationException (DateUtil:64 < ...): cannot parse {text!r}", 400)
            bounds.append(moment.astimezone(UTC))
        start, end = bounds
        found = sorted(
            (item for item in self.history.get(device_id, []) if start <= item[0] <= end), key=lambda item: item[0]
        )
        return Reply.json([position for _, position in found])
