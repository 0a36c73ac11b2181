"""Panels of the detailed tabs: each a registry entry with a stable id, a query, a chart and a
drill-down back to the tickets behind its counts."""

from deskmetrics.panels.model import PANELS, TABS, Chart, Panel, get_panel, panels_for, register

# Registered here, in tab order, so the registry's order never depends on which panel module
# some caller happened to import first (the definitions page and the notebooks follow it).
# isort: off
from deskmetrics.panels import service_quality  # noqa: F401
from deskmetrics.panels import service_quality_backlog  # noqa: F401
from deskmetrics.panels import help_desk  # noqa: F401
from deskmetrics.panels import customer_experience  # noqa: F401
from deskmetrics.panels import business_profitability  # noqa: F401
from deskmetrics.panels import business_revenue  # noqa: F401
from deskmetrics.panels import business_people  # noqa: F401
from deskmetrics.panels import business_devices  # noqa: F401
from deskmetrics.panels import business_contracts  # noqa: F401
from deskmetrics.panels import business_projects  # noqa: F401
from deskmetrics.panels import business_pipeline  # noqa: F401
from deskmetrics.panels import business_sales  # noqa: F401
# isort: on

__all__ = ["PANELS", "TABS", "Chart", "Panel", "get_panel", "panels_for", "register"]
