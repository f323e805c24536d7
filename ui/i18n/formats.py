"""Dates, times, numbers and phone numbers as a dispatcher expects them (Chinese conventions under zh_CN).

Everything is shown in China Standard Time. Under zh_CN: `2026年11月23日 08:30` in a detail, `11-23 08:30` in a table
(`08:30` today), numbers with the locale's grouping, mobile numbers in 3-4-4 groups (`138 1234 5678`), masked ones
as the core masks them (`138****5678`).
"""

from __future__ import annotations

import html
import math
from datetime import datetime, timedelta

from PySide6.QtCore import QLocale

from console.timeutil import CHINA_TZ


def _is_chinese(locale: QLocale | None) -> bool:
    return (locale or QLocale()).language() == QLocale.Language.Chinese


def format_datetime(ts: datetime | None, *, locale: QLocale | None = None) -> str:
    """A full date and time for details and reports: `2026年11月23日 08:30` (zh_CN) or `2026-11-23 08:30`."""
    if ts is None:
        return ""
    local = ts.astimezone(CHINA_TZ)
    if _is_chinese(locale):
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return local.strftime("%Y-%m-%d %H:%M")


def format_date(ts: datetime | None, *, locale: QLocale | None = None) -> str:
    if ts is None:
        return ""
    local = ts.astimezone(CHINA_TZ)
    if _is_chinese(locale):
        return f"{local.year}年{local.month}月{local.day}日"
    return local.strftime("%Y-%m-%d")


def format_short(ts: datetime | None, *, today: datetime | None = None) -> str:
    """A compact time for table cells: `08:30` today, `11-23 08:30` otherwise (the same in both languages)."""
    if ts is None:
        return ""
    local = ts.astimezone(CHINA_TZ)
    if today is not None and today.astimezone(CHINA_TZ).date() == local.date():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")


def format_number(value: float, decimals: int = 0, *, locale: QLocale | None = None) -> str:
    return (
        (locale or QLocale()).toString(float(value), "f", decimals)
        if decimals
        else (locale or QLocale()).toString(int(round(value)))
    )


def format_percent(ratio: float | None, decimals: int = 1, *, locale: QLocale | None = None) -> str:
    if ratio is None:
        return "—"
    return (locale or QLocale()).toString(ratio * 100, "f", decimals) + "%"


def format_duration(seconds: float, *, locale: QLocale | None = None) -> str:
    """`1小时5分` / `12分` (zh_CN) or `1 h 5 min` / `12 min`."""
    minutes = max(0, int(round(seconds / 60)))
    hours, minutes = divmod(minutes, 60)
    if _is_chinese(locale):
        return f"{hours}小时{minutes}分" if hours else f"{minutes}分钟"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def format_span(delta: timedelta, *, locale: QLocale | None = None) -> str:
    """A compact age or countdown for table cells (sign left to the caller): `2天3小时`, `3小时05分`, `12分` under
    zh_CN; `2d 03h`, `3h 05m`, `12m` otherwise."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if _is_chinese(locale):
        if days:
            return f"{days}天{hours}小时"
        if hours:
            return f"{hours}小时{minutes:02d}分"
        return f"{minutes}分"
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


def format_eta(seconds: float, *, locale: QLocale | None = None) -> str:
    """An estimated arrival, the one text the case panel and the map both show: whole minutes rounded up (an
    estimate is never shown earlier than computed, and never as 0), `5分钟` / `1小时05分` (zh_CN) or `5 min` /
    `1 h 05 min`; `—` for a unit that cannot reach the place."""
    if not math.isfinite(seconds):
        return "—"
    minutes = max(1, math.ceil(max(0.0, seconds) / 60 - 1e-9))
    hours, minutes = divmod(minutes, 60)
    if _is_chinese(locale):
        return f"{hours}小时{minutes:02d}分" if hours else f"{minutes}分钟"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def format_seconds(seconds: float, *, locale: QLocale | None = None) -> str:
    """A short interval such as a dispatch time: `45秒` / `2.5分钟` (zh_CN) or `45 s` / `2.5 min`."""
    if not math.isfinite(seconds):
        return "—"
    zh = _is_chinese(locale)
    if seconds < 120:
        return f"{seconds:.0f}秒" if zh else f"{seconds:.0f} s"
    minutes = (locale or QLocale()).toString(seconds / 60, "f", 1)
    return f"{minutes}分钟" if zh else f"{minutes} min"


def format_hours_minutes(seconds: float, *, locale: QLocale | None = None) -> str:
    """Working time left: `3小时20分` / `20分` (zh_CN) or `3h 20m` / `20m` (sign left to the caller)."""
    s = int(abs(seconds))
    hours, rest = divmod(s, 3600)
    if _is_chinese(locale):
        return f"{hours}小时{rest // 60:02d}分" if hours else f"{rest // 60}分"
    return f"{hours}h {rest // 60:02d}m" if hours else f"{rest // 60}m"


def format_distance(metres: float, *, locale: QLocale | None = None) -> str:
    """`850 m`, `2.4 km` (the same in both languages, with the locale's decimal point)."""
    if not math.isfinite(metres):
        return "—"
    if metres < 1000:
        return f"{int(round(metres))} m"
    return (locale or QLocale()).toString(metres / 1000, "f", 1) + " km"


#: Tooltips longer than this many characters are wrapped in a block `TOOLTIP_WIDTH_PX` wide.
TOOLTIP_WRAP_CHARS = 30
TOOLTIP_WIDTH_PX = 360


def tooltip_text(text: str) -> str:
    """A tooltip that wraps sensibly: a short text as it is; a long one (a citizen's description) in a block of a
    reading width, so it neither runs across the screen nor collapses to a character a line. The text is escaped:
    it is shown as text, never as markup."""
    if len(text) <= TOOLTIP_WRAP_CHARS:
        return text
    return f"<table width='{TOOLTIP_WIDTH_PX}'><tr><td>{html.escape(text)}</td></tr></table>"


def format_phone(phone: str | None) -> str:
    """Mainland mobile numbers (11 digits, or masked `138****5678`) in 3-4-4 groups; landlines with an area code
    (`0951-1234567`) and short numbers (`110`, `12345`) as they are."""
    if not phone:
        return ""
    text = phone.strip()
    if len(text) == 11 and text[0] == "1" and text[:3].isdigit() and text[-4:].isdigit():
        return f"{text[:3]} {text[3:7]} {text[7:]}"
    return text
