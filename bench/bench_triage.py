"""Triage accuracy on the labelled test set (`tests/triage/labelled.py`, Chinese and English mixed): how often the
rules of `resources/config/triage.toml` suggest the labelled category and priority. The rules were written with that
set in view, so the bench also prints the accuracy on a held-out set (`tests/triage/heldout.py`) written after the
rules and never used to tune them. Prints JSON.

    python bench/bench_triage.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.services.triage import default_rules
from tests.triage.heldout import HELDOUT
from tests.triage.labelled import LABELLED


def main() -> None:
    rules = default_rules()
    start = time.perf_counter()
    found = [(rules.suggest(text), category, priority) for text, category, priority in LABELLED]
    elapsed = time.perf_counter() - start
    category_ok = sum(1 for s, category, _ in found if s.category is not None and s.category.value == category)
    priority_ok = sum(1 for s, _, priority in found if s.priority.value == priority)
    both_ok = sum(
        1
        for s, category, priority in found
        if s.category is not None and s.category.value == category and s.priority.value == priority
    )
    n = len(LABELLED)
    held = [(rules.suggest(text), c, p) for text, c, p in HELDOUT]
    held_category = sum(1 for s, c, _ in held if s.category is not None and s.category.value == c) / len(held)
    held_priority = sum(1 for s, _, p in held if s.priority.value == p) / len(held)
    misses = [
        {"text": text, "want": [c, p], "got": [s.category.value if s.category else None, s.priority.value]}
        for (s, c, p), (text, _, _) in zip(found, LABELLED, strict=True)
        if s.category is None or s.category.value != c or s.priority.value != p
    ]
    print(
        json.dumps(
            {
                "descriptions": n,
                "category_accuracy": round(category_ok / n, 4),
                "priority_accuracy": round(priority_ok / n, 4),
                "both_accuracy": round(both_ok / n, 4),
                "suggest_us_per_description": round(elapsed / n * 1e6, 1),
                "heldout_descriptions": len(held),
                "heldout_category_accuracy": round(held_category, 4),
                "heldout_priority_accuracy": round(held_priority, 4),
                "misses": misses,
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
