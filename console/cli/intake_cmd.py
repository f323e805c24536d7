"""`intake --json FILE|-`: one object or a list (all or nothing); prints the created case(s) as JSON."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..db import write_transaction
from ..services import intake
from ..services.errors import ServiceError, ValidationError
from ..services.inputs import load_json
from .context import CliContext, CliError
from .identity import cli_actor
from .serialize import case_dict


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


def run(ctx: CliContext) -> int:
    data = _load(ctx)
    many = isinstance(data, list)
    items = data if many else [data]
    if many and not items:
        raise CliError({"error": "invalid", "field": "json", "message": "the list is empty"})
    try:
        requests = [intake.parse_intake(item, prefix=f"[{i}]." if many else "") for i, item in enumerate(items)]
        actor = cli_actor(ctx)

        def work(session: Any) -> list[dict[str, Any]]:
            out = []
            for req in requests:
                result = intake.create_case(session, req, actor=actor)
                row = case_dict(result.case, viewer=actor, grid=result.grid_code, township=result.township_name)
                row["duplicates"] = result.duplicates
                out.append(row)
            return out

        created = write_transaction(ctx.db.sessions, work)
    except ValidationError as exc:
        raise CliError.from_service(exc) from None
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    ctx.print_json(created if many else created[0])
    return 0
