"""Widgets and page builders for the tab notebooks."""

from deskmetrics.ui.dashboard import DashboardTab
from deskmetrics.ui.health_page import HealthPage
from deskmetrics.ui.tab_page import TabPage

__all__ = ["DashboardTab", "HealthPage", "TabPage"]
