"""Reading and changing the health metrics, cut scores and manual scores in the warehouse.

Every change runs in one transaction with its audit row. The first use seeds the metrics and
cut scores from parameters/health.yaml; after that the warehouse is the source of truth.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, inspect, select, update

from deskmetrics.errors import InputError, WarehouseError
from deskmetrics.health.audit import default_actor, record, utc_now
from deskmetrics.health.cut_scores import check_cut_scores
from deskmetrics.health.model import METRIC_KINDS, CutScore, HealthMetric
from deskmetrics.health.scores import ScoreEntry, score_history, write_score
from deskmetrics.health.settings import HealthSettings
from deskmetrics.schema.health_tables import HEALTH_TABLES, health_cut_scores, health_metrics
from deskmetrics.schema.tables import clients
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.load import ensure_schema

EDITABLE = ("name", "description", "max_score", "icon", "weight", "kind", "assessment")


def read_metrics(conn: Connection, *, include_deleted: bool = False) -> list[HealthMetric]:
    m = health_metrics.c
    query = select(health_metrics).order_by(m.position, m.metric_id)
    if not include_deleted:
        query = query.where(m.deleted_at.is_(None))
    return [_metric(row) for row in conn.execute(query).mappings()]


def read_cut_scores(conn: Connection) -> list[CutScore]:
    c = health_cut_scores.c
    rows = conn.execute(select(c.name, c.colour, c.min_score).order_by(c.position)).all()
    return [CutScore(name, colour, float(minimum)) for name, colour, minimum in rows]


class HealthStore:
    """Changes to health settings on behalf of one person (``actor``), each audited."""

    def __init__(
        self, warehouse: Warehouse, settings: HealthSettings, actor: str | None = None
    ) -> None:
        self.warehouse, self.settings = warehouse, settings
        self.actor = actor or default_actor()
        self.ensure()

    def ensure(self) -> None:
        """Create missing tables and seed metrics and cut scores on first use. A warehouse
        already set up is only read, so opening the Health tab never blocks other readers."""
        if self._ready():
            return
        with self.warehouse.writing() as conn:
            ensure_schema(conn)
            if not conn.execute(select(func.count()).select_from(health_metrics)).scalar():
                now = utc_now()
                for metric in self.settings.seed_metrics():
                    row = replace(metric, updated_at=now, updated_by=self.actor)
                    conn.execute(insert(health_metrics).values(**_row(row)))
                record(conn, self.actor, "metrics.seed", None, after=self._ids(conn))
            if not conn.execute(select(func.count()).select_from(health_cut_scores)).scalar():
                cuts = self.settings.seed_cut_scores()
                _write_cuts(conn, cuts)
                record(conn, self.actor, "cut_scores.seed", None, after=_cut_dicts(cuts))

    def _ready(self) -> bool:
        try:
            with self.warehouse.reading() as conn:
                if not {t.name for t in HEALTH_TABLES} <= set(inspect(conn).get_table_names()):
                    return False
                return all(
                    conn.execute(select(func.count()).select_from(table)).scalar()
                    for table in (health_metrics, health_cut_scores)
                )
        except WarehouseError:  # no warehouse file yet
            return False

    # -- reading ---------------------------------------------------------------------------
    def metrics(self, *, include_deleted: bool = False) -> list[HealthMetric]:
        with self.warehouse.reading() as conn:
            return read_metrics(conn, include_deleted=include_deleted)

    def cut_scores(self) -> list[CutScore]:
        with self.warehouse.reading() as conn:
            return read_cut_scores(conn)

    def history(self, client_id: str, metric_id: str | None = None) -> pd.DataFrame:
        with self.warehouse.reading() as conn:
            return score_history(conn, client_id, metric_id)

    # -- metrics ---------------------------------------------------------------------------
    def add_metric(self, name: str, max_score: float, weight: float, **fields) -> HealthMetric:
        with self.warehouse.writing() as conn:
            existing = read_metrics(conn, include_deleted=True)
            metric = HealthMetric(
                _new_id(name, {m.metric_id for m in existing}),
                name,
                max_score,
                weight,
                position=max((m.position for m in existing), default=-1) + 1,
                updated_at=utc_now(),
                updated_by=self.actor,
                **fields,
            )
            metric = _checked(metric, existing)
            conn.execute(insert(health_metrics).values(**_row(metric)))
            record(conn, self.actor, "metric.add", metric.metric_id, after=metric.as_dict())
            return metric

    def edit_metric(self, metric_id: str, **changes) -> HealthMetric:
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise InputError(f"cannot edit {sorted(unknown)}; editable: {', '.join(EDITABLE)}")
        with self.warehouse.writing() as conn:
            existing = read_metrics(conn, include_deleted=True)
            before = _find(existing, metric_id)
            after = _checked(
                replace(before, **changes, updated_at=utc_now(), updated_by=self.actor), existing
            )
            _update(conn, after)
            record(conn, self.actor, "metric.edit", metric_id, before.as_dict(), after.as_dict())
            return after

    def move_metric(self, metric_id: str, steps: int) -> list[HealthMetric]:
        """Move a metric up (negative) or down the list; returns the new order."""
        with self.warehouse.writing() as conn:
            active = read_metrics(conn)
            ids = [m.metric_id for m in active]
            if metric_id not in ids:
                raise InputError(f"no active health metric {metric_id!r}")
            index = ids.index(metric_id)
            ids.insert(min(max(index + steps, 0), len(ids) - 1), ids.pop(index))
            for position, mid in enumerate(ids):
                conn.execute(
                    update(health_metrics)
                    .where(health_metrics.c.metric_id == mid)
                    .values(position=position)
                )
            record(
                conn, self.actor, "metrics.reorder", metric_id, [m.metric_id for m in active], ids
            )
            return read_metrics(conn)

    def delete_metric(self, metric_id: str) -> HealthMetric:
        """Take a metric out of every score; its definition and scores stay, to restore."""
        with self.warehouse.writing() as conn:
            existing = read_metrics(conn, include_deleted=True)
            before = _find(existing, metric_id)
            if before.deleted:
                raise InputError(f"health metric {before.name!r} is already deleted")
            if len([m for m in existing if not m.deleted]) == 1:
                raise InputError(
                    f"{before.name!r} is the last metric: add another before deleting it"
                )
            after = replace(before, deleted_at=utc_now(), updated_by=self.actor)
            _update(conn, after)
            record(conn, self.actor, "metric.delete", metric_id, before.as_dict(), after.as_dict())
            return after

    def restore_metric(self, metric_id: str) -> HealthMetric:
        with self.warehouse.writing() as conn:
            existing = read_metrics(conn, include_deleted=True)
            before = _find(existing, metric_id)
            if not before.deleted:
                raise InputError(f"health metric {before.name!r} is not deleted")
            after = _checked(
                replace(before, deleted_at=None, updated_at=utc_now(), updated_by=self.actor),
                existing,
            )
            _update(conn, after)
            record(conn, self.actor, "metric.restore", metric_id, before.as_dict(), after.as_dict())
            return after

    # -- cut scores ------------------------------------------------------------------------
    def save_cut_scores(self, rows) -> list[CutScore]:
        """Replace the whole table, or refuse it (InputError naming each bad row)."""
        cuts = check_cut_scores(rows)
        with self.warehouse.writing() as conn:
            before = read_cut_scores(conn)
            _write_cuts(conn, cuts)
            record(conn, self.actor, "cut_scores.save", None, _cut_dicts(before), _cut_dicts(cuts))
        return cuts

    # -- manual scores ---------------------------------------------------------------------
    def set_score(
        self,
        client_id: str,
        metric_id: str,
        score: float | None,
        note: str = "",
        *,
        at: datetime | None = None,
    ) -> datetime:
        """Record a manual score (None clears it); earlier scores stay as history. ``at``
        (naive UTC, default now) back-dates a score taken from an earlier record."""
        entry = ScoreEntry(client_id, metric_id, score, note, at or utc_now())
        self.set_scores([entry])
        return entry.at

    def set_scores(self, entries: Iterable[ScoreEntry]) -> int:
        """Record many manual scores in one transaction: all are saved or, if one is invalid,
        none (the error names it). Each is audited under its own ``by`` or this actor."""
        count = 0
        with self.warehouse.writing() as conn:
            metrics = {m.metric_id: m for m in read_metrics(conn)}
            known = {r[0] for r in conn.execute(select(clients.c.client_id))}
            for entry in entries:
                write_score(conn, entry, metrics, known, self.actor)
                count += 1
        return count

    @staticmethod
    def _ids(conn: Connection) -> list[str]:
        return [m.metric_id for m in read_metrics(conn)]


def _metric(row) -> HealthMetric:
    return HealthMetric(
        metric_id=row["metric_id"],
        name=row["name"],
        max_score=float(row["max_score"]),
        weight=float(row["weight"]),
        kind=row["kind"],
        description=row["description"] or "",
        icon=row["icon"] or "",
        position=int(row["position"]),
        assessment=row["assessment"],
        deleted_at=row["deleted_at"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )


def _row(metric: HealthMetric) -> dict:
    return {c.name: getattr(metric, c.name) for c in health_metrics.columns}


def _update(conn: Connection, metric: HealthMetric) -> None:
    values = {k: v for k, v in _row(metric).items() if k != "metric_id"}
    conn.execute(
        update(health_metrics)
        .where(health_metrics.c.metric_id == metric.metric_id)
        .values(**values)
    )


def _find(metrics: list[HealthMetric], metric_id: str) -> HealthMetric:
    for metric in metrics:
        if metric.metric_id == metric_id:
            return metric
    raise InputError(f"no health metric {metric_id!r}")


def _checked(metric: HealthMetric, existing: list[HealthMetric]) -> HealthMetric:
    """The metric with tidied text, or InputError listing every problem."""
    name = (metric.name or "").strip()
    problems = []
    if not name:
        problems.append("give the metric a name")
    clash = [
        m
        for m in existing
        if m.metric_id != metric.metric_id
        and not m.deleted
        and m.name.casefold() == name.casefold()
    ]
    if name and clash and not metric.deleted:
        problems.append(f"another metric is already called {name!r}")
    for field, value in (("max score", metric.max_score), ("weight", metric.weight)):
        if not isinstance(value, int | float) or math.isnan(value) or value <= 0:
            problems.append(f"{field} must be a number above 0 (got {value!r})")
    if metric.kind not in METRIC_KINDS:
        problems.append(f"kind {metric.kind!r} is not one of {', '.join(METRIC_KINDS)}")
    assessment = (metric.assessment or "").strip() or None
    if metric.kind == "assessment" and not assessment:
        problems.append("name the assessment whose latest score fills this metric")
    if len(metric.icon or "") > 16:
        problems.append("the icon is at most 16 characters (an emoji or a short label)")
    if problems:
        label = f"health metric {name!r}" if name else "health metric"
        raise InputError(f"{label} not saved: " + "; ".join(problems))
    return replace(
        metric,
        name=name,
        description=(metric.description or "").strip(),
        icon=(metric.icon or "").strip(),
        assessment=assessment if metric.kind == "assessment" else None,
        max_score=float(metric.max_score),
        weight=float(metric.weight),
    )


def _new_id(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name.strip().casefold()).strip("_")[:40] or "metric"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def _write_cuts(conn: Connection, cuts: list[CutScore]) -> None:
    conn.execute(delete(health_cut_scores))
    for position, cut in enumerate(cuts):
        conn.execute(
            insert(health_cut_scores).values(
                position=position, name=cut.name, colour=cut.colour, min_score=cut.min_score
            )
        )


def _cut_dicts(cuts: list[CutScore]) -> list[dict]:
    return [c.as_dict() for c in cuts]
