"""`intake --json FILE|-`: one object or a list (all or nothing); prints the created case(s) as JSON. Runs the
console's intake operations (`intake.create`, `intake.batch`)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..services.errors import ValidationError
from ..services.inputs import load_json
from .context import CliContext, CliError
from .operations import run_operation


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("intake", help="create appeals from JSON (an object or a list)")
    p.add_argument("--json", dest="json_file", required=True, metavar="FILE", help="JSON file, or - for standard input")
    p.set_defaults(func=run)


def _load(ctx: CliContext) -> Any:
    source = ctx.args.json_file
    try:
        if source == "-":
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
        else:
            with open(source, "rb") as f:
                data = f.read()
    except OSError as exc:
        raise CliError(
            {"error": "invalid", "field": "json", "message": f"cannot read {source}: {exc.strerror}"}
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CliError(
            {"error": "invalid", "field": "json", "message": f"not UTF-8 text: {exc.reason} at byte {exc.start}"}
        ) from None
    try:
        return load_json(text, "json")
    except ValidationError as exc:
        raise CliError.from_service(exc) from None


def _row(outcome: Any) -> dict[str, Any]:
    row = {**outcome.record, "duplicates": outcome.duplicates}
    if outcome.suggested:  # the fields taken from the triage suggestion, e.g. ["category", "priority"]
        row["suggested"] = list(outcome.suggested)
    return row


def run(ctx: CliContext) -> int:
    from .evidence_cmd import attachment_settings

    data = _load(ctx)
    source = ctx.args.json_file
    # `attachments` given as relative paths are read from the JSON file's folder (standard input: the current one).
    files: dict[str, Any] = {
        "attachment_settings": attachment_settings(ctx),
        "base_dir": os.path.dirname(os.path.abspath(source)) if source != "-" else os.getcwd(),
    }
    if isinstance(data, list):
        outcomes = run_operation(ctx, "intake.batch", items=data, **files).value
        ctx.print_json([_row(o) for o in outcomes])
    else:
        ctx.print_json(_row(run_operation(ctx, "intake.create", data=data, **files).value))
    return 0
