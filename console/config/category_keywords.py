"""`resources/config/category_keywords.toml`: the keyword rules that suggest a category while an appeal's
description is typed. One table per category, in order (ties go to the category listed first)."""

from __future__ import annotations

from pydantic import Field, RootModel

from ..enums import Category
from .base import Section, Text


class KeywordTable(Section):
    words: tuple[Text, ...] = Field(
        min_length=1, description="words in Chinese and English, matched case-insensitively as substrings"
    )


class KeywordsFile(RootModel[dict[Category, KeywordTable]]):
    """category = { words = [...] }, for any of the categories."""
