"""Appeals from an Open311 GeoReport v2 platform (JSON).

Each poll asks `requests.json` for the requests made in a moving window (`start_date` = now − window,
`end_date` = now), page after page (`page`, an extension many servers have; a server that ignores it answers the
same page again, which ends the paging). Both the specification's bare array and FixMyStreet's envelope
(`{"requests":[{"request":[...]}]}`, with `jurisdiction_id` required) are read. Every page is fetched and parsed
before anything is stored; then each request goes through `services.external.take_in` (one transaction each,
idempotent by source and `service_request_id`). Errors `[{"code":…,"description":…}]` are reported by source.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from ..attachments import AttachmentSettings
from ..db import Database
from ..enums import Category
from ..services.actor import SYSTEM, Actor
from ..services.errors import ValidationError
from ..services.external import ExternalAppeal, Outcome, take_in
from ..timeutil import parse_iso8601, utcnow
from .config import Open311Config
from .http import FeedDataError, FeedRemoteError, HttpSource
from .open311_media import keep_media

log = logging.getLogger(__name__)

#: The list of services (names for descriptions) is read again after this long.
SERVICES_MAX_AGE_S = 3600.0


def _scalar(value: Any) -> Any:
    """FixMyStreet wraps some values in one-element lists; the specification does not."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def _text(value: Any) -> str | None:
    value = _scalar(value)
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def unwrap(data: Any, plural: str, singular: str) -> list[dict[str, Any]] | None:
    """The list of records of an answer: a bare array, or `{plural: [{singular: [...]}]}`. None: neither."""
    if isinstance(data, dict) and plural in data:
        outer = data[plural]
        if isinstance(outer, list):
            items: list[Any] = []
            for block in outer:
                if isinstance(block, dict) and isinstance(block.get(singular), list):
                    items.extend(block[singular])
                elif isinstance(block, dict) and isinstance(block.get(singular), dict):
                    items.append(block[singular])
                else:
                    return None
            data = items
        else:
            return None
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        return data
    return None


def error_list(data: Any) -> str | None:
    """`[{"code": 403, "description": "Invalid api_key"}]` as a text, or None when the data is not that."""
    if isinstance(data, dict) and "errors" in data:
        data = data["errors"]
    if (
        isinstance(data, list)
        and data
        and all(isinstance(e, dict) and "description" in e and set(e) <= {"code", "description"} for e in data)
    ):
        return "; ".join(f"{_text(e.get('code')) or '?'} {_text(e.get('description')) or ''}".strip() for e in data)
    return None


def w3c_utc(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Open311Poll:
    fetched: int = 0
    pages: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: list[dict[str, str]] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)  # numbers of the cases created
    unmapped: list[str] = field(default_factory=list)  # service codes with no category in the config (→ other)
    media: int = 0  # photos (`media_url`) fetched and kept with their cases
    media_refused: list[dict[str, str]] = field(default_factory=list)  # photos left out, and why

    def as_dict(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "pages": self.pages,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "cases": self.cases,
            "unmapped_service_codes": self.unmapped,
            "media": self.media,
            "media_refused": self.media_refused,
        }


class Open311Client(HttpSource):
    def __init__(self, config: Open311Config, **kwargs: Any) -> None:
        super().__init__(config.name, config.url, config.http, **kwargs)
        self.config = config

    def prepare(self, kwargs: dict[str, Any]) -> None:
        params = kwargs.setdefault("params", {})
        if self.config.jurisdiction_id:
            params["jurisdiction_id"] = self.config.jurisdiction_id
        if self.config.api_key is not None:
            params["api_key"] = self.config.api_key.reveal()

    def error_text(self, response: requests.Response) -> str:
        try:
            described = error_list(response.json())
        except ValueError:
            described = None
        return described or super().error_text(response)

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        data = self.get_json(path, params=params)
        described = error_list(data)
        if described is not None:  # some servers answer errors with 200
            raise FeedRemoteError(self.name, 200, f"GET {path}: {described}")
        return data

    def services(self) -> list[dict[str, Any]]:
        items = unwrap(self._get("services.json"), "services", "service")
        if items is None:
            raise FeedDataError(self.name, "GET services.json: expected a list of services")
        return items

    def requests_between(self, start: datetime, end: datetime) -> tuple[list[dict[str, Any]], int]:
        """Every request made in [start, end), over as many pages as the server gives; and the page count."""
        seen: dict[str, dict[str, Any]] = {}
        pages = 0
        for page in range(1, self.config.max_pages + 1):
            params: dict[str, Any] = {"start_date": w3c_utc(start), "end_date": w3c_utc(end)}
            if page > 1:
                params["page"] = page
            items = unwrap(self._get("requests.json", params), "requests", "request")
            if items is None:
                raise FeedDataError(self.name, f"GET requests.json (page {page}): expected a list of requests")
            pages += 1
            new = 0
            for item in items:
                rid = _text(item.get("service_request_id"))
                if rid is None:  # accepted but not yet given an id (the spec's token stage): not ours yet
                    continue
                if rid not in seen:
                    new += 1
                seen[rid] = item
            if new == 0:  # an empty page, or the server ignores paging and sent the same page again
                break
        return list(seen.values()), pages


class Open311Feed:
    """One Open311 platform as a feed source."""

    def __init__(
        self,
        config: Open311Config,
        *,
        actor: Actor = SYSTEM,
        attachments: AttachmentSettings | None = None,
        **client_kwargs: Any,
    ) -> None:
        self.config = config
        #: The `[attachments]` limits a request's photo is taken in with (None: the defaults).
        self.attachments = attachments
        self.name = config.name
        self.interval_s = config.interval_s
        self.actor = actor
        self.client = Open311Client(config, **client_kwargs)
        self.service_names: dict[str, str] = {}
        self._services_read_at: float | None = None

    @property
    def http(self) -> Any:
        return self.config.http

    def close(self) -> None:
        self.client.close()

    def category(self, service_code: str | None) -> Category:
        if service_code is None:
            return Category.OTHER
        return self.config.categories.get(service_code, Category.OTHER)

    def appeal(self, item: dict[str, Any]) -> ExternalAppeal:
        """An Open311 request as an outside appeal. Raises ValidationError naming the Open311 field."""
        rid = _text(item.get("service_request_id"))
        assert rid is not None
        times: dict[str, datetime | None] = {}
        for name in ("requested_datetime", "updated_datetime"):
            raw = _text(item.get(name))
            try:
                times[name] = parse_iso8601(raw) if raw else None
            except ValueError as exc:
                raise ValidationError(name, f"is not a W3C date-time: {exc}") from None
        code = _text(item.get("service_code"))
        description = _text(item.get("description")) or _text(item.get("service_name")) or ""
        service_name = _text(item.get("service_name")) or (self.service_names.get(code or "") if code else None)
        if service_name and service_name not in description:
            description = f"[{service_name}] {description}".strip()
        return ExternalAppeal(
            source=self.name,
            external_id=rid[:128],
            category=self.category(code),
            description=description,
            channel=self.config.channel,
            priority=self.config.priority,
            status=_text(item.get("status")),
            status_notes=_text(item.get("status_notes")),
            address=_text(item.get("address")),
            lat=_scalar(item.get("lat")),
            lon=_scalar(item.get("long")),
            received_at=times["requested_datetime"],
            updated_at=times["updated_datetime"],
            media_url=_text(item.get("media_url")),
        )

    def refresh_services(self) -> None:
        names = {}
        for service in self.client.services():
            code, name = _text(service.get("service_code")), _text(service.get("service_name"))
            if code:
                names[code] = name or code
        self.service_names = names
        self._services_read_at = time.monotonic()

    def poll(self, db: Database, *, now: datetime | None = None) -> Open311Poll:
        now = now or utcnow()
        if self._services_read_at is None or time.monotonic() - self._services_read_at > SERVICES_MAX_AGE_S:
            self.refresh_services()
        items, pages = self.client.requests_between(now - timedelta(hours=self.config.window_h), now)
        result = Open311Poll(fetched=len(items), pages=pages)
        codes = {_text(item.get("service_code")) for item in items}
        result.unmapped = sorted(c for c in codes if c is not None and c not in self.config.categories)
        appeals: list[ExternalAppeal] = []
        for item in items:
            rid = _text(item.get("service_request_id")) or "?"
            try:
                appeals.append(self.appeal(item))
            except ValidationError as exc:
                result.invalid.append({"id": rid, "field": exc.field, "message": exc.reason})
        # Oldest first, so case numbers follow the order in which citizens made the requests.
        appeals.sort(key=lambda a: (a.received_at or now, a.external_id))
        for appeal in appeals:
            try:
                outcome = take_in(db, appeal, actor=self.actor, now=now)
            except ValidationError as exc:
                field = {"lon": "long"}.get(exc.field, exc.field)
                result.invalid.append({"id": appeal.external_id, "field": field, "message": exc.reason})
                continue
            if outcome.outcome == Outcome.CREATED:
                result.created += 1
                result.cases.append(outcome.case_number)
                if appeal.media_url:
                    keep_media(self, db, appeal, outcome.case_id, result)
            elif outcome.outcome == Outcome.UPDATED:
                result.updated += 1
            else:
                result.unchanged += 1
        if result.invalid:
            log.warning("%s: %d requests refused: %s", self.name, len(result.invalid), json.dumps(result.invalid[:5]))
        return result
