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


def test_dispatch_times_are_whole_and_short_for_today(qtbot: Any) -> None:
    from datetime import timedelta

    from console.ops import DispatchView
    from console.timeutil import utcnow
    from ui.case_detail.header import local_time
    from ui.case_detail.units import DispatchList

    panel = DispatchList()
    qtbot.addWidget(panel)
    panel.resize(480, 160)  # the English headings are wider than the Chinese
    panel.show()
    qtbot.waitExposed(panel)
    now = utcnow()
    yesterday = now - timedelta(days=1, minutes=5)
    panel.show_dispatches(
        [
            DispatchView(1, 7, "GW-G0105-02", "dispatcher1", yesterday, 600.0, yesterday, None, None, now),
            DispatchView(2, 8, "PC-22", "demo", now, 300.0, now, now, None, None),
        ]
    )
    tree = panel.tree
    old, today = tree.topLevelItem(0), tree.topLevelItem(1)
    assert today.text(1) == local_time(now)[6:11]  # 17:31: today's time of day
    assert old.text(1) == local_time(yesterday)[:11]  # 11-29 17:26: another day's with its date
    assert old.toolTip(1) == local_time(yesterday)  # the seconds in the tooltip
    for item in (old, today):
        for col in range(5):
            assert tree.columnWidth(col) >= needs(tree, item, col), (col, item.text(col), tree.columnWidth(col))
