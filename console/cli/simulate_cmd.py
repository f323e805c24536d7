"""`simulate [--speed X] [--duration S]`: a live demo — units move and report, dispatched units respond,
new appeals come in through intake. Ctrl-C stops cleanly after the current step."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType
from typing import Any

from ..demo import DEFAULT_SEED
from .context import CliContext, CliError


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "simulate", help="live demo: move units, answer dispatches, file new appeals (Ctrl-C stops)"
    )
    p.add_argument("--speed", type=_positive, default=1.0, help="how much busier than real life (default 1)")
    p.add_argument("--duration", type=_positive, metavar="S", help="stop after S seconds (default: until Ctrl-C)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the demo county and its randomness")
    p.add_argument("--per-day", type=_positive, default=90.0, help="new appeals per simulated day (default 90)")
    p.add_argument(
        "--auto-dispatch",
        action="store_true",
        help="also dispatch urgent appeals and resolve cases when their units clear (no operator needed)",
    )
    p.add_argument("--tick", type=_positive, default=1.0, metavar="S", help="seconds between steps (default 1)")
    p.add_argument(
        "--light",
        action="store_true",
        help="the light mode the console runs on the demo: real time, a few appeals, a step every 2 s "
        "(overrides --speed, --per-day, --tick and --auto-dispatch)",
    )
    p.set_defaults(func=run)


def run(ctx: CliContext) -> int:
    from ..demo.simulator import Simulator, StepReport

    args = ctx.args
    with ctx.db.session() as s:
        from sqlalchemy import func, select

        from ..models import Unit

        units = int(s.scalar(select(func.count(Unit.id))) or 0)
    if units == 0:
        raise CliError({"error": "empty", "message": "no units in the database; run `init --demo` first"})
    light: dict[str, Any] = {}
    if args.light:  # as the console runs it on the demo (`LiveDemo`)
        from ..demo.simulator import LIGHT

        args.speed, args.per_day, args.tick, args.auto_dispatch = LIGHT.speed, LIGHT.per_day, LIGHT.tick_s, False
        light = {"report_every_s": LIGHT.report_every_s, "old_fixes_at_once": LIGHT.old_fixes_at_once}
    sim = Simulator(
        ctx.db, seed=args.seed, speed=args.speed, per_day=args.per_day, auto_dispatch=args.auto_dispatch, **light
    )
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = (
        signal.signal(signal.SIGINT, on_signal) if threading.current_thread() is threading.main_thread() else None
    )
    try:
        with ctx.progress("simulate") as bar:
            bar.set_total(0)

            def on_step(report: StepReport) -> None:
                t = sim.totals
                bar.label = (
                    f"simulate ×{args.speed:g} {report.at.astimezone().strftime('%H:%M:%S')} "
                    f"fixes {t.fixes} appeals {t.appeals} status changes {t.status_changes} step"
                )
                bar.advance(1)

            totals = sim.run(args.duration, stop, tick_s=args.tick, on_step=on_step)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    ctx.print_json(
        {
            "steps": totals.steps,
            "fixes": totals.fixes,
            "appeals": totals.appeals,
            "status_changes": totals.status_changes,
            "refused": totals.refused,
            "stopped": "interrupted" if stop.is_set() else "duration",
        }
    )
    return 0
