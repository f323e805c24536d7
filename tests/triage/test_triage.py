"""Triage: rules suggest category and priority (≥ 90% on the labelled set), question cards set the priority, the
answers are kept with the case as its `case_triaged` event, and `intake --json` without category or priority takes
the suggestion and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from console.config.errors import ConfigError
from console.db import Database
from console.enums import Category, EventKind, Priority, Role
from console.models import Case, Event
from console.ops import execute
from console.services.errors import ValidationError
from console.services.triage import default_rules, fill_suggestions, load_rules, suggest
from tests.cli.test_cli import cli_db, run  # noqa: F401  (fixture)
from tests.county import build_mini_county

from .labelled import LABELLED


def test_labelled_set_is_large_and_mixed() -> None:
    assert len(LABELLED) >= 100
    chinese = sum(1 for text, _, _ in LABELLED if any("\u4e00" <= ch <= "\u9fff" for ch in text))
    assert 30 <= chinese <= len(LABELLED) - 30
    assert {c for _, c, _ in LABELLED} >= {c.value for c in Category if c is not Category.OTHER}
    assert {p for _, _, p in LABELLED} == {p.value for p in Priority}


def test_accuracy_on_labelled_set() -> None:
    rules = default_rules()
    found = [(rules.suggest(text), c, p) for text, c, p in LABELLED]
    category = sum(1 for s, c, _ in found if s.category is not None and s.category.value == c) / len(found)
    priority = sum(1 for s, _, p in found if s.priority.value == p) / len(found)
    assert category >= 0.9 and priority >= 0.9, (category, priority)


def test_issue_example_is_red_assistance() -> None:
    found = suggest("man collapsed at bus station not breathing")
    assert found.category is Category.ASSISTANCE and found.priority is Priority.RED
    assert "not breathing" in found.urgent_words
    for text in ("有人持刀", "厨房着火了", "woman bleeding heavily", "老人倒地昏迷"):
        assert suggest(text).priority is Priority.RED, text
    assert suggest("路灯坏了").priority is Priority.YELLOW
    assert suggest("请问怎么办理居住证").priority is Priority.BLUE


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        ("两车追尾，没有人员受伤", True),
        ("两车追尾，无人受伤", True),
        ("car crash, nobody injured", True),
        ("两车追尾，有人受伤流血", False),
        ("两车追尾，没有人员受伤，但司机有人受伤流血", False),  # denied once, affirmed after: still urgent
    ],
)
def test_a_denied_danger_raises_no_priority(text: str, denied: bool) -> None:
    found = suggest(text)
    assert found.category == Category.TRAFFIC
    assert (found.priority == Priority.RED) is not denied


def test_cards_have_at_most_three_questions_and_set_priority() -> None:
    rules = default_rules()
    for category, card in rules.cards.items():
        assert 1 <= len(card.questions) <= 3, category
    card = rules.card(Category.TRAFFIC)
    assert card is not None
    assert card.priority({"injured": True}, Priority.YELLOW) is Priority.RED
    assert card.priority({"blocked": True, "injured": False}, Priority.YELLOW) is Priority.ORANGE
    assert card.priority({q.id: False for q in card.questions}, Priority.RED) is Priority.YELLOW
    assert card.priority({}, Priority.ORANGE) is Priority.ORANGE


def test_card_of_more_than_three_questions_is_refused(tmp_path: Path) -> None:
    q = '{ id = "q%d", zh = "问%d", en = "Q%d", yes = "red" }'
    questions = ", ".join(q % (i, i, i) for i in range(4))
    path = tmp_path / "triage.toml"
    path.write_text(f"[cards.traffic]\nquestions = [{questions}]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert "questions" in str(err.value)


def test_fill_suggestions_keeps_what_was_given() -> None:
    data = {"channel": "hotline_12345", "description": "有人持刀伤人"}
    filled, suggested = fill_suggestions(data)
    assert suggested == ["category", "priority"]
    assert (filled["category"], filled["priority"]) == ("public_order", "red")
    filled, suggested = fill_suggestions({**data, "priority": "orange"})
    assert suggested == ["category"] and filled["priority"] == "orange"
    assert fill_suggestions({**data, "category": "other", "priority": "blue"})[1] == []


def test_answers_are_kept_with_the_case(db: Database) -> None:
    county = build_mini_county(db)
    actor = county.actors[Role.DISPATCHER]
    data = {"channel": "hotline_12345", "category": "traffic", "priority": "red", "description": "车祸"}
    outcome = execute(db, actor, "intake.create", data=data, triage={"injured": True, "trapped": False}).value
    with db.session() as s:
        events = s.scalars(
            select(Event).where(Event.case_id == outcome.case.id, Event.kind == EventKind.CASE_TRIAGED)
        ).all()
    assert len(events) == 1
    answers = events[0].payload["answers"]
    assert [(a["id"], a["yes"]) for a in answers] == [("injured", True), ("trapped", False)]
    assert answers[0]["zh"] == "是否有人受伤？" and events[0].payload["suggested"] == []
    with pytest.raises(ValidationError) as err:
        execute(db, actor, "intake.create", data=data, triage={"weapon": True})
    assert err.value.field == "triage.weapon"


def test_cli_intake_takes_the_suggestion(
    cli_db: str,  # noqa: F811
    db: Database,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    appeal = {"channel": "police_110", "description": "man collapsed at bus station not breathing"}
    code, created, err = run(
        capsys, "--db", cli_db, "intake", "--json", "-", stdin=json.dumps(appeal), monkeypatch=monkeypatch
    )
    assert code == 0, err
    assert created["suggested"] == ["category", "priority"]
    assert (created["category"], created["priority"]) == ("assistance", "red")
    given = {**appeal, "category": "other", "priority": "orange"}
    code, created, err = run(
        capsys, "--db", cli_db, "intake", "--json", "-", stdin=json.dumps(given), monkeypatch=monkeypatch
    )
    assert code == 0 and "suggested" not in created
    with db.session() as s:
        kinds = s.scalars(select(Event.kind).join(Case, Case.id == Event.case_id).order_by(Event.id)).all()
    assert kinds.count(EventKind.CASE_TRIAGED) == 1
    # No word suggests a category: the error names the field, nothing is stored.
    code, _, err = run(
        capsys,
        "--db",
        cli_db,
        "intake",
        "--json",
        "-",
        stdin=json.dumps({"channel": "walk_in", "description": "xyz"}),
        monkeypatch=monkeypatch,
    )
    assert code == 2 and json.loads(err)["field"] == "category"
