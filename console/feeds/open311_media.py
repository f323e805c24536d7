"""A request's photo (Open311 `media_url`): fetched once, when the request first becomes a case, within the
`[attachments]` limits every other file of a case is taken in with (`max_bytes`, the types checked by content,
`max_pixels`; the source's `media_max_bytes`, when set, only tightens the size) — refused from its `Content-Length`
before a byte of it is read, and a body without one is read in blocks only up to the limit — checked by content like
any attachment and kept with the case (source `open311`).
A photo that cannot be fetched or is refused never holds the appeal back: the case stays, the refusal is reported
in the poll's `media_refused` and logged."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from ..attachments import AttachmentSettings, AttachmentTooLarge, prepare_bytes
from ..attachments.content import BLOCK, read_limited
from ..db import Database, write_transaction
from ..services.actor import Action
from ..services.attachments import add_attachment
from ..services.errors import ServiceError, ValidationError
from ..services.external import ExternalAppeal

if TYPE_CHECKING:
    from .open311 import Open311Feed, Open311Poll

log = logging.getLogger(__name__)


def fetch_media(session: requests.Session, url: str, limit: int, timeout: tuple[float, float]) -> bytes:
    """The body at `url`, at most `limit` bytes (ValidationError naming `media_url` otherwise)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValidationError("media_url", "must be an http or https address")
    try:
        with session.get(url, stream=True, timeout=timeout, headers={"Accept": "image/*"}) as response:
            if response.status_code != 200:
                raise ValidationError("media_url", f"the platform answered HTTP {response.status_code}")
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise AttachmentTooLarge("media_url", int(declared), limit)
            return read_limited(response.iter_content(BLOCK), limit, "media_url")
    except requests.RequestException as exc:
        raise ValidationError("media_url", f"cannot fetch the photo: {type(exc).__name__}") from None


def media_settings(attachments: AttachmentSettings | None, media_max_bytes: int | None) -> AttachmentSettings:
    """The `[attachments]` limits (the defaults without them), the size narrowed to `media_max_bytes` when set."""
    settings = attachments or AttachmentSettings()
    if media_max_bytes is not None and media_max_bytes < settings.max_bytes:
        settings = dataclasses.replace(settings, max_bytes=media_max_bytes)
    return settings


def keep_media(feed: Open311Feed, db: Database, appeal: ExternalAppeal, case_id: int, result: Open311Poll) -> None:
    assert appeal.media_url is not None
    config = feed.config
    settings = media_settings(feed.attachments, config.media_max_bytes)
    http: Any = config.http
    try:
        data = fetch_media(
            feed.client.session, appeal.media_url, settings.max_bytes, (http.connect_timeout_s, http.read_timeout_s)
        )
        prepared = prepare_bytes(data, settings, field="media_url", name=appeal.media_url.rsplit("/", 1)[-1][:200])
        write_transaction(
            db.sessions,
            lambda s: add_attachment(
                s, case_id=case_id, prepared=prepared, source="open311", actor=feed.actor, action=Action.INTAKE
            ),
        )
    except ServiceError as exc:
        reason = exc.reason if isinstance(exc, ValidationError) else exc.message
        result.media_refused.append({"id": appeal.external_id, "field": "media_url", "message": reason})
        log.warning("%s: the photo of request %s was left out: %s", feed.name, appeal.external_id, reason)
        return
    result.media += 1
