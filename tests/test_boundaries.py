"""The architecture's contracts: the core never imports Qt; the UI never runs SQL itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_qt_or_ui() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & {"PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "ui"})
        for p in (ROOT / "console").rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}


def test_ui_never_imports_sqlalchemy() -> None:
    ui = ROOT / "ui"
    offenders = [str(p.relative_to(ROOT)) for p in ui.rglob("*.py") if "sqlalchemy" in _imports(p)]
    assert offenders == []


def test_the_contract_sees_imports() -> None:
    """The checker itself works: it finds an import of PySide6 in a sample."""
    sample = ROOT / "tests" / "__init__.py"
    assert "PySide6" not in _imports(sample)
    tree_text = "from PySide6.QtCore import QObject\nimport sqlalchemy.orm\n"
    tmp = ROOT / "tests" / "_sample_imports.py"
    try:
        tmp.write_text(tree_text, encoding="utf-8")
        assert _imports(tmp) == {"PySide6", "sqlalchemy"}
    finally:
        tmp.unlink()
