"""Made-up appeals for the demo: channel, category, priority, place and a Chinese description, as intake input.

Shared by the history generator and the live simulator, so both file the same kind of appeals.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ..enums import Category, Channel, Priority
from . import texts
from .county import County, PlaceSpec
from .names import STREETS

CHANNEL_WEIGHTS: dict[Channel, float] = {
    Channel.HOTLINE_12345: 0.32,
    Channel.POLICE_110: 0.18,
    Channel.GRID_REPORT: 0.15,
    Channel.ONLINE: 0.10,
    Channel.WALK_IN: 0.07,
    Channel.PATROL: 0.07,
    Channel.VIDEO: 0.05,
    Channel.OTHER: 0.06,
}
CATEGORY_WEIGHTS: dict[Category, float] = {
    Category.DISPUTE: 0.16,
    Category.PUBLIC_ORDER: 0.11,
    Category.SAFETY_HAZARD: 0.10,
    Category.TRAFFIC: 0.10,
    Category.ASSISTANCE: 0.07,
    Category.LIVELIHOOD: 0.17,
    Category.ENVIRONMENT: 0.10,
    Category.PETITION: 0.05,
    Category.CONSULTATION: 0.09,
    Category.OTHER: 0.05,
}
#: Channels that bring only some categories.
CHANNEL_CATEGORIES: dict[Channel, tuple[Category, ...]] = {
    Channel.POLICE_110: (Category.PUBLIC_ORDER, Category.TRAFFIC, Category.ASSISTANCE, Category.DISPUTE),
    Channel.VIDEO: (Category.PUBLIC_ORDER, Category.TRAFFIC, Category.ENVIRONMENT, Category.SAFETY_HAZARD),
    Channel.PATROL: (Category.PUBLIC_ORDER, Category.SAFETY_HAZARD, Category.ENVIRONMENT, Category.DISPUTE),
    Channel.GRID_REPORT: (
        Category.DISPUTE,
        Category.SAFETY_HAZARD,
        Category.ENVIRONMENT,
        Category.LIVELIHOOD,
        Category.OTHER,
    ),
}
#: Channels where a citizen calls or comes in (a phone number is known).
CITIZEN_CHANNELS = frozenset(
    {Channel.HOTLINE_12345, Channel.POLICE_110, Channel.ONLINE, Channel.WALK_IN, Channel.OTHER}
)
URGENT_CATEGORIES = frozenset({Category.PUBLIC_ORDER, Category.TRAFFIC, Category.ASSISTANCE, Category.SAFETY_HAZARD})


@dataclass(frozen=True)
class Appeal:
    """One made-up appeal: the intake input and what the generator knows beyond it."""

    data: dict[str, Any]  # intake fields (channel, category, priority, description, ...)
    category: Category
    priority: Priority
    template: texts.Template
    lat: float | None
    lon: float | None
    grid_code: str | None
    township_code: str
    phone: str | None


class AppealMaker:
    def __init__(self, county: County, rng: random.Random, *, callers: int = 1800) -> None:
        self.county = county
        self.places_by_town: dict[str, list[PlaceSpec]] = {}
        for p in county.places:
            self.places_by_town.setdefault(p.township_code, []).append(p)
        self.town_weights = [t.weight for t in county.townships]
        self.phones = [
            f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}" for _ in range(callers)
        ]
        #: A dozen people who call again and again (for the caller history and repeat figures).
        self.frequent = self.phones[:12]

    def priority(self, rng: random.Random, category: Category) -> Priority:
        roll = rng.random()
        if category == Category.CONSULTATION:
            return Priority.BLUE if roll < 0.8 else Priority.YELLOW
        if roll < 0.05 and category in URGENT_CATEGORIES:
            return Priority.RED
        if roll < 0.22:
            return Priority.ORANGE
        if roll < 0.9:
            return Priority.YELLOW
        return Priority.BLUE

    def make(self, rng: random.Random) -> Appeal:
        channel = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
        allowed = CHANNEL_CATEGORIES.get(channel)
        cats = list(allowed) if allowed else list(CATEGORY_WEIGHTS)
        category = rng.choices(cats, [CATEGORY_WEIGHTS[c] for c in cats])[0]
        priority = self.priority(rng, category)
        template = rng.choice(texts.TEMPLATES[category])
        town = rng.choices(self.county.townships, self.town_weights)[0]
        place = rng.choice(self.places_by_town[town.code])
        where = place.name if place.name.startswith(("青溪", town.name)) else town.name + place.name
        if town.kind == "街道" and rng.random() < 0.4:
            where = f"{town.name}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
        description = texts.describe(rng, template, where=where, town=town.name)
        located = category != Category.CONSULTATION or rng.random() < 0.2
        lat = lon = None
        if located:
            lat = round(place.lat + rng.gauss(0, 0.002), 6)
            lon = round(place.lon + rng.gauss(0, 0.002), 6)
        phone: str | None = None
        name: str | None = None
        if channel in CITIZEN_CHANNELS:
            phone = rng.choice(self.frequent) if rng.random() < 0.04 else rng.choice(self.phones)
            name = texts.full_name(rng) if rng.random() < 0.6 else None
        data: dict[str, Any] = {
            "channel": channel.value,
            "category": category.value,
            "priority": priority.value,
            "description": description,
        }
        if located or rng.random() < 0.5:
            data["address"] = where
        if phone:
            data["caller_phone"] = phone
        if name:
            data["caller_name"] = name
        if lat is not None:
            data["lat"], data["lon"] = lat, lon
        return Appeal(data, category, priority, template, lat, lon, place.grid_code, town.code, phone)

    def repeat_of(self, rng: random.Random, master: Appeal) -> Appeal:
        """The same matter reported again by the same caller a little later (重复诉求)."""
        data: dict[str, Any] = {
            "channel": rng.choice([Channel.HOTLINE_12345.value, Channel.ONLINE.value]),
            "category": master.category.value,
            "priority": master.priority.value,
            "description": "再次来电反映：" + texts.describe(rng, master.template, where="原反映地点", town=""),
        }
        if master.phone:
            data["caller_phone"] = master.phone
        lat = lon = None
        if master.lat is not None and master.lon is not None:
            lat = round(master.lat + rng.gauss(0, 0.0005), 6)
            lon = round(master.lon + rng.gauss(0, 0.0005), 6)
            data["lat"], data["lon"] = lat, lon
        return Appeal(
            data,
            master.category,
            master.priority,
            master.template,
            lat,
            lon,
            master.grid_code,
            master.township_code,
            master.phone,
        )
