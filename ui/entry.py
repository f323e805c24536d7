"""The `dispatch-console` command: the core's command line, which starts this desktop console when no subcommand
is given. Qt is imported only then, so headless subcommands start fast and run without a display."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from console.cli.main import main as cli_main


def _start_gui(args: argparse.Namespace) -> int:
    from ui.app import run_gui

    return int(run_gui(args))


def main(argv: Sequence[str] | None = None) -> int:
    return cli_main(argv, start_gui=_start_gui)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
