"""`dispatch-console --self-test` from the source tree: the report says every check passed, and the screenshot is the
dispatcher layout at 1920×1080. A failing check gives exit status 1 with the reason."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .self_test_run import check_report, run_self_test

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.ui


def test_self_test_from_source(tmp_path: Path) -> None:
    shot = tmp_path / "console.png"
    code, report, stderr = run_self_test([sys.executable, "-m", "ui.entry"], cwd=ROOT, screenshot=shot, lang="zh_CN")
    check_report(code, report, stderr)
    assert report["frozen"] is False and report["lang"] == "zh_CN"
    assert report["translations"] == {"console": True, "qt": True}

    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1920, 1080)


def test_a_failed_check_exits_1_with_the_reason(qapp, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A stage that cannot complete ends the run with its name and reason in the report (and no crash)."""
    import argparse
    import json

    from ui import selftest

    def broken(self: selftest.SelfTest) -> None:
        raise selftest.SelfTestFailed("demo", "the demo county could not be built")

    monkeypatch.setattr(selftest.SelfTest, "_build_demo", broken)
    code = selftest.run_self_test(argparse.Namespace(lang=None, screenshot=None), qapp)
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 1 and report["ok"] is False
    assert report["error"] == "demo: the demo county could not be built"
