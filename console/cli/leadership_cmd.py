"""Leader-owned cases (领导包案) and violence-risk disputes on the command line, as steps of `case`:

case own NUMBER --leader NAME [--visit DATE …] [--callback DATE …] [--note TEXT]
case follow-up NUMBER --kind visit|callback (--result TEXT | --due DATE)
case risk NUMBER --reason TEXT [--visit-within-h H]
case owned [--risk]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..services.errors import ServiceError, ValidationError
from .context import CliContext, CliError
from .operations import number_argument, run_operation


def _risk_visit_h(ctx: CliContext) -> float:
    from ..config import load_config

    try:
        return load_config(getattr(ctx.args, "config", None)).settings.follow_up.risk_visit_h
    except ServiceError as exc:
        raise CliError.from_service(exc) from None


def _own(ctx: CliContext) -> int:
    a = ctx.args
    plan = [{"kind": "visit", "due": d} for d in a.visit or []] + [
        {"kind": "callback", "due": d} for d in a.callback or []
    ]
    owned = run_operation(ctx, "leadership.own", number=a.number, leader=a.leader, plan=plan, note=a.note).value
    ctx.print_json(owned.as_dict())
    return 0


def _follow_up(ctx: CliContext) -> int:
    a = ctx.args
    if (a.result is None) == (a.due is None):
        raise CliError.from_service(ValidationError("result", "give --result (it happened) or --due (plan it)"))
    if a.due is not None:
        step = run_operation(ctx, "leadership.plan", number=a.number, kind=a.kind, due=a.due).value
    else:
        step = run_operation(ctx, "leadership.record", number=a.number, kind=a.kind, result=a.result).value
    ctx.print_json({"case": a.number, "step": step.as_dict()})
    return 0


def _risk(ctx: CliContext) -> int:
    a = ctx.args
    hours = number_argument(a.visit_within_h, "visit_within_h")
    owned = run_operation(
        ctx,
        "leadership.flag_risk",
        number=a.number,
        reason=a.reason,
        visit_within_h=hours if hours is not None else _risk_visit_h(ctx),
    ).value
    ctx.print_json(owned.as_dict())
    return 0


def _owned(ctx: CliContext) -> int:
    rows = run_operation(ctx, "leadership.risk_wall" if ctx.args.risk else "leadership.board").value
    ctx.print_json({"cases": [r.as_dict() for r in rows]})
    return 0


def register_case_steps(step: Callable[[str, str], argparse.ArgumentParser], steps: Any) -> None:
    o = step("own", "mark the case as owned by a named leader (领导包案) with its follow-up plan")
    o.add_argument("--leader", required=True, metavar="NAME")
    o.add_argument("--visit", action="append", metavar="DATE", help="a visit due by DATE (repeatable)")
    o.add_argument("--callback", action="append", metavar="DATE", help="a callback due by DATE (repeatable)")
    o.add_argument("--note")
    o.set_defaults(func=_own)
    f = step("follow-up", "record a visit or callback (--result), or plan one (--due)")
    f.add_argument("--kind", required=True, metavar="visit|callback")
    f.add_argument("--result", help="what came of it (records the earliest open step of that kind)")
    f.add_argument("--due", metavar="DATE", help="plan a step due by DATE")
    f.set_defaults(func=_follow_up)
    r = step("risk", "flag a dispute for violence risk (民转刑 风险)")
    r.add_argument("--reason", required=True)
    r.add_argument("--visit-within-h", dest="visit_within_h", metavar="H")
    r.set_defaults(func=_risk)
    b: argparse.ArgumentParser = steps.add_parser("owned", help="owned cases and flagged disputes, next step first")
    b.add_argument("--risk", action="store_true", help="only flagged disputes awaiting their visit (the wall's list)")
    b.set_defaults(func=_owned)
