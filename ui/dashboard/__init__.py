"""The KPI dashboard (pyqtgraph): figures readable from three metres, click-to-filter, rotating wall panels."""

from .widget import KpiDashboard

__all__ = ["KpiDashboard"]
