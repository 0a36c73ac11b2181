"""The metric registry: every KPI declared once, with the words that define it.

A metric contributes named SQL aggregates (its *measures*) over one base frame and turns the
aggregated row into a value. The engine compiles all metrics of a frame into a single SELECT,
so the database does the heavy work and pandas only sees one row or a small grouped frame.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement

from deskmetrics.errors import MetricError
from deskmetrics.metrics.scope import DASHBOARD_FILTERS, FILTERS, Scope

Unit = Literal["tickets", "hours", "percent", "responses", "count"]
Frame = Literal["tickets", "surveys"]
MeasureBuilder = Callable[[Scope, "Columns"], Mapping[str, ColumnElement]]
Finisher = Callable[[Mapping[str, float | None]], float | None]


class Columns(Mapping):
    """Column lookup for a frame, so metric definitions stay independent of joins."""

    def __init__(self, columns: Mapping[str, ColumnElement]) -> None:
        self._columns = dict(columns)

    def __getitem__(self, key: str) -> ColumnElement:
        return self._columns[key]

    def __iter__(self):
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


@dataclass(frozen=True)
class Metric:
    """One KPI: what it is called, what it means, and how it is computed."""

    name: str
    label: str
    unit: Unit
    definition: str
    attribution: str  # which timestamp places a record in the period
    frame: Frame
    measures: MeasureBuilder
    finish: Finisher
    filters: tuple[str, ...] = DASHBOARD_FILTERS
    tab: str = "dashboard"
    higher_is_better: bool | None = None
    count_measure: str | None = None  # the measure that is this metric's n
    # set when every measure counts only records with this column in [start, end): the engine
    # then bounds the whole query by it, so the database drops the rest before any join
    period_column: str | None = None


REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.name in REGISTRY:
        raise MetricError(f"metric {metric.name!r} is registered twice")
    if not metric.name.isidentifier() or metric.name != metric.name.lower():
        raise MetricError(f"metric name {metric.name!r} must be snake_case")
    unknown = set(metric.filters) - set(FILTERS)
    if unknown:
        raise MetricError(f"metric {metric.name!r} allows unknown filters {sorted(unknown)}")
    REGISTRY[metric.name] = metric
    return metric


def get(name: str) -> Metric:
    _load_definitions()
    try:
        return REGISTRY[name]
    except KeyError:
        raise MetricError(
            f"unknown metric {name!r}; known: {', '.join(sorted(REGISTRY))}"
        ) from None


def all_metrics(tab: str | None = None) -> list[Metric]:
    _load_definitions()
    return [m for m in REGISTRY.values() if tab is None or m.tab == tab]


def _load_definitions() -> None:
    # imported for its register() side effects; here rather than at import time to keep the
    # registry module free of a cycle with the definitions that use it
    from deskmetrics.metrics import dashboard  # noqa: F401
