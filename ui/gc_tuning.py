"""The collector: one decision, taken on the interface thread; nothing crosses threads.

Decision: the console freezes the objects alive at two moments, on the interface thread — when the session starts
(the window, its modules, the county and the map page's Python side: they live as long as the console) and once the
first snapshot is applied (the open cases and units: most stay for hours) — and otherwise leaves the collector as
Python sets it: no `gc.disable()` on one thread and `gc.enable()` on another, no change of thresholds, no
`sys.setswitchinterval`. A frozen object is never walked again by any collection, on whichever thread it runs.

Why: with 10,000 open cases and 300 moving units, every full (generation 2) collection walks every long-lived
object; the database thread triggers some of them while it builds the snapshot and while it reads changes, and it
holds the interpreter's lock throughout, so the interface waits. Collector CPU time measured with `gc.callbacks`
in `bench/bench_gui_block.py` (thread CPU time, so a busy machine does not inflate it):

| policy | loading: longest collection | following: longest collection | collector CPU in both phases |
|---|---|---|---|
| no tuning at all | 117 ms (gen 2, database thread) | 142 ms (gen 2) | 1,004 ms |
| freeze once, after the first snapshot | 119 ms (before the freeze) | 41 ms | 371 ms |
| freeze at start and after the first snapshot | 10 ms | 35 ms | 320 ms |

What the full collections that remained (5–7 in 20 s while following, 42–59 ms each on the database thread) walked,
counted by type with `gc.get_objects(generation=2)` from a `gc.callbacks` hook at their start: the first overdue
sweep escalating the bench's 10,000 seeded cases in one transaction — up to 82,000 objects alive at once (10,000
result rows, 8,500 events with their `InstanceState`, dicts, sets and weak references, 8,500 `Escalated`), then the
10,000 events the change feed read back in one go. Not the collector's policy, then, but one transaction far too
big: the sweep now escalates at most 250 cases a transaction (`ui.session.SWEEP_BATCH`, the next batch 100 ms
later) and reads overdue cases 500 at a time. Same bench on a shared machine (load average 6–11, so thread CPU time
is the figure to compare), full collections and the longest one's CPU time on the database thread, loading ·
following: before 1 · 5, 12.2 · 57.3 ms; after 0 · 7, 2.9 · 22.8 ms (objects alive at a full collection: up to
82,000 before, 18,000–28,000 after). The decision above stands.

Reference cycles made after a freeze are still collected; only what was alive at a freeze is never looked at again
(a cycle that was already garbage then stays in memory: a one-time, bounded cost).
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Move every object alive now out of the collector's sight for good (`gc.freeze()`). Called on the interface
    thread when the session starts and once the first snapshot is applied."""
    gc.freeze()
