"""A fake Open311 GeoReport v2 server (JSON format), in two flavours.

`spec`: as the GeoReport v2 specification documents: `services.json` and `requests.json` answer bare arrays;
`requests.json` filters on `requested_datetime` with `start_date` (inclusive) and `end_date` (exclusive) and pages
with `page` (1-based, `page_size` per page, a non-standard but common extension); ids are strings.

`fixmystreet`: as FixMyStreet's Open311 server: `jurisdiction_id` is required; answers are wrapped
(`{"services":[{"service":[...]}]}`, `{"requests":[{"request":[...]}]}`); service fields are one-element lists;
request ids are numbers; `agency_responsible` is `{"recipient": [...]}`; no paging (newest first, capped).

Errors in both: an HTTP 4xx with `[{"code": 400, "description": "..."}]`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from .fakeserver import Reply, Request

CST = timezone(timedelta(hours=8))


def w3c(value: datetime) -> str:
    """W3C date-time with an HH:MM offset, as the spec asks (the fake speaks China Standard Time)."""
    return value.astimezone(CST).replace(microsecond=0).isoformat()


def parse_w3c(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def error(code: int, description: str) -> Reply:
    return Reply.json([{"code": code, "description": description}], status=code)


@dataclass
class FakeOpen311:
    flavour: str = "spec"  # or "fixmystreet"
    jurisdiction_id: str = "county.example"
    api_key: str | None = None  # when set, requests must carry it
    page_size: int = 50
    max_requests: int = 1000
    services: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "service_code": "001",
                "service_name": "Water supply",
                "description": "No water, low pressure",
                "metadata": False,
                "type": "realtime",
                "keywords": "water",
                "group": "utilities",
            },
            {
                "service_code": "002",
                "service_name": "Noise",
                "description": "Noise at night",
                "metadata": False,
                "type": "realtime",
                "keywords": "noise",
                "group": "order",
            },
            {
                "service_code": "003",
                "service_name": "Stray dogs",
                "description": None,
                "metadata": False,
                "type": "batch",
                "keywords": None,
                "group": None,
            },
        ]
    )
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Files served at `/media/NAME` (the requests' `media_url`), as a platform's photo store does.
    media: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 1

    def add_request(
        self,
        requested: datetime,
        *,
        service_code: str = "001",
        description: str = "自来水停了两天，请尽快处理",
        lat: float | None = 24.81,
        lon: float | None = 113.6,
        address: str | None = "城关镇人民路3号",
        status: str = "open",
        media_url: str | None = None,
    ) -> str:
        with self._lock:
            n = self._next
            self._next += 1
            rid = f"{n:06d}" if self.flavour == "spec" else str(1000 + n)
            service = next(s for s in self.services if s["service_code"] == service_code)
            self.requests[rid] = {
                "service_request_id": rid,
                "status": status,
                "status_notes": None,
                "service_name": service["service_name"],
                "service_code": service_code,
                "description": description,
                "agency_responsible": None,
                "service_notice": None,
                "requested_datetime": w3c(requested),
                "updated_datetime": w3c(requested),
                "expected_datetime": None,
                "address": address,
                "address_id": None,
                "zipcode": None,
                "lat": lat,
                "long": lon,
                "media_url": media_url,
            }
            return rid

    def update_request(self, rid: str, when: datetime, **changes: Any) -> None:
        with self._lock:
            self.requests[rid].update(changes)
            self.requests[rid]["updated_datetime"] = w3c(when)

    # -- HTTP ---------------------------------------------------------------------------------------------------

    def __call__(self, req: Request) -> Reply:
        if req.path.startswith("/media/"):
            body = self.media.get(req.path.removeprefix("/media/"))
            return Reply(200, body, {"Content-Type": "image/jpeg"}) if body is not None else error(404, "no such file")
        path = req.path.rsplit("/", 1)[-1]
        if req.method != "GET" or path not in ("services.json", "requests.json"):
            return error(404, f"no such method: {req.method} {req.path}")
        jurisdiction = req.query.get("jurisdiction_id")
        if self.flavour == "fixmystreet" and not jurisdiction:
            return error(400, "Missing jurisdiction_id")
        if jurisdiction and jurisdiction != self.jurisdiction_id:
            return error(404, f"jurisdiction_id not found: {jurisdiction}")
        if self.api_key is not None and req.query.get("api_key") != self.api_key:
            return error(403, "Invalid api_key")
        if path == "services.json":
            return self._services()
        return self._requests(req)

    def _services(self) -> Reply:
        if self.flavour == "fixmystreet":
            wrapped = [{k: [v if v is not None else ""] for k, v in s.items()} for s in self.services]
            return Reply.json({"services": [{"service": wrapped}]})
        return Reply.json(self.services)

    def _requests(self, req: Request) -> Reply:
        try:
            start = parse_w3c(req.query["start_date"]) if "start_date" in req.query else None
            end = parse_w3c(req.query["end_date"]) if "end_date" in req.query else None
        except ValueError:
            return error(400, "start_date and end_date must be W3C date-times")
        with self._lock:
            rows = [dict(r) for r in self.requests.values()]
        if start is not None:
            rows = [r for r in rows if parse_w3c(r["requested_datetime"]) >= start]
        if end is not None:
            rows = [r for r in rows if parse_w3c(r["requested_datetime"]) < end]
        rows.sort(key=lambda r: parse_w3c(r["requested_datetime"]), reverse=True)
        if self.flavour == "fixmystreet":
            out = []
            for r in rows[: self.max_requests]:
                r["service_request_id"] = int(r["service_request_id"])
                r["agency_responsible"] = {"recipient": ["County Roads Office"]}
                r["interface_used"] = "Web interface"
                out.append({k: v for k, v in r.items() if v is not None})
            return Reply.json({"requests": [{"request": out}]})
        try:
            page = int(req.query.get("page", "1"))
        except ValueError:
            return error(400, "page must be a number")
        if page < 1:
            return error(400, "page must be 1 or more")
        return Reply.json(rows[(page - 1) * self.page_size : page * self.page_size])
