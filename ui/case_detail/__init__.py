"""Case detail: the case, its recommended units, its dispatches with their unit times, what can be done with it, and
its timeline."""

from .panel import CaseDetailPanel

__all__ = ["CaseDetailPanel"]
