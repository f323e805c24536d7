"""The wall band's ticker lines stay whole glyphs ending in "…" whatever changes their font after the text was set
(the screen's type size, the priority colour's style sheet)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QFont

from ui.wall.band import WallBand

pytestmark = pytest.mark.ui


def test_ticker_line_elides_again_when_its_font_grows(qtbot: Any) -> None:
    band = WallBand()
    qtbot.addWidget(band)
    band.resize(1280, 180)
    band.show()
    line = band.ticker_rows[0]
    text = "● 11-30 13:58  橙色  安全隐患  黄坑镇鹤排村东头第三户门前的水泥路面塌陷"
    line.set_line(text)
    qtbot.waitUntil(lambda: line.width() > 0)
    line.setStyleSheet("color: #e08030;")
    bigger = QFont(line.font())
    bigger.setPixelSize(line.fontMetrics().height() * 2)
    line.setFont(bigger)
    assert line.text().endswith("…") and line.text() != text
    assert line.fontMetrics().horizontalAdvance(line.text()) <= line.width()
    assert line.full_text() == text
