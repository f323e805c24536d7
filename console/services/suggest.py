"""Suggested category for an appeal's description, from the keyword rules in `resources/config/`.

Read-only and database-free: the intake form calls it as the description is typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..config.category_keywords import KeywordsFile
from ..config.loader import load_file, validate
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


def rules_from(file: KeywordsFile) -> KeywordRules:
    return KeywordRules(tuple((category, table.words) for category, table in file.root.items()))


def parse_rules(data: Mapping[str, Any]) -> KeywordRules:
    """Rules from the tables of a category_keywords.toml already read (ConfigError naming the key if one is wrong)."""
    return rules_from(validate(KeywordsFile, data))


def load_rules(path: Path) -> KeywordRules:
    return rules_from(load_file(KeywordsFile, path))


@lru_cache(maxsize=1)
def default_rules() -> KeywordRules:
    return load_rules(resource(*KEYWORDS_FILE))


def suggest_category(text: str, rules: KeywordRules | None = None) -> Suggestion | None:
    return (rules or default_rules()).suggest(text)
