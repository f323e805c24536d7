"""Plans from the appeals (研判 → 巡防规划): the clusters of the last N days' public-order, safety and dispute cases by
place and hour of the week, as draft plans (`patrol.suggest`), each with the cases behind it. The shift leader edits
a draft's name, team, days and windows and saves it as a plan (`patrol.import` of that draft's features); the
operations check everything, the page only edits the words."""

from __future__ import annotations

import copy
import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.enums import Category

from ..labels import label


def _category(code: str) -> str:
    try:
        return label(Category(code))
    except ValueError:
        return code


class SuggestionsPage(QWidget):
    suggestRequested = Signal(int)  # days to look back
    saveRequested = Signal(str)  # the GeoJSON text of the edited draft (`patrol.import`)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value: dict[str, Any] | None = None
        self.days = QSpinBox()
        self.days.setRange(7, 365)
        self.days.setValue(30)
        self.days.setSuffix(self.tr(" days"))
        self.suggest_button = QPushButton(self.tr("Suggest"))
        self.list = QTreeWidget()
        self.list.setHeaderLabels([self.tr("Draft"), self.tr("Windows"), self.tr("Cases")])
        self.list.setRootIsDecorated(False)
        header = self.list.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.cases = QLabel("")
        self.cases.setWordWrap(True)
        self.cases.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name = QLineEdit()
        self.team = QLineEdit()
        self.week = QLineEdit()
        self.windows = QLineEdit()
        self.save_button = QPushButton(self.tr("Save as plan"))

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("From the appeals of the last")))
        top.addWidget(self.days)
        top.addStretch(1)
        top.addWidget(self.suggest_button)
        editor = QWidget()
        form = QFormLayout(editor)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.cases)
        form.addRow(self.tr("Plan"), self.name)
        form.addRow(self.tr("Team"), self.team)
        form.addRow(self.tr("Days"), self.week)
        form.addRow(self.tr("Windows"), self.windows)
        form.addRow(self.save_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.list)
        split.addWidget(editor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.suggest_button.clicked.connect(lambda: self.suggestRequested.emit(self.days.value()))
        self.list.itemSelectionChanged.connect(self._show)
        self.save_button.clicked.connect(self.save)
        self._show()

    def set_suggestions(self, value: dict[str, Any]) -> None:
        """`patrol.suggest`'s value: the drafts with their cases, and the drafts as an import file."""
        self.value = value
        self.list.clear()
        for i, sg in enumerate(value.get("suggestions", [])):
            cats = "、".join(_category(c) for c in sg.get("categories", {}))
            item = QTreeWidgetItem([sg["name"], "; ".join(sg["windows"]), str(sg["case_count"])])
            item.setToolTip(0, cats)
            item.setData(0, Qt.ItemDataRole.UserRole, i)
            self.list.addTopLevelItem(item)
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
        self._show()

    def _current(self) -> dict[str, Any] | None:
        items = self.list.selectedItems()
        if not items or self.value is None:
            return None
        suggestion: dict[str, Any] = self.value["suggestions"][int(items[0].data(0, Qt.ItemDataRole.UserRole))]
        return suggestion

    def _show(self) -> None:
        sg = self._current()
        for w in (self.name, self.team, self.week, self.windows, self.save_button):
            w.setEnabled(sg is not None)
        if sg is None:
            self.cases.setText(self.tr("No draft chosen.") if self.value is not None else "")
            return
        shown = ", ".join(sg["cases"][:12]) + (" …" if len(sg["cases"]) > 12 else "")
        self.cases.setText(self.tr("%1 cases behind it: %2").replace("%1", str(sg["case_count"])).replace("%2", shown))
        self.name.setText(sg["name"])
        self.team.setText(";".join(sg["team"]))
        self.week.setText(";".join(sg["days"]))
        self.windows.setText(";".join(sg["windows"]))

    def edited_geojson(self) -> str | None:
        """The chosen draft's features with the edited plan properties, as `patrol import` reads them."""
        sg = self._current()
        if sg is None or self.value is None:
            return None
        features = []
        for feature in self.value["geojson"].get("features", []):
            if (feature.get("properties") or {}).get("plan") != sg["name"]:
                continue
            f = copy.deepcopy(feature)
            props = f["properties"]
            for key in ("cases", "note"):  # what the suggestion adds for the reader, not part of a plan
                props.pop(key, None)
            props.update(
                plan=self.name.text().strip(),
                team=self.team.text().strip(),
                days=self.week.text().strip(),
                windows=self.windows.text().strip(),
            )
            features.append(f)
        return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)

    def save(self) -> None:
        text = self.edited_geojson()
        if text is not None:
            self.saveRequested.emit(text)
