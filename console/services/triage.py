"""Triage (分级分类): the category and priority an appeal's words suggest, and the question card that settles the
priority, from the rules in `resources/config/triage.toml` (with the category keywords of
`category_keywords.toml`).

Pure and database-free except `record_answers`, which writes the answers as the case's `case_triaged` event in the
intake's transaction, so they are kept with the case and shown in its timeline.

How a suggestion is made: each triage rule whose words occur in the text counts two per matched word for its
category, each category keyword one; the category with the highest count wins (ties: the first listed). The
priority is the most urgent of the matched rules' priorities, else the category's own (`priorities`), else
`default_priority`. A question card answered yes raises the priority to the question's `yes`; all no gives the
card's `no` when it has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..config.loader import load_file
from ..config.triage import TriageFile
from ..enums import Category, EventKind, Priority
from ..events import record_event
from ..paths import resource
from .errors import ValidationError
from .suggest import KeywordRules
from .suggest import default_rules as default_keywords

TRIAGE_FILE = ("config", "triage.toml")
#: Weight of a word of a triage rule against a category keyword.
RULE_WEIGHT = 2


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    zh: str
    en: str
    yes: Priority

    def text(self, language: str) -> str:
        return self.zh if language.startswith("zh") else self.en


@dataclass(frozen=True, slots=True)
class Card:
    category: Category
    questions: tuple[Question, ...]
    no: Priority | None = None

    def priority(self, answers: Mapping[str, bool], start: Priority) -> Priority:
        """The priority the answers give: the most urgent `yes` answered yes; all answered no → `no`; else `start`."""
        yes = [q.yes for q in self.questions if answers.get(q.id) is True]
        if yes:
            return min(yes, key=lambda p: p.rank)
        if self.no is not None and all(answers.get(q.id) is False for q in self.questions):
            return self.no
        return start


@dataclass(frozen=True, slots=True)
class TriageSuggestion:
    category: Category | None  # None when no word matched
    priority: Priority
    words: tuple[str, ...]  # the matched words, rules first
    urgent_words: tuple[str, ...] = ()  # the words that set the priority


@dataclass(frozen=True, slots=True)
class TriageRules:
    rules: tuple[tuple[tuple[str, ...], Category | None, Priority | None], ...]
    keywords: KeywordRules
    default_priority: Priority = Priority.YELLOW
    priorities: Mapping[Category, Priority] = field(default_factory=dict)
    cards: Mapping[Category, Card] = field(default_factory=dict)

    def suggest(self, text: str) -> TriageSuggestion:
        lowered = text.casefold()
        scores: dict[Category, int] = {}
        order: list[Category] = []
        words: list[str] = []
        urgent: list[str] = []
        priority: Priority | None = None
        for rule_words, category, rule_priority in self.rules:
            matched = [w for w in rule_words if w.casefold() in lowered]
            if rule_priority is not None:  # "没有人员受伤", "no one hurt": a denied danger raises nothing
                matched = [w for w in matched if _affirmed(lowered, w.casefold())]
            if not matched:
                continue
            words.extend(w for w in matched if w not in words)
            if category is not None:
                if category not in scores:
                    order.append(category)
                scores[category] = scores.get(category, 0) + RULE_WEIGHT * len(matched)
            if rule_priority is not None and (priority is None or rule_priority.rank < priority.rank):
                priority, urgent = rule_priority, matched
        for category, kw in self.keywords.rules:
            matched = [w for w in kw if w.casefold() in lowered]
            if matched:
                if category not in scores:
                    order.append(category)
                scores[category] = scores.get(category, 0) + len(matched)
                words.extend(w for w in matched if w not in words)
        best = max(order, key=lambda c: (scores[c], -order.index(c))) if order else None
        if priority is None:
            priority = self.priorities.get(best, self.default_priority) if best else self.default_priority
        return TriageSuggestion(best, priority, tuple(words), tuple(urgent))

    def card(self, category: Category | str | None) -> Card | None:
        if category is None:
            return None
        try:
            return self.cards.get(Category(category))
        except ValueError:
            return None


#: Words that deny what follows them closely ("没有人员受伤", "无人受伤", "no injuries", "nobody hurt").
NEGATIONS = ("没有", "没", "无人", "未见", "no ", "not ", "nobody ", "without ", "never ")
#: How many characters before a word a denial reaches (Chinese, and English with its longer words).
NEGATION_REACH = 5
NEGATION_REACH_ASCII = 10


def _affirmed(text: str, word: str) -> bool:
    """True when `word` occurs in `text` at least once without a denial just before it."""
    reach = NEGATION_REACH_ASCII if word.isascii() else NEGATION_REACH
    start = text.find(word)
    while start >= 0:
        before = text[max(0, start - reach) : start]
        if not any(n in before for n in NEGATIONS):
            return True
        start = text.find(word, start + 1)
    return False


def rules_from(file: TriageFile, keywords: KeywordRules) -> TriageRules:
    cards = {
        category: Card(category, tuple(Question(q.id, q.zh, q.en, q.yes) for q in card.questions), card.no)
        for category, card in file.cards.items()
    }
    return TriageRules(
        tuple((rule.words, rule.category, rule.priority) for rule in file.rules),
        keywords,
        file.default_priority,
        dict(file.priorities),
        cards,
    )


def load_rules(path: Path, keywords: KeywordRules | None = None) -> TriageRules:
    return rules_from(load_file(TriageFile, path), keywords or default_keywords())


@lru_cache(maxsize=1)
def default_rules() -> TriageRules:
    return load_rules(resource(*TRIAGE_FILE))


def suggest(text: str, rules: TriageRules | None = None) -> TriageSuggestion:
    return (rules or default_rules()).suggest(text)


def fill_suggestions(data: Mapping[str, Any], rules: TriageRules | None = None) -> tuple[dict[str, Any], list[str]]:
    """Intake input with a missing (or empty) `category` and `priority` taken from the suggestion, and the names of
    the fields so filled. A description that is not text is left for the intake's validation to refuse; so is a
    missing category when no word suggests one."""
    out = dict(data)
    missing = [name for name in ("category", "priority") if out.get(name) in (None, "")]
    description = out.get("description")
    if not missing or not isinstance(description, str):
        return out, []
    found = suggest(description, rules)
    filled: list[str] = []
    if "category" in missing and found.category is not None:
        out["category"] = found.category.value
        filled.append("category")
    if "priority" in missing:
        out["priority"] = found.priority.value
        filled.append("priority")
    return out, filled


def check_answers(category: Category, answers: Any, rules: TriageRules | None = None) -> dict[str, bool]:
    """The answers to the category's card as {question id: yes?}; ValidationError naming `triage.<id>` otherwise."""
    if not isinstance(answers, Mapping):
        raise ValidationError("triage", "must be an object of question: true/false")
    card = (rules or default_rules()).card(category)
    known = {q.id for q in card.questions} if card else set()
    out: dict[str, bool] = {}
    for key, value in answers.items():
        if key not in known:
            raise ValidationError(f"triage.{key}", f"not a question of the {category.value} card")
        if not isinstance(value, bool):
            raise ValidationError(f"triage.{key}", "must be true or false")
        out[str(key)] = value
    return out


def record_answers(
    session: Session,
    *,
    case_id: int,
    category: Category,
    priority: Priority,
    answers: Mapping[str, bool],
    suggested: list[str],
    actor: str,
    now: datetime | None = None,
    rules: TriageRules | None = None,
) -> None:
    """The triage of a new case (answers to its card, the fields taken from the suggestion) as its `case_triaged`
    event, in the intake's transaction. Nothing is written when there is nothing to keep."""
    if not answers and not suggested:
        return
    card = (rules or default_rules()).card(category)
    texts = {q.id: (q.zh, q.en) for q in card.questions} if card else {}
    record_event(
        session,
        EventKind.CASE_TRIAGED,
        actor=actor,
        case_id=case_id,
        ts=now,
        payload={
            "answers": [
                {"id": key, "zh": texts[key][0], "en": texts[key][1], "yes": value}
                for key, value in answers.items()
                if key in texts
            ],
            "priority": priority.value,
            "suggested": list(suggested),
        },
    )
