"""`resources/config/campaigns.toml`: the seasonal templates of screening campaigns (排查). One table per template
code; `campaign create --template CODE` takes its focus, visit kind and length."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, RootModel

from ..enums import Category
from ..paths import resource
from .base import Int, Section, Text
from .loader import load_file


class CampaignTemplate(Section):
    name: Text = Field(max_length=128, description="the campaign's name as shown (a year is added when started)")
    focus: Category = Field(description="the category its findings become cases of")
    visit: Literal["household", "venue"] = Field(description="what a grid worker visits: households or venues")
    days: Int = Field(ge=1, le=366, description="how long the grids have, from the start")
    months: tuple[Int, ...] = Field((), description="the months it is meant for (1–12), for the suggestion")
    description: str = Field("", description="what the screening looks for")


class CampaignTemplatesFile(RootModel[dict[str, CampaignTemplate]]):
    """code = { name, focus, visit, days, months, description }."""


@lru_cache(maxsize=1)
def campaign_templates() -> dict[str, CampaignTemplate]:
    return dict(load_file(CampaignTemplatesFile, resource("config", "campaigns.toml")).root)
