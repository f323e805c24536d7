"""Queue of 10,000 open cases: load, sort and filter in the queue model (Python lists, the model's own rows), and one
change from the feed that moves a row (a different case each repeat), against the naive way, a QSortFilterProxyModel
over a plain table model, measured in the same run on the same cases. Each figure with its budget (p95) and whether
it is met.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/bench_queue.py [--cases 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import dataclasses
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
from ui.gc_tuning import freeze_long_lived
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


def moving_changes(cases: list[CaseView], n: int) -> list[CaseView]:
    """`n` updates of `n` different cases, each to a priority it does not have (so its row moves when the queue is
    sorted by priority)."""
    step = max(1, len(cases) // (n + 1))
    priorities = list(Priority)
    out = []
    for k in range(n):
        case = cases[(k + 1) * step % len(cases)]
        new = priorities[(priorities.index(case.priority) + 1 + k % 3) % len(priorities)]
        out.append(dataclasses.replace(case, priority=new))
    return out


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
    freeze_long_lived()  # as the console does once its first snapshot is in (for both ways measured)
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
    # One change from the feed per repeat, each to another case and each moving its row (a new priority): a move
    # (beginMoveRows), never a reset, nor a removal and an insertion.
    model.sort(Column.PRIORITY, Qt.SortOrder.AscendingOrder)
    signals = {"reset": 0, "moved": 0, "removed": 0, "inserted": 0}

    def count(name: str) -> Any:
        return lambda *_a: signals.__setitem__(name, signals[name] + 1)

    model.modelReset.connect(count("reset"))
    model.rowsMoved.connect(count("moved"))
    model.rowsRemoved.connect(count("removed"))
    model.rowsInserted.connect(count("inserted"))
    changes = iter(moving_changes(cases, args.repeat))

    def one_change() -> None:
        case = next(changes)
        state[case.id] = case
        model.apply(LiveDiff(cases_updated=[case.id]))

    ours["one_change"] = summary_ms(timed(one_change, args.repeat))
    ours["one_change_signals"] = signals

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
    # The naive way's one change: the source row changes, the proxy (dynamic sort) puts it in its place.
    proxy.sort(0)
    naive_changes = iter(moving_changes(cases, args.repeat))
    position = {c.id: i for i, c in enumerate(naive_model.rows)}

    def naive_one_change() -> None:
        case = next(naive_changes)
        row = position[case.id]
        naive_model.rows[row] = case
        naive_model.dataChanged.emit(naive_model.index(row, 0), naive_model.index(row, 8))

    naive["one_change"] = summary_ms(timed(naive_one_change, args.repeat))
    keys = ("load", "sort", "filter_search", "one_change")
    ratios = {k: round(naive[k]["p50_ms"] / max(ours[k]["p50_ms"], 1e-6), 1) for k in keys}
    budgets = {"load": 300, "sort": 100, "filter_search": 100, "filter_category": 100}
    met = {k: ours[k]["p95_ms"] <= budget for k, budget in budgets.items()}
    emit(
        {
            "bench": "queue",
            "cases": args.cases,
            "queue_model": ours,
            "qsortfilterproxy": naive,
            "naive_over_ours_p50": ratios,
            "budget_p95_ms": budgets,
            "met": met,
        }
    )
    del app
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt objects owned by finished threads


if __name__ == "__main__":
    main()
