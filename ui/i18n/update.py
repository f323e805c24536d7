"""`python -m ui.i18n.update`: collect the interface's strings into `resources/i18n/console_<lang>.ts` and compile
them to `.qm`, with PySide6's own `lupdate` and `lrelease`.

Source locations are not written into the `.ts` (`-locations none`), so moving code does not touch the translations
and a stale `.ts` shows up only when a string was added or changed. Strings that left the sources are kept, marked
"vanished", so that their translation comes back if the string does (`--drop-vanished` removes them).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from console.paths import i18n_dir

#: Languages translated from the English source texts.
TRANSLATED = ("zh_CN",)
UI_DIR = Path(__file__).resolve().parent.parent


def tool(name: str) -> str:
    """`pyside6-<name>` beside the running interpreter (the venv's bin or Scripts folder), else on PATH."""
    folder = Path(sys.executable).parent
    for candidate in (folder / f"pyside6-{name}", folder / f"pyside6-{name}.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(f"pyside6-{name}")
    if found is None:
        raise FileNotFoundError(f"pyside6-{name} not found (install PySide6)")
    return found


def sources(root: Path = UI_DIR) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def ts_path(lang: str, folder: Path | None = None) -> Path:
    return (folder or i18n_dir()) / f"console_{lang}.ts"


def run_lupdate(ts_file: Path, *, root: Path = UI_DIR, drop_obsolete: bool = False) -> None:
    ts_file.parent.mkdir(parents=True, exist_ok=True)
    files = [str(p) for p in sources(root)]
    args = [tool("lupdate"), "-silent", "-locations", "none", "-extensions", "py"]
    if drop_obsolete:
        args.append("-no-obsolete")
    subprocess.run([*args, *files, "-ts", str(ts_file)], check=True)


def run_lrelease(ts_file: Path) -> Path:
    qm_file = ts_file.with_suffix(".qm")
    subprocess.run([tool("lrelease"), "-silent", str(ts_file), "-qm", str(qm_file)], check=True)
    return qm_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.i18n.update", description=__doc__.splitlines()[0])
    parser.add_argument("--release-only", action="store_true", help="only compile the .ts files to .qm")
    parser.add_argument("--drop-vanished", action="store_true", help="forget translations of strings no longer used")
    args = parser.parse_args(argv)
    for lang in TRANSLATED:
        ts_file = ts_path(lang)
        if not args.release_only:
            run_lupdate(ts_file, drop_obsolete=args.drop_vanished)
        qm = run_lrelease(ts_file)
        print(f"{ts_file.name} -> {qm.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
