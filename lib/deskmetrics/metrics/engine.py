"""Compute registered metrics by pushing their aggregates down to SQL, one SELECT per frame."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from deskmetrics.errors import MetricError
from deskmetrics.metrics import registry
from deskmetrics.metrics.frames import FRAMES
from deskmetrics.metrics.registry import Metric
from deskmetrics.metrics.scope import Scope

DIMENSIONS = ("client", "board", "category")


@dataclass(frozen=True)
class MetricValue:
    name: str
    value: float | None
    n: int | None


def _number(value) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else value


def _check_filters(metric: Metric, scope: Scope) -> None:
    for name in scope.filters:
        if name not in metric.filters:
            raise MetricError(f"metric {metric.name!r} cannot be filtered by {name}")


def _plan(names: Iterable[str], scope: Scope) -> dict[str, list[Metric]]:
    by_frame: dict[str, list[Metric]] = defaultdict(list)
    for name in names:
        metric = registry.get(name)
        _check_filters(metric, scope)
        by_frame[metric.frame].append(metric)
    return by_frame


def _labelled(metrics: list[Metric], scope: Scope, columns) -> dict[str, object]:
    exprs = {}
    for metric in metrics:
        for measure, expr in metric.measures(scope, columns).items():
            exprs[f"{metric.name}__{measure}"] = expr
    return exprs


def _bounded_frame(frame_name: str, metrics: list[Metric], scope: Scope):
    """The frame's source, WHERE and columns, bounded by the period when the metrics allow.

    CSAT at 1M tickets: 70 ms joining every survey to its ticket, 18 ms joining the period's.
    """
    source, where, columns = FRAMES[frame_name](scope)
    bounds = {m.period_column for m in metrics}
    if len(bounds) == 1 and None not in bounds:
        start, end, _ = scope.naive
        column = columns[bounds.pop()]
        where = and_(where, column >= start, column < end)
    return source, where, columns


def _finish(metric: Metric, row: dict[str, object]) -> MetricValue:
    prefix = f"{metric.name}__"
    measures = {k[len(prefix) :]: _number(v) for k, v in row.items() if k.startswith(prefix)}
    # SUM over no rows is NULL in SQL; a count of nothing is 0
    n = int(measures.get(metric.count_measure) or 0) if metric.count_measure else None
    return MetricValue(metric.name, metric.finish(measures), n)


def compute(conn: Connection, names: Iterable[str], scope: Scope) -> dict[str, MetricValue]:
    """Values of the named metrics for the scope, in one query per frame."""
    results: dict[str, MetricValue] = {}
    for frame_name, metrics in _plan(names, scope).items():
        source, where, columns = _bounded_frame(frame_name, metrics, scope)
        exprs = _labelled(metrics, scope, columns)
        query = select(*(e.label(k) for k, e in exprs.items())).select_from(source).where(where)
        row = conn.execute(query).mappings().one()
        for metric in metrics:
            results[metric.name] = _finish(metric, dict(row))
    return results


def compute_by(
    conn: Connection, names: Iterable[str], scope: Scope, dimension: str
) -> pd.DataFrame:
    """Tidy frame [dimension, metric, value, n]: the metrics broken down by one dimension."""
    if dimension not in DIMENSIONS:
        raise MetricError(f"cannot break down by {dimension!r}; use {', '.join(DIMENSIONS)}")
    rows = []
    for frame_name, metrics in _plan(names, scope).items():
        # unbounded: a group with no records in the period still shows, with its zero counts
        source, where, columns = FRAMES[frame_name](scope)
        key = _dimension_column(frame_name, dimension, columns)
        exprs = _labelled(metrics, scope, columns)
        query = (
            select(key.label("_key"), *(e.label(k) for k, e in exprs.items()))
            .select_from(source)
            .where(where)
            .group_by(key)
        )
        for row in conn.execute(query).mappings():
            for metric in metrics:
                value = _finish(metric, dict(row))
                rows.append((row["_key"], metric.name, value.value, value.n))
    frame = pd.DataFrame(rows, columns=[dimension, "metric", "value", "n"])
    return frame.sort_values([dimension, "metric"], na_position="last").reset_index(drop=True)


def _dimension_column(frame_name: str, dimension: str, columns):
    column = {"client": "client_id"}.get(dimension, dimension)
    if frame_name == "tickets":
        return columns[column]
    if dimension == "client":
        return func.coalesce(columns["ticket_client_id"], columns["client_id"])
    return columns[f"ticket_{column}"]
