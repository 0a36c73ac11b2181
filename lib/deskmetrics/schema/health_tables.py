"""Client health tables: the metrics and cut scores the MSP edits, manual scores with their
history, imported assessment results, daily snapshots for the trend, and the audit log.

Metrics are global across clients. A deleted metric keeps its row (``deleted_at``) so it can be
restored with its scores; every change to these tables writes one ``health_audit`` row.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Double, Integer, String, Table, Text

from deskmetrics.schema.tables import metadata

health_metrics = Table(
    "health_metrics",
    metadata,
    Column("metric_id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("description", Text),
    Column("max_score", Double, nullable=False),
    Column("icon", String),
    Column("weight", Double, nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String, nullable=False),  # manual, csat, assessment
    Column("assessment", String),  # kind assessment: whose latest score fills the metric
    Column("deleted_at", DateTime),
    Column("updated_at", DateTime),
    Column("updated_by", String),
)

health_cut_scores = Table(
    "health_cut_scores",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),  # 0 = highest minimum
    Column("name", String, nullable=False),
    Column("colour", String, nullable=False),
    Column("min_score", Double, nullable=False),
)

# every manual score ever set; the latest per client and metric counts (NULL score = cleared)
health_scores = Table(
    "health_scores",
    metadata,
    Column("client_id", String, primary_key=True),
    Column("metric_id", String, primary_key=True),
    Column("scored_at", DateTime, primary_key=True),
    Column("score", Double),
    Column("scored_by", String),
    Column("note", Text),
)

assessment_results = Table(
    "assessment_results",
    metadata,
    Column("assessment", String, primary_key=True),
    Column("client_id", String, primary_key=True),
    Column("assessed_at", DateTime, primary_key=True),
    Column("score", Double, nullable=False),
    Column("imported_at", DateTime),
)

health_snapshots = Table(
    "health_snapshots",
    metadata,
    Column("snapshot_date", Date, primary_key=True),
    Column("client_id", String, primary_key=True),
    Column("score", Double),
    Column("coverage", Double, nullable=False),
    Column("tier", String, nullable=False),
    Column("taken_at", DateTime),
)

health_snapshot_metrics = Table(
    "health_snapshot_metrics",
    metadata,
    Column("snapshot_date", Date, primary_key=True),
    Column("client_id", String, primary_key=True),
    Column("metric_id", String, primary_key=True),
    Column("value", Double),
    Column("normalized", Double),
    Column("contribution", Double),
)

health_audit = Table(
    "health_audit",
    metadata,
    Column("change_id", String, primary_key=True),
    Column("at", DateTime, nullable=False, quote=True),
    Column("actor", String, nullable=False),
    Column("action", String, nullable=False),  # e.g. metric.edit, cut_scores.save, score.set
    Column("subject", String),
    Column("before", Text),  # JSON
    Column("after", Text),  # JSON
)

HEALTH_TABLES = (
    health_metrics,
    health_cut_scores,
    health_scores,
    assessment_results,
    health_snapshots,
    health_snapshot_metrics,
    health_audit,
)
