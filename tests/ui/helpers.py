"""Small helpers shared by the console window tests."""

from __future__ import annotations

from typing import Any

from console.enums import Category, Channel, Priority

# Inside grid G100 of the mini county (township 东河镇), next to PC-01 and GW-G100.
LAT, LON = 24.8055, 113.6055


def fill_form(
    form: Any,
    *,
    phone: str = "13800001111",
    description: str = "two neighbours quarrel loudly",
    with_place: bool = True,
) -> None:
    form.new_appeal()
    form.channel.setCurrentIndex(form.channel.findData(Channel.HOTLINE_12345))
    form.phone.setText(phone)
    form.description.setPlainText(description)
    form.priority.setCurrentIndex(form.priority.findData(Priority.ORANGE))
    if with_place:
        form.address.setText("东河镇 clinic gate")
        form.set_location(LAT, LON, keep_address=True)


def category_of(form: Any) -> Category:
    return form.category.currentData()
