"""Run a tab's panels for a scope, and list the tickets or records behind any count
(drill-down)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, or_, select

from deskmetrics.config import Settings
from deskmetrics.errors import MetricError
from deskmetrics.metrics.scope import Scope
from deskmetrics.panels.context import PanelContext
from deskmetrics.panels.model import get_panel, panels_for
from deskmetrics.schema.tables import clients, technicians, tickets

DRILL_COLUMNS = ["ticket_id", "title", "client", "status", "owner", "age_days", "created", "link"]


@dataclass(frozen=True)
class PanelResult:
    panel_id: str
    frame: pd.DataFrame
    milliseconds: float


def run_panel(conn: Connection, settings: Settings, scope: Scope, panel_id: str) -> PanelResult:
    panel = get_panel(panel_id)
    started = time.perf_counter()
    frame = panel.query(PanelContext(conn, scope, settings))
    return PanelResult(panel_id, _clean(frame), (time.perf_counter() - started) * 1000)


def run_tab(conn: Connection, settings: Settings, scope: Scope, tab: str) -> dict[str, PanelResult]:
    return {p.id: run_panel(conn, settings, scope, p.id) for p in panels_for(tab)}


def drill_tickets(
    conn: Connection,
    settings: Settings,
    scope: Scope,
    panel_id: str,
    row: Mapping,
    field: str,
    limit: int = 1000,
) -> pd.DataFrame:
    """The tickets behind ``row[field]`` of a panel, oldest first, with a PSA link."""
    panel = get_panel(panel_id)
    if panel.drill is None or field not in panel.drill_fields:
        raise MetricError(
            f"panel {panel_id!r} cannot drill into {field!r}; "
            f"fields: {', '.join(panel.drill_fields) or 'none'}"
        )
    ctx = PanelContext(conn, scope, settings)
    condition = panel.drill(ctx, row, field)
    t = tickets.c
    query = (
        select(
            t.ticket_id,
            t.title,
            clients.c.name.label("client_name"),
            t.client_id,
            t.status,
            technicians.c.name.label("owner_name"),
            t.owner_tech_id,
            t.created_at,
            t.ended_at,
        )
        .select_from(
            tickets.outerjoin(clients, clients.c.client_id == t.client_id).outerjoin(
                technicians, technicians.c.tech_id == t.owner_tech_id
            )
        )
        .where(and_(ctx.where if panel.population == "tickets" else _not_cancelled(), condition))
        .order_by(t.created_at, t.ticket_id)
        .limit(limit)
    )
    frame = ctx.frame(query)
    return _drill_frame(frame, scope, settings)


def drill_records(
    conn: Connection,
    settings: Settings,
    scope: Scope,
    panel_id: str,
    row: Mapping,
    field: str,
    limit: int = 1000,
) -> pd.DataFrame:
    """The records behind ``row[field]`` of a panel whose rows are not tickets (revenue lines,
    time entries, devices, ...), as the panel's record drill lists them, at most ``limit``."""
    panel = get_panel(panel_id)
    if panel.drill_records is None or field not in panel.drill_fields:
        raise MetricError(
            f"panel {panel_id!r} cannot list records behind {field!r}; "
            f"fields: {', '.join(panel.drill_fields) if panel.drill_records else 'none'}"
        )
    frame = panel.drill_records(PanelContext(conn, scope, settings), row, field)
    return _clean(frame.head(limit))


def drill_panel(
    conn: Connection, settings: Settings, scope: Scope, panel_id: str, row: Mapping, field: str
) -> pd.DataFrame:
    """Whatever a panel drills to: its records when it lists records, else its tickets."""
    if get_panel(panel_id).drill_records is not None:
        return drill_records(conn, settings, scope, panel_id, row, field)
    return drill_tickets(conn, settings, scope, panel_id, row, field)


def _not_cancelled():
    category = tickets.c.status_category
    return or_(category.is_(None), category != "cancelled")


def _drill_frame(frame: pd.DataFrame, scope: Scope, settings: Settings) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=DRILL_COLUMNS)
    created = pd.to_datetime(frame["created_at"]).dt.tz_localize("UTC")
    as_of = pd.Timestamp(scope.as_of)
    ended = pd.to_datetime(frame["ended_at"]).dt.tz_localize("UTC")
    until = ended.where(ended.notna() & (ended < as_of), as_of)
    template = settings.analysis.ticket_url
    return pd.DataFrame(
        {
            "ticket_id": frame["ticket_id"],
            "title": frame["title"],
            "client": frame["client_name"].fillna(frame["client_id"]),
            "status": frame["status"],
            "owner": frame["owner_name"].fillna(frame["owner_tech_id"]),
            "age_days": np.floor((until - created).dt.total_seconds() / 86400).astype("Int64"),
            "created": created.dt.tz_convert(settings.zone).dt.strftime("%Y-%m-%d %H:%M"),
            # the id is data: percent-encoded, it stays one path segment of the configured URL
            "link": [
                template.format(ticket_id=quote(str(i), safe="")) if template else ""
                for i in frame["ticket_id"]
            ],
        }
    )


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain numbers (Decimal from PostgreSQL becomes float) and dates for CSV and JSON."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object and len(out) and _is_decimal(out[column]):
            out[column] = out[column].astype(float)
    return out.reset_index(drop=True)


def _is_decimal(series: pd.Series) -> bool:
    from decimal import Decimal

    first = series.dropna()
    return len(first) > 0 and isinstance(first.iloc[0], Decimal)
