"""Keeping Python's garbage collector (and the other threads) from pausing the interface.

A console holds tens of thousands of long-lived objects (the live state's views, Qt wrappers, loaded modules).
Full collections walk all of them and, run from whichever thread happens to allocate, they stop every thread for
100 ms or more. So: long-lived objects are moved out of the collector's sight (`gc.freeze()`) once they exist, and
the youngest generation is collected less often (fewer collections, and fewer promotions that lead to full ones).
Reference cycles still get collected; only the objects that were alive at a freeze are never scanned again.
"""

from __future__ import annotations

import gc
import sys

GEN0_THRESHOLD = 700  # the interpreter's default: young collections stay small once the long-lived objects are frozen


#: How often a thread holding the interpreter's lock is asked to hand it over (default 5 ms): the interface thread
#: gets it back sooner while the database worker is busy.
SWITCH_INTERVAL_S = 0.001


def tune_for_interface() -> None:
    """At start: freeze what start-up created, set the young-generation threshold, shorten the lock hand-over."""
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
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
