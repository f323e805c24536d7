"""Key-site readiness as a figure (the dashboard's and the wall's tile): the share of key sites an available unit
reaches within their target now (the estimate dispatch uses), by target time, and the sites not covered, each with
how far it is from its target. It shows `sites.readiness`'s value and runs nothing itself."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..i18n.formats import format_eta

#: Below this share the figure turns amber, below the second red.
AMBER, RED = 0.9, 0.75


class ReadinessFigure(QWidget):
    def __init__(self, parent: QWidget | None = None, *, compact: bool = False) -> None:
        super().__init__(parent)
        self.compact = compact
        self.title = QLabel(self.tr("Key-site readiness (1/3/5 min)"))
        self.title.setProperty("role", "muted")
        self.value = QLabel("—")
        self.value.setObjectName("readinessValue")
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.uncovered = QListWidget()
        self.uncovered.setWordWrap(True)  # a narrow wall dock wraps a long site name instead of cutting it
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        if compact:  # one line in the patrol panel: the title as the figure's tooltip
            row = QHBoxLayout()
            row.setSpacing(16)
            row.addWidget(self.value)
            row.addWidget(self.detail, 1)
            layout.addLayout(row)
            self.title.hide()
            self.value.setToolTip(self.title.text())
            self.detail.setWordWrap(False)
        else:
            layout.addWidget(self.title)
            layout.addWidget(self.value)
            layout.addWidget(self.detail)
        # The sites not covered take the room the dock has (on the wall, its whole height below the figure): the
        # figure and its detail stay at the top instead of being spread down the dock.
        layout.addWidget(self.uncovered, 1)
        self.uncovered.setVisible(not compact)
        self._style(None)

    def _style(self, share: float | None) -> None:
        colour = (
            "#37474f" if share is None else "#2e7d32" if share >= AMBER else "#ef6c00" if share >= RED else "#c62828"
        )
        size = 18 if self.compact else 34
        self.value.setStyleSheet(f"font-size: {size}px; font-weight: 600; color: {colour};")

    def set_readiness(self, value: dict[str, Any]) -> None:
        rate = value.get("readiness_rate") or {}
        num, den = rate.get("numerator", 0), rate.get("denominator", 0)
        share = num / den if den else None
        self.value.setText(
            ("—" if share is None else f"{share:.0%}")
            + "  "
            + self.tr("%1 of %2 sites").replace("%1", str(num)).replace("%2", str(den))
        )
        self._style(share)
        parts = []
        for minutes, r in sorted((value.get("by_target_min") or {}).items(), key=lambda kv: float(kv[0])):
            parts.append(
                self.tr("%1 min: %2/%3")
                .replace("%1", str(minutes))
                .replace("%2", str(r["numerator"]))
                .replace("%3", str(r["denominator"]))
            )
        self.detail.setText(" · ".join(parts))
        self.uncovered.clear()
        for site in value.get("uncovered", []):
            eta = site.get("best_eta_s")
            if eta is None:
                how = self.tr("no unit can reach it")
            else:
                how = (  # the arrival in the case panel's words (one formatter)
                    self.tr("first unit in %1, required within %2 min")
                    .replace("%1", format_eta(float(eta)))
                    .replace("%2", f"{float(site['target_min']):g}")
                )
            item = QListWidgetItem(f"{site['name']} — {how}", self.uncovered)
            item.setToolTip(item.text())
