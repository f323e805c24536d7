"""Figures of the center (KPIs), computed with SQL aggregates on indexed columns; every rate with its numerator and
denominator. The dashboard, the reports and the `kpi` command all read them from here."""

from ..periods import Period, period_bounds
from .kpi import Dimension, KpiReport, KpiRow, Ratio, kpis

__all__ = ["Dimension", "KpiReport", "KpiRow", "Period", "Ratio", "kpis", "period_bounds"]
