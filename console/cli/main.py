"""`dispatch-console [--db URL] [SUBCOMMAND ...]`: no subcommand starts the GUI.

Each subcommand lives in its own module with `register(subparsers)`; the module adds its parser and sets
`func=run` where `run(ctx: CliContext) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from .context import CliContext, CliError

#: Modules that register subcommands, in the order they appear in --help.
COMMAND_MODULES = [
    "console.cli.init_cmd",
    "console.cli.import_cmd",
    "console.cli.intake_cmd",
    "console.cli.dispatch_cmd",
    "console.cli.case_cmd",
    "console.cli.unit_cmd",
    "console.cli.roads_cmd",
    "console.cli.export_cmd",
    "console.cli.simulate_cmd",
    "console.cli.user_cmd",
    "console.cli.feeds_cmd",
    "console.cli.tiles_cmd",
    "console.cli.kpi_cmd",
    "console.cli.report_cmd",
    "console.cli.prune_cmd",
    "console.cli.backup_cmd",
    "console.cli.partitions_cmd",
    "console.cli.roles_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dispatch-console",
        description="County dispatch console. Without a subcommand, starts the desktop console.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db", metavar="URL", help="database URL or SQLite file (default: CONSOLE_DB_URL or the user data file)"
    )
    parser.add_argument("--config", metavar="FILE", help="console configuration file (TOML)")
    parser.add_argument("--user", metavar="NAME", help="act as this user (default: system)")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="interface language (default: system locale)")
    parser.add_argument("--self-test", action="store_true", help="start offscreen on a fresh demo database and check")
    parser.add_argument("--screenshot", metavar="FILE", help="with --self-test: save a screenshot")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a subcommand module not present in this build
                continue
            raise
        module.register(sub)
    return parser


#: Starts the desktop console with the parsed arguments; handed in by the `ui` package's entry point, because the
#: core never imports the interface.
GuiStarter = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None, *, start_gui: GuiStarter | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    ctx = CliContext(args)
    try:
        if args.command is None:
            if start_gui is None:
                ctx.err.write("The desktop console is started by the `dispatch-console` command of the full install.\n")
                return 3
            return int(start_gui(args))
        return int(args.func(ctx))
    except CliError as exc:
        ctx.err.write(json.dumps(exc.payload, ensure_ascii=False, default=str) + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    finally:
        ctx.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
