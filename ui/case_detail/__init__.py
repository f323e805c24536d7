"""Case detail: the case, its recommended units, its dispatches with their unit times, and its timeline."""

from .panel import CaseDetailPanel

__all__ = ["CaseDetailPanel"]
