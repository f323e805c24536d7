"""`resources/config/triage.toml`: the triage rules (分级分类) that suggest a priority as well as a category while an
appeal's description is typed or when it arrives from the command line or a feed, and the question cards (at most
three yes/no questions per category, answered with Y and N) that set the priority."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..enums import Category, Priority
from .base import Section, Text


class TriageRule(Section):
    words: tuple[Text, ...] = Field(
        min_length=1, description="words in Chinese and English, matched case-insensitively as substrings"
    )
    category: Category | None = Field(None, description="the category these words suggest (none: keep the other's)")
    priority: Priority | None = Field(None, description="the priority these words suggest (the most urgent wins)")

    @model_validator(mode="after")
    def _suggests_something(self) -> TriageRule:
        if self.category is None and self.priority is None:
            raise ValueError("a rule suggests a category, a priority or both")
        return self


class TriageQuestion(Section):
    id: Text = Field(description="stable name of the question, stored with the answers")
    zh: Text = Field(description="the question in Chinese")
    en: Text = Field(description="the question in English")
    yes: Priority = Field(description="priority when answered yes (Y); the most urgent yes wins")


class QuestionCard(Section):
    questions: tuple[TriageQuestion, ...] = Field(min_length=1, max_length=3, description="at most three questions")
    no: Priority | None = Field(None, description="priority when every question is answered no (N)")


class TriageFile(Section):
    """Keyword rules, the priority per category, and a question card per category: `[cards.CATEGORY]` with
    `questions = [{ id, zh, en, yes }]` (at most three; `yes` is the priority a yes gives) and `no` (the priority when
    every question is answered no)."""

    default_priority: Priority = Field(Priority.YELLOW, description="priority when no rule suggests one")
    priorities: dict[Category, Priority] = Field(
        default_factory=dict, description="priority of a category when no rule suggests one (overrides the default)"
    )
    rules: tuple[TriageRule, ...] = Field(default=(), description="keyword rules, in order (earlier wins ties)")
    cards: dict[Category, QuestionCard] = Field(default_factory=dict, description="question card per category")
