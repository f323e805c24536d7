"""Reading `.ts` files and finding interface strings that lupdate cannot collect (shared by the i18n tests)."""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

#: Methods whose first text argument is shown to the user, and widgets whose constructor takes their text.
SHOWN_BY = {
    "setText",
    "setWindowTitle",
    "setToolTip",
    "setPlaceholderText",
    "setStatusTip",
    "setWhatsThis",
    "addTab",
    "setTabText",
    "setLabelText",
    "showMessage",
    "setTitle",
    "setHeaderLabels",
}
WIDGETS = {
    "QLabel",
    "QPushButton",
    "QCheckBox",
    "QRadioButton",
    "QGroupBox",
    "QAction",
    "QCommandLinkButton",
    "QToolButton",
    "QMenu",
}
MESSAGE_BOXES = {"information", "warning", "critical", "question"}
#: Module-level helpers that call translate() with a variable: lupdate cannot see the literal passed to them.
WRAPPER = re.compile(r"^_+tr$|^_\w*_tr$")
WORDS = re.compile(r"[A-Za-z]{2,}")
PLACEHOLDERS = re.compile(r"%\d|%n|%L\d|%s|%d|\{[A-Za-z_][A-Za-z0-9_]*\}|\{\d+\}")


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    translation: str
    kind: str  # "" (finished), "unfinished", "vanished", "obsolete"


def read_ts(path: Path) -> list[Message]:
    root = ET.parse(path).getroot()
    out = []
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            tr = message.find("translation")
            assert tr is not None
            forms = [n.text or "" for n in tr.iter("numerusform")]
            text = " | ".join(forms) if forms else (tr.text or "")
            out.append(Message(name, message.findtext("source") or "", text, tr.get("type", "")))
    return out


def live(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.kind not in ("vanished", "obsolete")]


def untranslated(messages: list[Message]) -> list[Message]:
    return [m for m in live(messages) if m.kind == "unfinished" or not m.translation.strip()]


def placeholder_mismatches(messages: list[Message]) -> list[Message]:
    def found(text: str) -> list[str]:
        return sorted(PLACEHOLDERS.findall(text))

    return [m for m in live(messages) if m.translation and found(m.source) != found(m.translation)]


def hidden_strings(root: Path) -> list[str]:
    """`file:line: text` for interface texts lupdate cannot collect: literals passed to a translate wrapper, and
    literals shown by a widget without tr()."""
    out = []
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if not literals:
                continue
            where = f"{path.relative_to(root.parent)}:{node.lineno}"
            if WRAPPER.match(name):
                out.append(f"{where}: {name}({literals[0]!r}) is not collected by lupdate")
                continue
            context = node.args[0] if node.args else None
            if name == "translate" and len(node.args) >= 2 and not isinstance(context, ast.Constant):
                out.append(f"{where}: translate(<variable>, {literals[0]!r}) is not collected by lupdate")
                continue
            receiver = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
            shown = name in SHOWN_BY or name in WIDGETS or (name in MESSAGE_BOXES and receiver == "QMessageBox")
            if shown:
                for text in literals:
                    if WORDS.search(text) and "://" not in text:
                        out.append(f"{where}: {name}({text!r}) is shown without tr()")
    return out
