"""The `dispatch-console` command: the core's command line, which starts this desktop console when no subcommand
is given. Qt is imported only then, so headless subcommands start fast and run without a display.

Before the window: the configuration file is read, the application is created with the language (`--lang`, else
the configuration, else the system locale) and the Chinese font fallbacks; `--self-test` then runs the self-test,
and a console that has no configuration yet (and no `--db`) shows the first-run choice.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from console.cli.main import main as cli_main
from console.paths import is_frozen


def create_application(lang: str | None, configured: str | None = None) -> Any:
    """The QApplication, created once: web schemes registered first (QtWebEngine needs them before it exists),
    then translations and fonts. Returns the existing one if there is one."""
    from PySide6.QtWidgets import QApplication

    from ui.fonts import apply_fonts
    from ui.i18n import install_translators
    from ui.map import register_schemes

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        register_schemes()
        import PySide6.QtWebEngineWidgets  # noqa: F401  (must be loaded before the application exists)

        app = QApplication(sys.argv[:1])
    install_translators(app, lang, configured)
    apply_fonts(app)
    return app


def _start_gui(args: argparse.Namespace) -> int:
    from console.config import load_config
    from console.errors import ValidationError

    if getattr(args, "self_test", False):
        from ui.selftest import prepare_environment, run_self_test

        prepare_environment()
        return run_self_test(args, create_application(getattr(args, "lang", None)))

    try:
        config = load_config(getattr(args, "config", None))
    except ValidationError as exc:
        print(json.dumps(exc.as_dict(), ensure_ascii=False), file=sys.stderr)
        return 2
    app = create_application(getattr(args, "lang", None), config.language)
    if not getattr(args, "db", None) and not os.environ.get("CONSOLE_DB_URL"):
        if not config.database_url and not is_frozen():
            # Started from a source install with nothing configured (the README's first command): the demo county,
            # logged in as the demo dispatcher, no dialog. An installed (frozen) console asks at first run.
            from console.paths import default_db_path

            args.db = f"sqlite:///{default_db_path()}"
            args.demo_start = True
        elif not config.database_url:
            from ui.first_run import run_first_run

            url = run_first_run(app, config, getattr(args, "config", None))
            if url is None:
                return 1
            config = load_config(getattr(args, "config", None))  # as the dialog saved it
            args.db = config.database_url or url
        else:
            args.db = config.database_url
        # The demo database chosen at first run opens logged in as the demo dispatcher, as the README says.
        args.demo_start = getattr(args, "demo_start", False) or config.setup == "demo"

    from ui.app import run_gui

    return int(run_gui(args))


def main(argv: Sequence[str] | None = None) -> int:
    return cli_main(argv, start_gui=_start_gui)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
