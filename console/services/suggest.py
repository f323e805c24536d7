"""Suggested category for an appeal's description, from the keyword rules in `resources/config/`.

Read-only and database-free: the intake form calls it as the description is typed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..enums import Category
from ..paths import resource

KEYWORDS_FILE = ("config", "category_keywords.toml")


@dataclass(frozen=True, slots=True)
class Suggestion:
    category: Category
    words: tuple[str, ...]  # the matched words, in the order of the rules


@dataclass(frozen=True, slots=True)
class KeywordRules:
    rules: tuple[tuple[Category, tuple[str, ...]], ...]

    def suggest(self, text: str) -> Suggestion | None:
        """The category with the most matched words (ties: the first listed), or None when nothing matches."""
        lowered = text.casefold()
        best: Suggestion | None = None
        for category, words in self.rules:
            matched = tuple(w for w in words if w.casefold() in lowered)
            if matched and (best is None or len(matched) > len(best.words)):
                best = Suggestion(category, matched)
        return best


def parse_rules(data: dict[str, object]) -> KeywordRules:
    rules: list[tuple[Category, tuple[str, ...]]] = []
    for key, table in data.items():
        try:
            category = Category(key)
        except ValueError:
            raise ValueError(f"category_keywords: unknown category {key!r}") from None
        words = table.get("words") if isinstance(table, dict) else None
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ValueError(f"category_keywords.{key}.words: must be a list of non-empty texts")
        rules.append((category, tuple(w.strip() for w in words)))
    return KeywordRules(tuple(rules))


def load_rules(path: Path) -> KeywordRules:
    with path.open("rb") as fh:
        return parse_rules(tomllib.load(fh))


@lru_cache(maxsize=1)
def default_rules() -> KeywordRules:
    return load_rules(resource(*KEYWORDS_FILE))


def suggest_category(text: str, rules: KeywordRules | None = None) -> Suggestion | None:
    return (rules or default_rules()).suggest(text)
