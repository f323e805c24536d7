"""`dispatch-console [--db URL] [SUBCOMMAND ...]`: no subcommand starts the GUI.

Each subcommand lives in its own module with `register(subparsers)`; the module adds its parser and sets
`func=run` where `run(ctx: CliContext) -> int`. Whatever a command raises goes through the one error path
(`errors.to_cli_error`): a JSON error on standard error and a documented exit code, never a traceback; bad
arguments too.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from .. import __version__
from ..events.origin import local_origin, set_origin
from .context import CliContext
from .errors import CliError, Exit, to_cli_error, write_error
from .identity import cli_actor

log = logging.getLogger(__name__)


#: Commands that act on no database's data, so `--user` has nothing to log in to (`init` makes the schema).
WITHOUT_LOGIN = frozenset({"init", "tiles"})


class JsonArgumentParser(argparse.ArgumentParser):
    """Bad arguments are bad input like any other: the JSON error (exit 2), not argparse's usage text."""

    def error(self, message: str) -> NoReturn:
        raise CliError({"error": "invalid", "field": "arguments", "message": f"{self.prog}: {message}"})


#: Modules that register subcommands, in the order they appear in --help.
COMMAND_MODULES = [
    "console.cli.init_cmd",
    "console.cli.import_cmd",
    "console.cli.intake_cmd",
    "console.cli.dispatch_cmd",
    "console.cli.case_cmd",
    "console.cli.handoff_cmd",
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
    "console.cli.patrol_cmd",
    "console.cli.positions_cmd",
    "console.cli.sites_cmd",
    "console.cli.campaign_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = JsonArgumentParser(
        prog="dispatch-console",
        description="County dispatch console. Without a subcommand, starts the desktop console.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db", metavar="URL", help="database URL or SQLite file (default: CONSOLE_DB_URL or the user data file)"
    )
    parser.add_argument("--config", metavar="FILE", help="console configuration file (TOML)")
    parser.add_argument(
        "--user",
        metavar="NAME",
        help="act as this user, after logging in: the password is asked on a terminal, else read from "
        "CONSOLE_PASSWORD (default: system, recorded with the operating-system user and host)",
    )
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="interface language (default: system locale)")
    parser.add_argument("--self-test", action="store_true", help="start offscreen on a fresh demo database and check")
    parser.add_argument("--screenshot", metavar="FILE", help="with --self-test: save a screenshot")
    parser.add_argument(
        "--no-simulate",
        action="store_true",
        help="on the demo county: do not run the simulator's light mode inside the console",
    )
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


def _check_arguments(argv: Sequence[str]) -> None:
    for i, arg in enumerate(argv):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:  # bytes that are not UTF-8 arrive as lone surrogates
            raise CliError(
                {"error": "invalid", "field": "arguments", "message": f"argument {i + 1} is not valid UTF-8 text"}
            ) from None


def main(argv: Sequence[str] | None = None, *, start_gui: GuiStarter | None = None) -> int:
    ctx: CliContext | None = None
    err = sys.stderr
    try:
        arguments = list(sys.argv[1:] if argv is None else argv)
        _check_arguments(arguments)
        args = build_parser().parse_args(arguments)
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
        )
        ctx = CliContext(args)
        err = ctx.err
        if args.command is None:
            if start_gui is None:
                raise CliError(
                    {
                        "error": "invalid",
                        "field": "command",
                        "message": "give a command; the desktop console is started by the full install",
                    }
                )
            return int(start_gui(args))
        set_origin(local_origin(f"dispatch-console {args.command}"))
        if args.user and args.command not in WITHOUT_LOGIN:
            cli_actor(ctx)  # `--user` is proven first, whatever the command does with it
        return int(args.func(ctx))
    except KeyboardInterrupt:
        return Exit.INTERRUPTED
    except Exception as exc:
        error = to_cli_error(exc)
        log.debug("the command failed", exc_info=exc)  # the traceback, with --verbose only
        write_error(err, error)
        return error.exit_code
    finally:
        set_origin(None)
        if ctx is not None:
            ctx.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
