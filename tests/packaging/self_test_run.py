"""Running `dispatch-console --self-test` as a separate process and reading its one-line report."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any


def run_self_test(
    command: list[str], *, cwd: Path, screenshot: Path | None = None, lang: str | None = None, timeout: float = 420
) -> tuple[int, dict[str, Any], str]:
    args = [*command, "--self-test"]
    if lang:
        args += ["--lang", lang]
    if screenshot:
        args += ["--screenshot", str(screenshot)]
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    env.pop("CONSOLE_RESOURCES", None)  # a frozen app must find its own
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no report (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.returncode, json.loads(lines[-1]), done.stderr


def check_report(code: int, report: dict[str, Any], stderr: str) -> None:
    assert code == 0 and report["ok"], f"{report}\n{stderr[-3000:]}"
    assert report["outside_requests"] == 0
    assert report["units"] > 0 and report["open_cases"] > 0
    trip = report["round_trip"]
    assert trip["case"] and trip["unit"]
    assert report["seconds_to_map_drawn"] >= report["seconds_to_map_page"] > 0
