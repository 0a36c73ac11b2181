"""The panel registry: what a panel is, which tab it belongs to, and how it is drawn."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from deskmetrics.errors import MetricError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import ColumnElement

    from deskmetrics.panels.context import PanelContext

ChartKind = Literal["bar_line", "bar", "stacked", "hbar", "line", "table"]


@dataclass(frozen=True)
class Chart:
    """How a panel's frame is drawn: ``x`` is the label column, ``y`` the plotted fields."""

    kind: ChartKind
    x: str
    y: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # legend names, one per y field
    unit: str = ""
    top: int = 15  # hbar: largest rows only
    limit: int | None = None  # other kinds: draw the first rows only (table and CSV keep all)
    secondary_y: bool = True  # bar_line: the line on its own axis (off when units match)

    def name_of(self, fieldname: str) -> str:
        return dict(zip(self.y, self.names, strict=False)).get(
            fieldname, fieldname.replace("_", " ").capitalize()
        )


@dataclass(frozen=True)
class Tab:
    id: str
    title: str
    filters: tuple[str, ...]
    audience: str


TABS: dict[str, Tab] = {
    t.id: t
    for t in (
        Tab(
            "dashboard",
            "Dashboard",
            ("client", "board", "category"),
            "The service desk at a glance",
        ),
        Tab(
            "service_quality",
            "Service Quality",
            ("client", "board", "category"),
            "Volumes, response and resolution, backlog and workload",
        ),
        Tab(
            "help_desk",
            "Help Desk",
            ("owner", "team", "channel", "board", "client"),
            "The live picture a service manager watches during the day",
        ),
        Tab(
            "customer_experience",
            "Customer Experience",
            ("client", "board", "owner"),
            "Survey results: CSAT, NPS and effort",
        ),
        Tab(
            "health",
            "Health",
            ("client",),
            "Client health scores: segments, each client's score and what builds it, and the "
            "metrics, cut scores and manual scores behind them",
        ),
        Tab(
            "business",
            "Business",
            ("client",),
            "Profitability, utilization, devices, contracts, projects and sales",
        ),
    )
}

Drill = Callable[["PanelContext", Mapping, str], "ColumnElement | None"]
# a record drill returns the records behind ``row[field]`` (revenue lines, devices, ...) as a
# small tidy frame, for panels whose rows are not tickets (the Business tab)
RecordDrill = Callable[["PanelContext", Mapping, str], "pd.DataFrame"]


@dataclass(frozen=True)
class Panel:
    """One panel: a stable id, words that define it, a query returning a tidy frame."""

    id: str
    title: str
    tab: str
    definition: str
    attribution: str
    query: Callable[[PanelContext], pd.DataFrame]
    chart: Chart
    drill: Drill | None = None
    drill_fields: tuple[str, ...] = field(default=())  # count fields a reader can drill into
    drill_records: RecordDrill | None = None  # instead of ``drill``: records, not tickets
    drill_label: str = ""  # the drill button's text; "List tickets" for ticket drills
    # "surveys": the drill condition already applies the scope through the responses (whose
    # technician may differ from the ticket's owner), so only the shared exclusions are added
    population: Literal["tickets", "surveys"] = "tickets"

    @property
    def drills(self) -> bool:
        """True when a reader can list what is behind a row (tickets or records)."""
        return self.drill is not None or self.drill_records is not None

    @property
    def drill_button(self) -> str:
        return self.drill_label or "List tickets"

    @property
    def drill_noun(self) -> str:
        """What the drill lists, from its button text: "List revenue lines" -> "revenue lines"."""
        return self.drill_button.removeprefix("List ")


PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    if panel.id in PANELS:
        raise MetricError(f"panel {panel.id!r} is registered twice")
    if panel.tab not in TABS:
        raise MetricError(f"panel {panel.id!r} names unknown tab {panel.tab!r}")
    if panel.drills and not panel.drill_fields:
        raise MetricError(f"panel {panel.id!r} drills down but names no drill_fields")
    if panel.drill is not None and panel.drill_records is not None:
        raise MetricError(f"panel {panel.id!r} drills to both tickets and records")
    PANELS[panel.id] = panel
    return panel


def _load() -> None:
    # the package registers every panel module on import (see deskmetrics/panels/__init__.py)
    import deskmetrics.panels  # noqa: F401


def get_panel(panel_id: str) -> Panel:
    _load()
    try:
        return PANELS[panel_id]
    except KeyError:
        raise MetricError(
            f"unknown panel {panel_id!r}; known: {', '.join(sorted(PANELS))}"
        ) from None


def panels_for(tab: str) -> list[Panel]:
    _load()
    if tab not in TABS:
        raise MetricError(f"unknown tab {tab!r}; use {', '.join(TABS)}")
    return [p for p in PANELS.values() if p.tab == tab]
