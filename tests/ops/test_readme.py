"""The README documents every operation and every `case`/`unit` command with its options."""

from __future__ import annotations

import re
from pathlib import Path

from console.ops import REGISTRY

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")

COMMANDS = [
    "case assign NUMBER --to department\\|township --name NAME [--hours H]",
    "case accept NUMBER",
    "case return NUMBER --reason TEXT",
    "case resolve NUMBER --resolution TEXT",
    "case callback NUMBER --result satisfied\\|basically_satisfied\\|dissatisfied\\|not_reached [--note TEXT]",
    "case close NUMBER",
    "case note NUMBER TEXT",
    "case merge NUMBER --into NUMBER",
    "case invalid NUMBER --reason TEXT",
    "case escalate NUMBER [--reason TEXT]",
    "unit status CALLSIGN en_route\\|on_scene\\|available\\|off_duty",
]


def test_every_operation_is_in_the_readme() -> None:
    documented = set(re.findall(r"`([a-z]+\.[a-z_]+)`", README))
    assert sorted(set(REGISTRY) - documented) == []


def test_every_case_and_unit_command_is_in_the_readme() -> None:
    for command in COMMANDS:
        assert f"| `{command}` |" in README, command
