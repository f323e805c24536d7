"""Keeping Python's garbage collector from pausing the interface.

A console holds tens of thousands of long-lived objects (the live state's views, Qt wrappers, loaded modules).
Full collections walk all of them and, run from whichever thread happens to allocate, they stop every thread for
100 ms or more. So: long-lived objects are moved out of the collector's sight (`gc.freeze()`) once they exist, and
the youngest generation is collected less often (fewer collections, and fewer promotions that lead to full ones).
Reference cycles still get collected; only the objects that were alive at a freeze are never scanned again.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 20_000


def tune_for_interface() -> None:
    """At start: freeze what start-up created and raise the young-generation threshold."""
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
    gc.freeze()


def pause_collector() -> None:
    """Before building a large, long-lived structure (a snapshot of the open cases and units)."""
    gc.disable()


def resume_collector() -> None:
    gc.enable()


def freeze_long_lived() -> None:
    """After a large, long-lived structure was built: keep it out of every later collection, collect again."""
    gc.freeze()
    gc.enable()
