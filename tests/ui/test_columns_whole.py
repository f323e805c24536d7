"""Lists in narrow docks keep what a dispatcher reads whole: the recommended unit's callsign, its arrival and its
distance in the case detail at the widths the layouts give the dock (about 400 px at 1280×720 with Chinese labels;
these English ones are longer, so a little more room); only the reasons elide (whole in their tooltip)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QTreeWidgetItem

from console.enums import UnitKind
from console.views import Recommendation
from ui.case_detail.units import RecommendationList

pytestmark = pytest.mark.ui


def needs(tree: Any, item: QTreeWidgetItem, col: int) -> int:
    return int(tree.fontMetrics().horizontalAdvance(item.text(col))) + 8


@pytest.mark.parametrize("width", [480, 560])
def test_recommended_units_keep_callsign_arrival_and_distance_whole(qtbot: Any, width: int) -> None:
    panel = RecommendationList()
    qtbot.addWidget(panel)
    panel.resize(width, 200)
    panel.show()
    qtbot.waitExposed(panel)
    long_reasons = ("own_grid_worker", "capability:mediation", "road", "stale_fix")
    panel.show_recommendations(
        [
            Recommendation(1, "GW-G0105-02", UnitKind.GRID_WORKER, 12_480.0, 3_900.0, long_reasons),
            Recommendation(2, "PC-02", UnitKind.PATROL_CAR, 6_600.0, 1_080.0, ("nearest",)),
        ]
    )
    tree = panel.tree
    qtbot.waitUntil(lambda: tree.viewport().width() > 0)
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        for col in (0, 1, 2):
            assert tree.columnWidth(col) >= needs(tree, item, col), (col, item.text(col), tree.columnWidth(col))
        assert item.toolTip(3) == item.text(3)
    # Everything stays in the list's width: the reasons give way, never the columns before them.
    assert tree.header().length() <= tree.viewport().width() + 1
    assert tree.columnWidth(3) >= 36
