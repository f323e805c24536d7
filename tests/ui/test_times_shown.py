"""Times on the screen are China Standard Time whatever the workstation's own time zone (the demo and the CI
machines run in UTC): a hand-off's receipt and the last shift's handover note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.enums import HandoffLine, HandoffStatus
from console.services.handoffs import HandoffView
from console.services.handover import Handover
from ui.case_detail.handoff import HandoffBox
from ui.shift import LastHandoverDialog

pytestmark = pytest.mark.ui

SENT = datetime(2026, 11, 30, 6, 28, tzinfo=UTC)  # 14:28 in China


def test_hand_off_receipt_shows_china_time(qtbot: Any) -> None:
    box = HandoffBox()
    qtbot.addWidget(box)
    receipt = HandoffView(
        1, HandoffLine.HOTLINE_12345, HandoffStatus.ACCEPTED, "demo", SENT, "12345-7", SENT, SENT,
        None, None, None, None, None, SENT + timedelta(minutes=10),
    )  # fmt: skip
    box.show_receipts([receipt])
    assert "14:28" in box.text() and "06:28" not in box.text()


def test_last_handover_shows_china_time(qtbot: Any) -> None:
    dialog = LastHandoverDialog(Handover(by="leader", at=SENT, shift_started=SENT, note="all quiet", open_count=0))
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(type(dialog.note)))
    assert "11-30 14:28" in texts and "06:28" not in texts
