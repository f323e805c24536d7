"""Queue of 10,000 open cases: load, sort and filter in the queue model (Python lists, the model's own rows)
against the naive way, a QSortFilterProxyModel over a plain table model, measured in the same run.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/bench_queue.py [--cases 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRegularExpression, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QApplication

from bench.common import emit, summary_ms
from console.enums import CaseStatus, Category, Channel, Priority
from console.live import LiveDiff
from console.views import CaseView
from ui.gc_tuning import tune_for_interface
from ui.queue.filters import Column, QueueFilter
from ui.queue.model import QueueModel

WORDS = ["噪音", "停水", "纠纷", "垃圾", "路灯", "漏水", "占道", "吵架", "water", "noise", "fight", "smoke"]


def make_cases(n: int, seed: int = 7) -> list[CaseView]:
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    out = []
    for i in range(1, n + 1):
        received = now - timedelta(minutes=rnd.randint(1, 60 * 24 * 10))
        out.append(
            CaseView(
                id=i,
                number=f"2026-{i:06d}",
                channel=rnd.choice(list(Channel)),
                category=rnd.choice(list(Category)),
                priority=rnd.choice(list(Priority)),
                status=rnd.choice([CaseStatus.RECEIVED, CaseStatus.DISPATCHED, CaseStatus.ON_SCENE]),
                received_at=received,
                due_at=received + timedelta(hours=rnd.choice([1, 4, 24, 72])),
                description=" ".join(rnd.choice(WORDS) for _ in range(6)),
                address=f"第{rnd.randint(1, 300)}号",
                township_id=rnd.randint(1, 12),
                caller_phone=f"138{rnd.randint(0, 99_999_999):08d}",
                created_by=rnd.choice(["demo", "leader"]),
            )
        )
    return out


class NaiveModel(QAbstractTableModel):
    """The naive way: a plain table model, sorted and filtered by a QSortFilterProxyModel."""

    def __init__(self, rows: list[CaseView]) -> None:
        super().__init__()
        self.rows = rows

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 9

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        c = self.rows[index.row()]
        return (
            c.priority.value,
            c.number,
            c.received_at.isoformat(),
            c.due_at.isoformat(),
            c.category.value,
            c.status.value,
            str(c.township_id),
            c.description,
            "",
        )[index.column()]


def timed(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    cases = make_cases(args.cases)
    state = {c.id: c for c in cases}
    tune_for_interface()  # as the console does at start (for both ways measured)
    towns = {i: f"镇{i}" for i in range(1, 13)}

    def load() -> QueueModel:
        model = QueueModel(state, towns)
        model.rebuild()
        return model

    model = load()
    our_cols = itertools.cycle([Column.DEADLINE, Column.AGE, Column.CATEGORY, Column.NUMBER])
    naive_cols = itertools.cycle([3, 2, 4, 1])
    ours = {
        "load": summary_ms(timed(load, args.repeat)),
        "sort": summary_ms(timed(lambda: model.sort(next(our_cols), Qt.SortOrder.AscendingOrder), args.repeat)),
        "sort_desc_township": summary_ms(
            timed(lambda: model.sort(Column.TOWNSHIP, Qt.SortOrder.DescendingOrder), args.repeat)
        ),
        "filter_search": summary_ms(
            timed(lambda: (model.set_filter(QueueFilter(search="water")), model.set_filter(QueueFilter())), args.repeat)
        ),
        "filter_category": summary_ms(
            timed(
                lambda: (model.set_filter(QueueFilter(category=Category.DISPUTE)), model.set_filter(QueueFilter())),
                args.repeat,
            )
        ),
    }
    # One change from the feed: an update that moves a row, as dataChanged/move, not a reset.
    model.sort(Column.PRIORITY, Qt.SortOrder.AscendingOrder)
    resets = [0]
    model.modelReset.connect(lambda: resets.__setitem__(0, resets[0] + 1))

    def one_change() -> None:
        c = cases[len(cases) // 2]
        state[c.id] = CaseView(**{**{f: getattr(c, f) for f in c.__slots__}, "priority": Priority.RED})
        model.apply(LiveDiff(cases_updated=[c.id]))

    ours["one_change"] = summary_ms(timed(one_change, args.repeat))
    ours["resets_for_changes"] = resets[0]

    naive_model = NaiveModel(cases)
    proxy = QSortFilterProxyModel()

    def naive_load() -> None:
        proxy.setSourceModel(None)
        proxy.setSourceModel(naive_model)
        proxy.sort(0)

    naive_load()
    naive = {
        "load": summary_ms(timed(naive_load, args.repeat)),
        "sort": summary_ms(timed(lambda: proxy.sort(next(naive_cols), Qt.SortOrder.AscendingOrder), args.repeat)),
        "filter_search": summary_ms(
            timed(
                lambda: (
                    proxy.setFilterKeyColumn(7),
                    proxy.setFilterRegularExpression(QRegularExpression("water")),
                    proxy.setFilterRegularExpression(QRegularExpression("")),
                ),
                args.repeat,
            )
        ),
    }
    ratios = {k: round(naive[k]["p50_ms"] / max(ours[k]["p50_ms"], 1e-6), 1) for k in ("load", "sort", "filter_search")}
    emit(
        {
            "bench": "queue",
            "cases": args.cases,
            "queue_model": ours,
            "qsortfilterproxy": naive,
            "naive_over_ours_p50": ratios,
            "budget_ms": {"load": 300, "sort": 100, "filter": 100},
        }
    )
    del app
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt objects owned by finished threads


if __name__ == "__main__":
    main()
