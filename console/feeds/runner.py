"""`FeedRunner`: runs every configured feed source until stopped.

Each source polls in its own thread at its interval; a failed poll is recorded in `feed_health` (degraded, then
down) and the next one waits longer (exponential backoff with jitter, up to `max_backoff_s`); a success resets
both. No exception ever leaves a source's loop: a feed outage or garbage never stops the runner or the console it
runs in. `start()`/`stop()` are thread-safe (the console runs the runner in a worker); `run_once()` makes one
pass over every source in the calling thread (`dispatch-console feeds --once`).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.exc import OperationalError

from ..attachments import AttachmentSettings
from ..db import Database
from ..services.actor import SYSTEM, Actor
from .config import FeedsConfig, HttpSettings
from .health import HealthState, HealthView, record_failure, record_success
from .http import FeedError, backoff_delay
from .open311 import Open311Feed
from .secrets import install_log_filter, redact
from .traccar import TraccarFeed

log = logging.getLogger(__name__)


class Source(Protocol):
    name: str
    interval_s: float

    @property
    def http(self) -> HttpSettings: ...

    def poll(self, db: Database) -> Any: ...

    def close(self) -> None: ...


@dataclass
class PollOutcome:
    source: str
    ok: bool
    state: HealthState | None = None
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "ok": self.ok,
            "state": self.state.value if self.state else None,
            "error": self.error,
            **self.detail,
        }


def build_sources(
    config: FeedsConfig,
    *,
    actor: Actor = SYSTEM,
    attachments: AttachmentSettings | None = None,
    **client_kwargs: Any,
) -> list[Source]:
    """The configured sources; `attachments`: the `[attachments]` limits the Open311 photos are taken in with."""
    sources: list[Source] = []
    if config.traccar is not None:
        sources.append(TraccarFeed(config.traccar, actor=actor, **client_kwargs))
    for o in config.open311:
        sources.append(Open311Feed(o, actor=actor, attachments=attachments, **client_kwargs))
    return sources


class FeedRunner:
    def __init__(
        self,
        db: Database,
        config: FeedsConfig | None = None,
        *,
        sources: list[Source] | None = None,
        actor: Actor = SYSTEM,
        on_poll: Callable[[PollOutcome], None] | None = None,
        rng: random.Random | None = None,
        attachments: AttachmentSettings | None = None,
    ) -> None:
        install_log_filter()
        self.db = db
        self.actor = actor
        self.sources = (
            sources
            if sources is not None
            else build_sources(config or FeedsConfig(), actor=actor, attachments=attachments)
        )
        self.on_poll = on_poll
        self.rng = rng or random.Random()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.failures: dict[str, int] = {s.name: 0 for s in self.sources}

    # -- one poll ----------------------------------------------------------------------------------------------

    def poll_source(self, source: Source) -> PollOutcome:
        """Poll once and record the health; never raises."""
        try:
            result = source.poll(self.db)
        except FeedError as exc:
            outcome = PollOutcome(source.name, False, error=exc.message)
        except OperationalError as exc:  # the database is away (restart, failover): said once below, no traceback
            outcome = PollOutcome(
                source.name, False, error=redact(f"database: {exc.orig or exc}".splitlines()[0])[:500]
            )
        except Exception as exc:  # a bug: still never crash the runner
            log.exception("%s: poll failed", source.name)
            outcome = PollOutcome(source.name, False, error=redact(f"{type(exc).__name__}: {exc}")[:500])
        else:
            detail = result.as_dict() if hasattr(result, "as_dict") else {}
            outcome = PollOutcome(source.name, True, detail=detail)
        self.failures[source.name] = 0 if outcome.ok else self.failures.get(source.name, 0) + 1
        try:
            view: HealthView = (
                record_success(self.db, source.name, actor=self.actor)
                if outcome.ok
                else record_failure(self.db, source.name, outcome.error or "failed", actor=self.actor)
            )
            outcome.state = view.state
        except Exception as exc:  # the database is down: the next poll tries again
            log.warning("%s: cannot record feed health: %s", source.name, redact(str(exc))[:200])
        if not outcome.ok:
            log.warning("%s: %s", source.name, outcome.error)
        if self.on_poll is not None:
            try:
                self.on_poll(outcome)
            except Exception:
                log.exception("on_poll callback failed")
        return outcome

    def next_delay(self, source: Source) -> float:
        """The wait before the next poll: the interval, or a growing, jittered backoff after failures."""
        failures = self.failures.get(source.name, 0)
        if failures == 0:
            return source.interval_s
        cap = max(source.interval_s, source.http.max_backoff_s)
        return max(source.interval_s, backoff_delay(failures - 1, source.interval_s * 2, cap, self.rng))

    def run_once(self) -> list[PollOutcome]:
        return [self.poll_source(s) for s in self.sources]

    # -- running until stopped ---------------------------------------------------------------------------------

    def _loop(self, source: Source) -> None:
        while not self._stop.is_set():
            self.poll_source(source)
            if self._stop.wait(self.next_delay(source)):
                break

    @property
    def running(self) -> bool:
        with self._lock:
            return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        with self._lock:
            if any(t.is_alive() for t in self._threads):
                return
            self._stop.clear()
            self._threads = [
                threading.Thread(target=self._loop, args=(s,), name=f"feed-{s.name}", daemon=True) for s in self.sources
            ]
            for thread in self._threads:
                thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every source to stop and wait for polls in progress to end (each is bounded by its timeouts)."""
        with self._lock:
            self._stop.set()
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until `stop()` is called (True) or the timeout passes (False)."""
        return self._stop.wait(timeout)

    def close(self) -> None:
        self.stop()
        for source in self.sources:
            source.close()
