"""Photos and evidence on the command line, as steps of `case`:

    case attach NUMBER FILE [FILE …]        keep files with the case (checked by content, stored once by sha256)
    case files NUMBER                       the case's files: sha256, type, bytes, source … (no content)
    case file SHA256 --out FILE             write one file (EXIF stripped unless the role may see callers' data)
    case place-from-photo NUMBER SHA256     take the case's place from the photo's EXIF position (WGS-84)

`intake --json` takes files too, as `attachments` (paths, relative to the JSON file, or `{"base64": …, "name": …}`).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..attachments import AttachmentSettings
from ..services.errors import ServiceError, ValidationError
from .context import CliContext, CliError
from .operations import print_outcome, run_operation


def attachment_settings(ctx: CliContext) -> AttachmentSettings:
    """The `[attachments]` table of the configuration file (defaults without one)."""
    from ..config import load_config

    try:
        return load_config(getattr(ctx.args, "config", None)).attachments
    except ServiceError as exc:
        raise CliError.from_service(exc) from None


def _view(v: Any) -> dict[str, Any]:
    row = dataclasses.asdict(v)
    row["added_at"] = v.added_at.isoformat()
    return row


def _attach(ctx: CliContext) -> int:
    files = [os.path.abspath(f) for f in ctx.args.files]
    result = run_operation(
        ctx, "attachments.add", number=ctx.args.number, files=files, settings=attachment_settings(ctx)
    )
    ctx.print_json({"case": ctx.args.number, "attachments": [_view(v) for v in result.value]})
    return 0


def _files(ctx: CliContext) -> int:
    found = run_operation(ctx, "attachments.list", number=ctx.args.number).value
    offer = found.place_offer
    ctx.print_json(
        {
            "case": ctx.args.number,
            "attachments": [_view(v) for v in found.attachments],
            "place_offer": {"lat": offer[0], "lon": offer[1], "sha256": offer[2]} if offer else None,
        }
    )
    return 0


def _file(ctx: CliContext) -> int:
    kind, data = run_operation(ctx, "attachments.content", sha256=ctx.args.sha256).value
    out = Path(ctx.args.out)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise CliError.from_service(ValidationError("out", f"cannot write {out.name}: {exc.strerror}")) from None
    ctx.print_json({"sha256": ctx.args.sha256, "type": kind, "bytes": len(data), "out": str(out)})
    return 0


def _place(ctx: CliContext) -> int:
    return print_outcome(
        ctx, run_operation(ctx, "attachments.place_from_photo", number=ctx.args.number, sha256=ctx.args.sha256)
    )


def register_case_steps(step: Callable[[str, str], argparse.ArgumentParser], steps: Any) -> None:
    """Add the evidence steps to `case` (`step` makes a step that takes the case NUMBER)."""
    a = step("attach", "keep photos, recordings or documents with the case")
    a.add_argument("files", metavar="FILE", nargs="+")
    a.set_defaults(func=_attach)
    step("files", "list the case's photos, recordings and documents").set_defaults(func=_files)
    f: argparse.ArgumentParser = steps.add_parser("file", help="write one attachment to a file")
    f.add_argument("sha256", metavar="SHA256")
    f.add_argument("--out", required=True, metavar="FILE")
    f.set_defaults(func=_file)
    p = step("place-from-photo", "take the case's place from a photo's EXIF position")
    p.add_argument("sha256", metavar="SHA256")
    p.set_defaults(func=_place)
