"""The KPI dashboard (pyqtgraph): figures readable from three metres, click-to-filter, rotating wall panels."""

from .widget import KpiDashboard, dashboard_job

__all__ = ["KpiDashboard", "dashboard_job"]
