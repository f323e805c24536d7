"""The offline install: `pyinstaller build.spec` into a temporary directory, then the frozen app's own self-test.

One build per run (about a minute on two cores); the frozen app must find its resources, migrations and
translations inside the bundle, draw the map without a single outside request and do the intake → dispatch trip.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import console

from .self_test_run import check_report, run_self_test

ROOT = Path(__file__).resolve().parents[2]
NAME = "dispatch-console"

pytestmark = [pytest.mark.slow, pytest.mark.ui]


def _pyinstaller() -> list[str]:
    if shutil.which("pyinstaller", path=str(Path(sys.executable).parent)):
        return [str(Path(sys.executable).parent / "pyinstaller")]
    return [sys.executable, "-m", "PyInstaller"]


@pytest.fixture(scope="module")
def frozen_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("PyInstaller")
    base = tmp_path_factory.mktemp("frozen")
    started = time.perf_counter()
    done = subprocess.run(
        [
            *_pyinstaller(),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(base / "dist"),
            "--workpath",
            str(base / "work"),
            str(ROOT / "build.spec"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    app = base / "dist" / NAME
    size = sum(p.lstat().st_size for p in app.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"\nbuild: {time.perf_counter() - started:.0f} s, {size / 2**20:.0f} MiB")
    return app


def _executable(app: Path) -> Path:
    return app / (f"{NAME}.exe" if sys.platform == "win32" else NAME)


def test_frozen_self_test(frozen_app: Path, tmp_path: Path) -> None:
    code, report, stderr = run_self_test(
        [str(_executable(frozen_app))], cwd=tmp_path, screenshot=tmp_path / "s.png", lang="zh_CN"
    )
    check_report(code, report, stderr)
    assert report["frozen"] is True
    assert report["lang"] == "zh_CN" and report["translations"] == {"console": True, "qt": True}
    assert report["version"] == console.__version__
    assert (tmp_path / "s.png").stat().st_size > 10_000


def test_frozen_command_line(frozen_app: Path, tmp_path: Path) -> None:
    """The headless subcommands work from the bundle: the version, and a schema made from the bundled migrations."""
    exe = str(_executable(frozen_app))
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert version.stdout.strip() == f"{NAME} {console.__version__}"
    init = subprocess.run(
        [exe, "--db", str(tmp_path / "c.sqlite3"), "init"], capture_output=True, text=True, timeout=120, check=False
    )
    assert init.returncode == 0, init.stderr
    assert '"revision": null' not in init.stdout


def test_bundle_holds_what_it_needs_and_not_more(frozen_app: Path) -> None:
    files = {p.relative_to(frozen_app).as_posix() for p in frozen_app.rglob("*") if p.is_file()}

    def has(suffix: str) -> bool:
        return any(f.endswith(suffix) for f in files)

    assert has("resources/i18n/console_zh_CN.qm")
    assert has("resources/web/leaflet/leaflet.js")
    assert has("resources/migrations/env.py")
    assert any("resources/migrations/versions/0001" in f for f in files)
    assert has("qtbase_zh_CN.qm")
    assert any("qtwebengine_locales/zh-CN.pak" in f for f in files)
    # Trimmed: other languages, QML, unused Qt modules.
    assert not has("qtbase_de.qm") and not any("qtwebengine_locales/de.pak" in f for f in files)
    assert not any("/qml/" in f for f in files)
    for unused in ("Qt6Quick3D", "Qt63DCore", "Qt6Multimedia", "Qt6Designer", "Qt6Charts"):
        assert not any(unused in f for f in files), unused
