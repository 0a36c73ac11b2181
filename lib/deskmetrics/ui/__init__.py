"""Widgets and page builders for the tab notebooks."""

from deskmetrics.ui.dashboard import DashboardTab

__all__ = ["DashboardTab"]
