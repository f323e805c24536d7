"""`feeds [--once]`: run the configured outside feeds (Traccar GPS, Open311 platforms) beside the shared database.

The feeds are read from the `[feeds]` part of the configuration file (`--config FILE`, else the CONSOLE_CONFIG
variable, else the user's configuration file); the database from `--db`, else the file's `[database] url`.
Without `--once` the feeds run until SIGINT or SIGTERM, then stop cleanly (polls in progress finish, bounded by their
timeouts). With `--once` every source is polled once; the exit code is 1 if any source failed.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from ..config import FeedsConfig, load_config
from ..feeds.config import config_file
from ..feeds.handoff_peer import handoff_sources
from ..feeds.health import feed_health
from ..feeds.runner import FeedRunner, PollOutcome, build_sources
from ..services.errors import ValidationError
from .context import CliContext, CliError
from .identity import cli_actor


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("feeds", help="run the outside feeds (GPS server, appeal platforms)")
    p.add_argument("--once", action="store_true", help="poll every source once and exit (1 if a source failed)")
    p.set_defaults(func=run)


def load(ctx: CliContext) -> tuple[Path, FeedsConfig]:
    """The configuration's feeds (and, on `ctx.args.attachments`, its `[attachments]` limits)."""
    path = config_file(getattr(ctx.args, "config", None))
    if path is None:
        raise CliError(
            {
                "error": "invalid",
                "field": "config",
                "message": "no configuration file: pass --config FILE or set CONSOLE_CONFIG",
            }
        )
    try:
        config = load_config(path)
    except ValidationError as exc:
        raise CliError.from_service(exc) from None
    if config.feeds.empty and not config.settings.handoff.peers():
        raise CliError({"error": "invalid", "field": "feeds", "message": f"no feeds configured in {path.name}"})
    if not getattr(ctx.args, "db", None) and config.database_url:
        ctx.args.db = config.database_url
    ctx.args.handoff_peers = config.settings.handoff.peers()  # the 110 ↔ 12345 adapters run beside the feeds
    ctx.args.attachments = config.attachments  # Open311 photos are taken in with the limits of every attachment
    return path, config.feeds


def _line(outcome: PollOutcome) -> str:
    if outcome.ok:
        return f"{outcome.source}: ok\n"
    return f"{outcome.source}: {outcome.state.value if outcome.state else 'failed'}: {outcome.error}\n"


def run(ctx: CliContext) -> int:
    _, config = load(ctx)
    actor = cli_actor(ctx)
    sources = [
        *build_sources(config, actor=actor, attachments=ctx.args.attachments),
        *handoff_sources(ctx.args.handoff_peers, actor=actor),
    ]
    runner = FeedRunner(ctx.db, config, sources=sources, actor=actor)
    if ctx.args.once:
        try:
            outcomes = runner.run_once()
        finally:
            runner.close()
        ctx.print_json({"sources": [o.as_dict() for o in outcomes]})
        return 0 if all(o.ok for o in outcomes) else 1
    return run_forever(ctx, runner)


def run_forever(ctx: CliContext, runner: FeedRunner) -> int:
    stopping = threading.Event()
    previous: dict[signal.Signals, Any] = {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    verbose = bool(getattr(ctx.args, "verbose", False))
    last_state: dict[str, bool] = {}

    def on_poll(outcome: PollOutcome) -> None:  # say when a source changes between working and failing
        if verbose or last_state.get(outcome.source) != outcome.ok:
            ctx.err.write(_line(outcome))
            ctx.err.flush()
        last_state[outcome.source] = outcome.ok

    runner.on_poll = on_poll
    names = ", ".join(s.name for s in runner.sources)
    ctx.err.write(f"feeds running: {names} (stop with Ctrl+C or SIGTERM)\n")
    ctx.err.flush()
    maintenance = PartitionMaintenance(ctx)
    try:
        runner.start()
        maintenance.run_due()
        while not stopping.wait(0.5):
            maintenance.run_due()
    finally:
        runner.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    ctx.err.write("feeds stopped\n")
    ctx.print_json({"health": [_health(h) for h in feed_health(ctx.db)]})
    return 0


class PartitionMaintenance:
    """PostgreSQL: the feeds process keeps the time partitions ready (`console/db/partitions.py`) at start and every
    hour. A login that does not own the tables is told once; then `dispatch-console partitions` must run from a
    timer with the owner's login."""

    EVERY_S = 3600.0

    def __init__(self, ctx: CliContext) -> None:
        self.ctx = ctx
        self.next_at = 0.0
        self.enabled = ctx.db.is_postgres

    def run_due(self) -> None:
        if not self.enabled or time.monotonic() < self.next_at:
            return
        self.next_at = time.monotonic() + self.EVERY_S
        from sqlalchemy.exc import DBAPIError

        from ..db.partitions import ensure_partitions
        from ..timeutil import utcnow

        try:
            with self.ctx.db.engine.begin() as conn:
                created = ensure_partitions(conn, now=utcnow())
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == "42501":
                self.enabled = False
                self.ctx.err.write("partitions: this login does not own the tables; run `partitions` from a timer\n")
            else:  # the database may be down for a moment: try again in a few minutes
                self.next_at = time.monotonic() + 300
                self.ctx.err.write(f"partitions: {str(exc.orig or exc).splitlines()[0]}\n")
            self.ctx.err.flush()
            return
        if created:
            self.ctx.err.write(f"partitions created: {', '.join(created)}\n")
            self.ctx.err.flush()


def _health(h: Any) -> dict[str, Any]:
    return {
        "source": h.source,
        "state": h.state.value,
        "last_success_at": h.last_success_at,
        "last_error": h.last_error,
        "consecutive_failures": h.consecutive_failures,
    }
