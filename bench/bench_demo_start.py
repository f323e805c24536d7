"""Start to a usable window on the demo county (DESIGN.md §5: ≤ 10 s on a quiet machine).

    python bench/bench_demo_start.py [--data-dir DIR] [--rounds 3]

The first demo build on a machine keeps a prepared copy in the user's data directory; every later fresh demo is that
copy moved to today. The bench makes sure the copy exists (building it once in `--data-dir`, a temporary directory by
default, and reporting how long that build took), then starts the console `--rounds` times, each in a new process on a
new, empty database file, offscreen in zh_CN, and measures from the process's start to the moment the window shows
the open cases and the units (the session's `loaded`): interpreter, imports, schema, demo copy, login as the demo
dispatcher, main window and first snapshot, everything a user waits for. The live demo is off for the measurement.

Prints one JSON document: the figures, their budget and whether it is met.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 10.0


def child(db_path: str) -> int:
    """One console start, in this process: print the seconds from process start to a usable window."""
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QTimer

    from ui.entry import create_application
    from ui.selftest import seconds_since_process_start

    app = create_application("zh_CN")
    figures: dict[str, Any] = {}

    def ready(window: Any) -> None:
        figures["seconds_to_window"] = seconds_since_process_start()
        figures["open_cases"] = len(window.session.state.cases)
        figures["units"] = len(window.session.state.units)
        QTimer.singleShot(0, app.quit)

    from ui.app import run_gui

    args = argparse.Namespace(db=f"sqlite:///{db_path}", user=None, config=None, no_simulate=True, on_ready=ready)
    code = run_gui(args)
    print(json.dumps({"exit": code, **figures}))
    return 0


def ensure_template(data_dir: Path) -> float | None:
    """Build the demo once so that its prepared copy exists; the seconds it took (None: it was there)."""
    sys.path.insert(0, str(ROOT))
    from console.demo.template import DIRECTORY, GENERATOR

    folder = data_dir / DIRECTORY
    if folder.exists() and any(folder.glob(f"*-g{GENERATOR}.sqlite3")):  # made by this generator
        return None
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "ui.entry", "--db", f"sqlite:///{tmp}/first.sqlite3", "init", "--demo"],
            cwd=ROOT,
            env={**os.environ, "CONSOLE_DATA_DIR": str(data_dir)},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return round(time.perf_counter() - started, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="user data directory (keeps the prepared demo between runs)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        build_s = ensure_template(data_dir)
        env = {
            **os.environ,
            "CONSOLE_DATA_DIR": str(data_dir),
            "QT_QPA_PLATFORM": "offscreen",
            "QTWEBENGINE_DISABLE_SANDBOX": "1",
        }
        starts: list[float] = []
        runs: list[dict[str, Any]] = []
        for i in range(args.rounds):
            db_path = Path(tmp) / f"start-{i}.sqlite3"
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child", str(db_path)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
            run = json.loads(lines[-1]) if lines else {"error": out.stderr[-2000:]}
            runs.append(run)
            if isinstance(run.get("seconds_to_window"), (int, float)):
                starts.append(float(run["seconds_to_window"]))
    median = round(statistics.median(starts), 2) if starts else None
    print(
        json.dumps(
            {
                "demo_start_to_window_s": {
                    "median": median,
                    "max": max(starts) if starts else None,
                    "budget": BUDGET_S,
                    "met": median is not None and median <= BUDGET_S,
                },
                "first_build_s": build_s,
                "load_average": os.getloadavg()[0],
                "runs": runs,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
