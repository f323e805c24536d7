"""The common base of every HTTP feed: one `requests.Session` per source, timeouts, retries with backoff and jitter.

Transient failures (connection refused or reset, timeouts, truncated bodies, 5xx, 429) are retried a few times
with an exponentially growing, jittered delay; what still fails becomes a `FeedError` whose message is safe to
store and show (secrets redacted). Nothing here touches the database.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from .. import __version__
from .config import HttpSettings
from .secrets import install_log_filter, redact

log = logging.getLogger(__name__)

USER_AGENT = f"dispatch-console/{__version__} (county dispatch console feeds)"


class FeedError(Exception):
    """A poll failed. `message` is redacted and short enough to store in `feed_health.last_error`."""

    kind = "error"

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = redact(message)[:500]
        super().__init__(f"{source}: {self.message}")


class FeedUnavailable(FeedError):
    """The server could not be reached or answered with a server error (worth trying again later)."""

    kind = "unavailable"


class FeedAuthError(FeedError):
    """The server refused our credentials."""

    kind = "auth"


class FeedDataError(FeedError):
    """The server answered, but with something that is not what its API documents (garbage, wrong shape)."""

    kind = "data"


class FeedRemoteError(FeedError):
    """The server refused the request and said why (4xx with a message)."""

    kind = "remote"

    def __init__(self, source: str, status: int, message: str) -> None:
        self.status = status
        super().__init__(source, f"HTTP {status}: {message}")


_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Delay before retry number `attempt` (0-based): base·2^attempt, jittered to 50–150 %, at most `cap`."""
    if base <= 0:
        return 0.0
    return float(min(cap, base * (2**attempt)) * rng.uniform(0.5, 1.5))


class HttpSource:
    """A JSON-over-HTTP client for one configured source."""

    def __init__(
        self,
        name: str,
        base_url: str,
        http: HttpSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        install_log_filter()
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"
        self.requests_made = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, url={self.base_url!r})"

    def close(self) -> None:
        self.session.close()

    # -- hooks of the concrete sources ------------------------------------------------------------------------

    def prepare(self, kwargs: dict[str, Any]) -> None:
        """Add authentication to a request's keyword arguments (headers, auth, params)."""

    def on_unauthorized(self) -> bool:
        """Called on a 401: return True after renewing the credentials (e.g. a new session) to retry once."""
        return False

    def error_text(self, response: requests.Response) -> str:
        """What the server said about an error response (a plain-text body by default)."""
        body = response.text.strip()
        return body[:200] if body else response.reason or "no message"

    # -- requests -----------------------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def _arguments(
        self, params: Mapping[str, Any] | None, data: Mapping[str, Any] | None, body: bytes | None
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "params": dict(params or {}),
            "timeout": (self.http.connect_timeout_s, self.http.read_timeout_s),
        }
        if data is not None:
            kwargs["data"] = dict(data)
        if body is not None:  # a JSON body made by the caller (a signature covers these exact bytes)
            kwargs["data"] = body
            kwargs["headers"] = {"Content-Type": "application/json"}
        return kwargs

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        authenticate: bool = True,
        body: bytes | None = None,
    ) -> requests.Response:
        """Send with retries; returns a 2xx response whose body was read completely, or raises FeedError."""
        relogged = False
        attempt = 0
        while True:
            kwargs = self._arguments(params, data, body)
            if authenticate:
                self.prepare(kwargs)
            failure: FeedError
            try:
                self.requests_made += 1
                response = self.session.request(method, self.url(path), **kwargs)
                _ = response.content  # read it all now: a truncated body fails here, inside the retry loop
            except requests.Timeout:
                failure = FeedUnavailable(self.name, f"{method} {path}: timed out")
            except requests.ConnectionError as exc:
                failure = FeedUnavailable(self.name, f"{method} {path}: cannot connect ({_short(exc)})")
            except _TRANSIENT as exc:
                failure = FeedUnavailable(self.name, f"{method} {path}: incomplete answer ({_short(exc)})")
            except requests.RequestException as exc:
                raise FeedError(self.name, f"{method} {path}: {_short(exc)}") from None
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return response
                if status == 401 and authenticate and not relogged:
                    relogged = True
                    if self.on_unauthorized():
                        continue
                if status in (401, 403):
                    raise FeedAuthError(self.name, f"{method} {path}: HTTP {status} {self.error_text(response)}")
                if status == 429 or status >= 500:
                    failure = FeedUnavailable(self.name, f"{method} {path}: HTTP {status} {self.error_text(response)}")
                else:
                    raise FeedRemoteError(self.name, status, f"{method} {path}: {self.error_text(response)}")
            if attempt >= self.http.retries:
                raise failure
            delay = backoff_delay(attempt, self.http.backoff_s, self.http.max_backoff_s, self.rng)
            log.info("%s: %s; retry %d in %.2f s", self.name, failure.message, attempt + 1, delay)
            self.sleep(delay)
            attempt += 1

    def get_json(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        response = self.request("GET", path, params=params)
        try:
            return response.json()
        except ValueError as exc:
            raise FeedDataError(self.name, f"GET {path}: not JSON ({_short(exc)})") from None


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return redact(text)[:200]
