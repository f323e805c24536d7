"""`handoff CASE_NUMBER --to police_110|hotline_12345 [--ref REF] [--note TEXT]`: hand a case to the police line or
the hotline (with `--ref`, the reference the other side gave over the phone: accepted at once).

By hand, for a center without an adapter to the other line (or when it is down), the other side's answers to the
case's live hand-off:

    handoff CASE_NUMBER --ref REF            the other side accepted it (its reference number)
    handoff CASE_NUMBER --refused REASON     it refused it: the case is back here
    handoff CASE_NUMBER --result TEXT        its result: the loop is closed, the case resolved
    handoff CASE_NUMBER                      the case's receipts

Each prints the receipt (`{"case", "to", "at", "ref", "status", "accept_by", "accepted_in_time", …}`).
"""

from __future__ import annotations

import argparse
from typing import Any

from ..config.handoff import HandoffSettings
from ..errors import ServiceError
from .context import CliContext, CliError
from .operations import print_outcome, run_operation


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("handoff", help="hand a case to the police line or the hotline")
    p.add_argument("number", metavar="CASE_NUMBER", help="the case number, e.g. 2026-000123")
    p.add_argument("--to", choices=["police_110", "hotline_12345"], help="hand it to this line")
    p.add_argument("--ref", help="the other side's reference number")
    p.add_argument("--note", help="a note sent with the hand-off")
    answer = p.add_mutually_exclusive_group()
    answer.add_argument("--refused", metavar="REASON", help="the other side refused the live hand-off")
    answer.add_argument("--result", metavar="TEXT", help="the other side's result (closes the loop)")
    p.set_defaults(func=run)


def _settings(ctx: CliContext) -> HandoffSettings:
    from ..config import load_config

    try:
        return load_config(getattr(ctx.args, "config", None)).handoff
    except ServiceError as exc:
        raise CliError.from_service(exc) from None


def run(ctx: CliContext) -> int:
    a = ctx.args
    limit = _settings(ctx).accept_within_s
    common = {"number": a.number, "accept_within_s": limit}
    if a.to is not None:
        if a.refused is not None or a.result is not None:
            raise CliError({"error": "invalid", "field": "to", "message": "--to hands over; answer with a later call"})
        return print_outcome(ctx, run_operation(ctx, "handoff.send", to=a.to, ref=a.ref, note=a.note, **common))
    if a.refused is not None:
        return print_outcome(ctx, run_operation(ctx, "handoff.refuse", reason=a.refused, **common))
    if a.result is not None:
        return print_outcome(ctx, run_operation(ctx, "handoff.result", result=a.result, **common))
    if a.ref is not None:
        return print_outcome(ctx, run_operation(ctx, "handoff.accept", ref=a.ref, **common))
    receipts = run_operation(ctx, "handoff.list", **common).value
    ctx.print_json({"case": a.number, "handoffs": [r.as_dict() for r in receipts]})
    return 0
