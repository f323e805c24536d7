from __future__ import annotations

import pytest

from console.db import Database
from tests.county import MiniCounty, build_mini_county


@pytest.fixture
def county(db: Database) -> MiniCounty:
    return build_mini_county(db)
