"""`backup FILE` and `restore FILE` (`services/backup.py`): SQLite's online backup API, or pg_dump/pg_restore."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..services.backup import backup_database, restore_database
from .context import CliContext
from .maintenance import maintainer, run_clean


def register(sub: Any) -> None:
    b: argparse.ArgumentParser = sub.add_parser("backup", help="copy the whole database into FILE, online")
    b.add_argument("file", metavar="FILE", type=Path)
    b.set_defaults(func=run_backup)
    r: argparse.ArgumentParser = sub.add_parser(
        "restore", help="replace the whole database by a backup (stop the consoles and feeds first)"
    )
    r.add_argument("file", metavar="FILE", type=Path)
    r.set_defaults(func=run_restore)


def run_backup(ctx: CliContext) -> int:
    actor = maintainer(ctx)
    report = run_clean(lambda: backup_database(ctx.db, ctx.args.file, actor=actor))
    ctx.print_json(report.as_dict())
    return 0


def run_restore(ctx: CliContext) -> int:
    actor = maintainer(ctx)
    report = run_clean(lambda: restore_database(ctx.db, ctx.args.file, actor=actor))
    ctx.print_json(report.as_dict())
    return 0
