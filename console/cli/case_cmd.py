"""`case …`: every step the console offers on a case, as a command acting as `--user`.

    case assign NUMBER --to department|township --name NAME [--hours H]
    case accept NUMBER            case return NUMBER --reason TEXT
    case resolve NUMBER --resolution TEXT
    case callback NUMBER --result satisfied|basically_satisfied|dissatisfied|not_reached [--note TEXT]
    case close NUMBER             case note NUMBER TEXT
    case merge NUMBER --into NUMBER
    case invalid NUMBER --reason TEXT
    case escalate NUMBER [--reason TEXT]
    case take NUMBER [--note TEXT]   case up NUMBER --reason TEXT   case down NUMBER --to township|village
    case attach NUMBER FILE…      case files NUMBER     case file SHA256 --out FILE
    case place-from-photo NUMBER SHA256            (photos and evidence: console/cli/evidence_cmd.py)
    case own … / follow-up … / risk … / owned       (leader-owned cases: console/cli/leadership_cmd.py)

Each runs the console's operation of the same name and prints where the case stands after it
(`{"case", "status", "escalation", …, "changes"}`); codes are checked by the core, so a wrong one is a JSON error
naming the option.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .context import CliContext
from .operations import number_argument, print_outcome, run_operation

RESULTS = "satisfied|basically_satisfied|dissatisfied|not_reached"


def _run(name: str, **options: Callable[[argparse.Namespace], Any]) -> Callable[[CliContext], int]:
    """A command that runs operation `name` on the case NUMBER with the arguments `options` take from the args."""

    def run(ctx: CliContext) -> int:
        arguments = {key: get(ctx.args) for key, get in options.items()}
        return print_outcome(ctx, run_operation(ctx, name, number=ctx.args.number, **arguments))

    return run


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("case", help="act on a case (assign, resolve, close, …)")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True)

    def step(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = steps.add_parser(name, help=help_text)
        parser.add_argument("number", metavar="NUMBER", help="the case number, e.g. 2026-000123")
        return parser

    a = step("assign", "assign to a department or township (派单)")
    a.add_argument("--to", required=True, metavar="department|township")
    a.add_argument("--name", required=True, help="the department's or township's name")
    a.add_argument("--hours", metavar="H", help="deadline in working hours (default: the priority's)")
    a.set_defaults(
        func=_run(
            "case.assign",
            assignee_kind=lambda args: args.to,
            assignee=lambda args: args.name,
            hours=lambda args: number_argument(args.hours, "hours"),
        )
    )
    step("accept", "sign for the case's assignment (签收)").set_defaults(func=_run("case.accept"))
    r = step("return", "give the case's assignment back (退单)")
    r.add_argument("--reason", required=True)
    r.set_defaults(func=_run("case.return", reason=lambda args: args.reason))
    s = step("resolve", "resolve the case with its result (办结)")
    s.add_argument("--resolution", required=True)
    s.set_defaults(func=_run("case.resolve", resolution=lambda args: args.resolution))
    c = step("callback", "record the callback to the citizen (回访)")
    c.add_argument("--result", required=True, metavar=RESULTS)
    c.add_argument("--note")
    c.set_defaults(func=_run("case.callback", result=lambda args: args.result, note=lambda args: args.note))
    step("close", "close a resolved case").set_defaults(func=_run("case.close"))
    n = step("note", "add a note to the case's timeline")
    n.add_argument("text", metavar="TEXT")
    n.set_defaults(func=_run("case.note", text=lambda args: args.text))
    m = step("merge", "merge a duplicate into its master case")
    m.add_argument("--into", required=True, metavar="NUMBER")
    m.set_defaults(func=_run("case.merge", into=lambda args: args.into))
    i = step("invalid", "mark the case invalid (无效), with the reason")
    i.add_argument("--reason", required=True)
    i.set_defaults(func=_run("case.invalidate", reason=lambda args: args.reason))
    e = step("escalate", "escalate the case one level (督办)")
    e.add_argument("--reason", help="why (default: manual)")
    e.set_defaults(func=_run("case.escalate", reason=lambda args: args.reason))
    t = step("take", "take the case at your village or township center (就地化解)")
    t.add_argument("--note")
    t.set_defaults(func=_run("case.take", note=lambda args: args.note))
    u = step("up", "send the case one level up (上交), with the reason")
    u.add_argument("--reason", required=True)
    u.set_defaults(func=_run("case.send_up", reason=lambda args: args.reason))
    d = step("down", "send the case down to its township or village")
    d.add_argument("--to", required=True, metavar="township|village")
    d.add_argument("--reason")
    d.set_defaults(func=_run("case.send_down", to=lambda args: args.to, reason=lambda args: args.reason))
    from . import evidence_cmd, leadership_cmd

    evidence_cmd.register_case_steps(step, steps)
    leadership_cmd.register_case_steps(step, steps)
