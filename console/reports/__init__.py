"""Exports of the figures and the underlying cases of a period (CSV and XLSX), with progress for long exports."""

from .export import ReportSummary, write_report

__all__ = ["ReportSummary", "write_report"]
