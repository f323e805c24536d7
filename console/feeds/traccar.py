"""Unit GPS from a Traccar server (REST API): devices map to units by tracker id (`uniqueId`).

Each poll reads `GET /api/positions` (the latest position of every device the user sees) and, when a position
names a device not seen yet, `GET /api/devices`. Authentication: a Bearer token, Basic, or a session cookie from
`POST /api/session` (form fields `email`, `password`), renewed once when the server answers 401 mid-run.

Traccar gives speed in knots; times as ISO 8601 with `+00:00` or `+0000` offsets (some versions epoch
milliseconds); `address`, `network`, `geofenceIds` may be null. A whole answer is parsed before anything is
stored, and all its fixes go to the ingest service in one batch (one transaction): never half a batch.

Backfill: when a device's latest fix is more than `backfill_gap_s` (three poll intervals, at least 60 s) newer than
the last fix stored for its unit — the feed, the server or this process was down meanwhile — the poll first reads
the device's history over the gap, `GET /api/positions?deviceId=…&from=…&to=…` (ISO 8601 UTC; Traccar includes both
ends and orders by fix time; one device per request), at most `BACKFILL_MAX` back, and stores it in the same batch
as the latest fixes, so the patrol check-ins of the gap are matched as if the feed had never stopped. The gap is
read from the database (the unit's last fix), so a failed poll is simply tried again; a history request the server
refuses (say reports are disabled for the user) is logged and skipped, and the latest fixes are stored all the same.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..db import Database
from ..models import Unit
from ..services.actor import SYSTEM, Actor
from ..services.positions import Fix, IngestReport, ingest_positions
from ..timeutil import parse_iso8601
from .config import TraccarConfig
from .http import FeedDataError, FeedRemoteError, HttpSource

log = logging.getLogger(__name__)

KNOT_KMH = 1.852
#: The device list (tracker ids) is read again after this long, or at once when an unknown device reports.
DEVICES_MAX_AGE_S = 600.0
#: A backfill reaches at most this far back (a unit silent for a week is not replayed from the server).
BACKFILL_MAX = timedelta(hours=24)


def traccar_query_time(value: datetime) -> str:
    """The form Traccar's API parses for `from`/`to`: ISO 8601 in UTC with milliseconds, `2026-11-23T08:00:00.000Z`."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_time(value: Any) -> datetime:
    """A Traccar time: ISO 8601 with `Z`, `+00:00` or `+0000`, or epoch milliseconds."""
    if isinstance(value, bool):
        raise ValueError("not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    if not isinstance(value, str):
        raise ValueError("not a time")
    return parse_iso8601(value)


@dataclass(frozen=True, slots=True)
class Device:
    id: int
    unique_id: str
    name: str | None


@dataclass
class TraccarPoll:
    positions: int = 0
    skipped: int = 0  # positions without a valid fix, or of devices we do not know
    backfilled: int = 0  # history positions read to fill gaps
    backfill_devices: int = 0
    backfill_errors: list[str] = field(default_factory=list)
    report: IngestReport | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"positions": self.positions, "skipped": self.skipped}
        if self.backfill_devices or self.backfill_errors:
            out.update(
                backfilled=self.backfilled, backfill_devices=self.backfill_devices, backfill_errors=self.backfill_errors
            )
        if self.report is not None:
            out.update(self.report.as_dict())
        return out


class TraccarClient(HttpSource):
    def __init__(self, config: TraccarConfig, **kwargs: Any) -> None:
        super().__init__(config.name, config.url, config.http, **kwargs)
        self.config = config
        self._logged_in = False

    # -- authentication -----------------------------------------------------------------------------------------

    def prepare(self, kwargs: dict[str, Any]) -> None:
        auth = self.config.auth
        if auth == "token":
            assert self.config.token is not None
            kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {self.config.token.reveal()}"
        elif auth == "basic":
            assert self.config.user is not None and self.config.password is not None
            kwargs["auth"] = (self.config.user, self.config.password.reveal())
        elif not self._logged_in:
            self.login()

    def login(self) -> None:
        """Open a session: POST /api/session with the user's email and password; the server sets JSESSIONID."""
        assert self.config.user is not None and self.config.password is not None
        self.session.cookies.clear()
        self.request(
            "POST",
            "/api/session",
            data={"email": self.config.user, "password": self.config.password.reveal()},
            authenticate=False,
        )
        self._logged_in = True

    def on_unauthorized(self) -> bool:
        if self.config.auth != "session":
            return False
        log.info("%s: session expired, logging in again", self.name)
        self._logged_in = False
        self.login()
        return True

    # -- API ----------------------------------------------------------------------------------------------------

    def devices(self) -> list[Device]:
        data = self.get_json("/api/devices")
        if not isinstance(data, list):
            raise FeedDataError(self.name, "GET /api/devices: expected a list of devices")
        out = []
        for i, item in enumerate(data):
            if not isinstance(item, dict):
                raise FeedDataError(self.name, f"GET /api/devices: item {i} is not an object")
            device_id, unique_id = item.get("id"), item.get("uniqueId")
            if not isinstance(device_id, int) or not isinstance(unique_id, str) or not unique_id:
                raise FeedDataError(self.name, f"GET /api/devices: item {i} lacks id or uniqueId")
            name = item.get("name")
            out.append(Device(device_id, unique_id, name if isinstance(name, str) else None))
        return out

    def positions(self) -> list[dict[str, Any]]:
        data = self.get_json("/api/positions")
        if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
            raise FeedDataError(self.name, "GET /api/positions: expected a list of positions")
        return data

    def history(self, device_id: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """The device's positions with a fix time in [start, end] (both included), in fix-time order."""
        params = {"deviceId": device_id, "from": traccar_query_time(start), "to": traccar_query_time(end)}
        data = self.get_json("/api/positions", params=params)
        if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
            raise FeedDataError(self.name, f"GET /api/positions?deviceId={device_id}: expected a list of positions")
        return data


def position_fix(position: dict[str, Any], tracker_id: str) -> Fix:
    """A Traccar position as a fix (speed knots → km/h). Raises ValueError naming the field that is wrong."""
    try:
        fix_at = parse_time(position.get("fixTime"))
    except ValueError as exc:
        raise ValueError(f"fixTime: {exc}") from None
    lat, lon = position.get("latitude"), position.get("longitude")
    for name, value in (("latitude", lat), ("longitude", lon)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{name}: must be a number")
    speed = position.get("speed")
    course = position.get("course")
    speed_kmh = (
        round(float(speed) * KNOT_KMH, 2) if isinstance(speed, int | float) and not isinstance(speed, bool) else None
    )
    course_deg = float(course) % 360 if isinstance(course, int | float) and not isinstance(course, bool) else None
    assert isinstance(lat, int | float) and isinstance(lon, int | float)
    return Fix(
        fix_at=fix_at, lat=float(lat), lon=float(lon), tracker_id=tracker_id, speed_kmh=speed_kmh, course=course_deg
    )


class TraccarFeed:
    """One Traccar server as a feed source: `poll(db)` fetches the latest positions and ingests them."""

    def __init__(self, config: TraccarConfig, *, actor: Actor = SYSTEM, **client_kwargs: Any) -> None:
        self.config = config
        self.name = config.name
        self.interval_s = config.interval_s
        self.actor = actor
        self.client = TraccarClient(config, **client_kwargs)
        self.devices: dict[int, Device] = {}
        self._devices_read_at: float | None = None

    @property
    def http(self) -> Any:
        return self.config.http

    def close(self) -> None:
        self.client.close()

    @property
    def backfill_gap_s(self) -> float:
        return max(60.0, 3 * self.interval_s)

    def poll(self, db: Database) -> TraccarPoll:
        positions = self.client.positions()
        stale = self._devices_read_at is None or time.monotonic() - self._devices_read_at > DEVICES_MAX_AGE_S
        if stale or any(p.get("deviceId") not in self.devices for p in positions):
            self.devices = {d.id: d for d in self.client.devices()}
            self._devices_read_at = time.monotonic()
        result = TraccarPoll(positions=len(positions))
        fixes: list[Fix] = []
        for position in positions:
            device = self.devices.get(position.get("deviceId"))  # type: ignore[arg-type]
            if device is None or position.get("valid") is False:
                result.skipped += 1
                continue
            try:
                fixes.append(position_fix(position, device.unique_id))
            except ValueError as exc:
                raise FeedDataError(self.name, f"position {position.get('id')!r}: {exc}") from None
        if fixes:
            history = self._backfill(db, fixes, result)
            result.report = ingest_positions(db, history + fixes, source=self.name, actor=self.actor)
        return result

    def _backfill(self, db: Database, latest: list[Fix], result: TraccarPoll) -> list[Fix]:
        """History fixes of the devices whose latest fix is well after what their unit has stored."""
        with db.session() as s:
            stored = dict(
                s.execute(
                    select(Unit.tracker_id, Unit.fix_at).where(
                        Unit.tracker_id.in_(sorted({f.tracker_id for f in latest if f.tracker_id}))
                    )
                )
                .tuples()
                .all()
            )
        by_unique = {d.unique_id: d for d in self.devices.values()}
        out: list[Fix] = []
        for fix in latest:
            last = stored.get(fix.tracker_id) if fix.tracker_id else None
            device = by_unique.get(fix.tracker_id or "")
            if last is None or device is None or (fix.fix_at - last).total_seconds() <= self.backfill_gap_s:
                continue
            start = max(last, fix.fix_at - BACKFILL_MAX)
            try:
                positions = self.client.history(device.id, start, fix.fix_at)
            except FeedRemoteError as exc:  # refused for good (a restriction, a permission): keep the live feed going
                log.warning("%s: no backfill for device %s: %s", self.name, device.unique_id, exc.message)
                result.backfill_errors.append(f"{device.unique_id}: {exc.message}")
                continue
            result.backfill_devices += 1
            for position in positions:
                if position.get("valid") is False or position.get("deviceId", device.id) != device.id:
                    continue
                try:
                    out.append(position_fix(position, device.unique_id))
                except ValueError as exc:
                    raise FeedDataError(self.name, f"history position {position.get('id')!r}: {exc}") from None
            result.backfilled += len(positions)
        return out


__all__ = ["Device", "TraccarClient", "TraccarFeed", "TraccarPoll", "parse_time", "position_fix", "traccar_query_time"]
