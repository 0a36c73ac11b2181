"""Panels of the detailed tabs: each a registry entry with a stable id, a query, a chart and a
drill-down back to the tickets behind its counts."""

from deskmetrics.panels.model import PANELS, TABS, Chart, Panel, get_panel, panels_for, register

__all__ = ["PANELS", "TABS", "Chart", "Panel", "get_panel", "panels_for", "register"]
