"""One formatter for each kind of duration, with the Chinese forms under zh_CN: the ETA the map and the case panel
both show, dispatch times on the dashboard, working time left on the leader's board."""

from __future__ import annotations

import math
from datetime import timedelta

from PySide6.QtCore import QLocale

from ui.i18n.formats import (
    format_distance,
    format_eta,
    format_hours_minutes,
    format_seconds,
    format_span,
    tooltip_text,
)

ZH = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
EN = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


def test_eta_is_whole_minutes_rounded_up_and_never_zero() -> None:
    assert format_eta(61, locale=ZH) == "2分钟"
    assert format_eta(120, locale=ZH) == "2分钟"
    assert format_eta(5, locale=ZH) == "1分钟"
    assert format_eta(3725, locale=ZH) == "1小时03分"
    assert format_eta(61, locale=EN) == "2 min"
    assert format_eta(math.inf, locale=ZH) == "—"


def test_durations_in_chinese_forms() -> None:
    assert format_seconds(45, locale=ZH) == "45秒"
    assert format_seconds(150, locale=ZH) == "2.5分钟"
    assert format_seconds(45, locale=EN) == "45 s"
    assert format_hours_minutes(3 * 3600 + 20 * 60, locale=ZH) == "3小时20分"
    assert format_hours_minutes(-20 * 60, locale=ZH) == "20分"
    assert format_hours_minutes(3 * 3600 + 20 * 60, locale=EN) == "3h 20m"
    assert format_span(timedelta(days=30), locale=ZH) == "30天0小时"
    assert format_distance(850) == "850 m"
    assert format_distance(2400, locale=EN) == "2.4 km"


def test_long_tooltips_wrap_in_a_reading_width_and_stay_text() -> None:
    assert tooltip_text("短文本") == "短文本"
    long = "城关街道工业园区张阿姨反映与家人因赡养老人问题产生矛盾，请求村（居）委会协调<script>"
    wrapped = tooltip_text(long)
    assert wrapped.startswith("<table width=") and "&lt;script&gt;" in wrapped and "<script>" not in wrapped
