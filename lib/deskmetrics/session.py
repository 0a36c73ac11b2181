"""A session ties settings to a warehouse and answers the questions the tabs and CLI ask.

Each question opens one short-lived read connection, so a dashboard never holds the DuckDB
file between refreshes and a load can run while people read.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

from deskmetrics.config import Settings, load_settings
from deskmetrics.metrics.dashboard import DASHBOARD_KPIS
from deskmetrics.metrics.engine import MetricValue, compute, compute_by
from deskmetrics.metrics.quality import Confidence, assess
from deskmetrics.metrics.scope import Scope
from deskmetrics.metrics.trends import created_resolved_by_day
from deskmetrics.schema.tables import clients, sync_state, technicians, tickets
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.facts import facts_are_current, refresh_facts
from deskmetrics.warehouse.freshness import SourceFreshness, source_freshness
from deskmetrics.warehouse.load import ensure_schema

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FilterOptions:
    clients: list[tuple[str, str]]  # (label, client_id)
    boards: list[str]
    categories: list[str]
    technicians: list[tuple[str, str]]  # (name, tech_id)
    teams: list[str]
    channels: list[str]


class Session:
    """Settings + warehouse; the one object notebooks, the CLI and the UI work through."""

    def __init__(
        self,
        warehouse: str | None = None,
        config: str | Path | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        # kept so a background refresh syncs with the settings this session reads with
        self.config_path = config or os.environ.get("DESKMETRICS_CONFIG")
        self.settings = settings or load_settings(self.config_path)
        self.warehouse = Warehouse(warehouse)
        self._ensure_facts()

    def _ensure_facts(self) -> None:
        with self.warehouse.reading() as conn:
            current = facts_are_current(conn, self.settings)
        if not current:
            log.warning("settings changed since the last load: recomputing ticket facts")
            with self.warehouse.writing() as conn:
                ensure_schema(conn)
                refresh_facts(conn, self.settings)

    def scope(
        self,
        date_from: date | str,
        date_to: date | str,
        *,
        as_of: datetime | str | None = None,
        **filters: str | None,
    ) -> Scope:
        """A period of whole local days plus filters (client, board, category, owner, team,
        channel)."""
        return Scope.for_days(self.settings, date_from, date_to, as_of=as_of, **filters)

    def kpis(self, scope: Scope, names=DASHBOARD_KPIS) -> dict[str, MetricValue]:
        with self.warehouse.reading() as conn:
            return compute(conn, names, scope)

    def confidence(self, scope: Scope) -> Confidence:
        with self.warehouse.reading() as conn:
            return assess(conn, scope)

    def dashboard(self, scope: Scope) -> dict:
        """The Dashboard tab's numbers in one connection: the CLI's JSON contract."""
        with self.warehouse.reading() as conn:
            values = compute(conn, DASHBOARD_KPIS, scope)
            confidence = assess(conn, scope)
        return self._dashboard_result(scope, values, confidence)

    def _dashboard_result(self, scope: Scope, values, confidence: Confidence) -> dict:
        result: dict = {name: values[name].value for name in DASHBOARD_KPIS}
        for name in ("open_tickets", "tickets_outside_resolution_sla", "csat_responses"):
            result[name] = int(result[name] or 0)
        result["n"] = {name: values[name].n for name in DASHBOARD_KPIS}
        result["confidence"] = confidence.as_dict()
        result["period"] = {
            "from": scope.date_from.isoformat() if scope.date_from else None,
            "to": scope.date_to.isoformat() if scope.date_to else None,
            "start_utc": scope.start.isoformat(),
            "end_utc": scope.end.isoformat(),
            "as_of_utc": scope.as_of.isoformat(),
            "timezone": self.settings.timezone,
        }
        result["filters"] = {
            "client": scope.client,
            "board": scope.board,
            "category": scope.category,
        }
        return result

    def dashboard_bundle(self, scope: Scope) -> dict:
        """Everything the Dashboard tab draws, read through one connection."""
        with self.warehouse.reading() as conn:
            values = compute(conn, DASHBOARD_KPIS, scope)
            confidence = assess(conn, scope)
            trend = created_resolved_by_day(conn, scope)
            open_by_category = compute_by(conn, ["open_tickets"], scope, "category")
        return {
            "dashboard": self._dashboard_result(scope, values, confidence),
            "trend": trend,
            "open_by_category": open_by_category,
        }

    def breakdown(self, scope: Scope, names, dimension: str) -> pd.DataFrame:
        with self.warehouse.reading() as conn:
            return compute_by(conn, names, scope, dimension)

    def trend(self, scope: Scope) -> pd.DataFrame:
        with self.warehouse.reading() as conn:
            return created_resolved_by_day(conn, scope)

    def filter_options(self, client_id: str | None = None) -> FilterOptions:
        """Every value a filter can take; for one client (a client link), only that client's."""

        def only_client(query):
            return query if client_id is None else query.where(tickets.c.client_id == client_id)

        def distinct(conn, column):
            query = select(column).distinct().where(column.is_not(None)).order_by(column)
            if column.table is tickets:
                query = only_client(query)
            return [r[0] for r in conn.execute(query)]

        with self.warehouse.reading() as conn:
            boards = distinct(conn, tickets.c.board)
            categories = distinct(conn, tickets.c.category)
            channels = distinct(conn, tickets.c.channel)
            named = dict(conn.execute(select(clients.c.client_id, clients.c.name)).all())
            ids = distinct(conn, tickets.c.client_id)
            techs = select(technicians.c.tech_id, technicians.c.name, technicians.c.team)
            if client_id is not None:
                named = {k: v for k, v in named.items() if k == client_id}
                ids = [client_id]
                owners = only_client(select(tickets.c.owner_tech_id).distinct())
                techs = techs.where(technicians.c.tech_id.in_(owners))
            staff = conn.execute(techs).all()
        teams = sorted({team for _, _, team in staff if team})
        labelled = sorted(
            ((named.get(i) or i, i) for i in set(ids) | set(named)), key=lambda p: p[0].casefold()
        )
        people = sorted(
            ((name or tech, tech) for tech, name, _ in staff), key=lambda p: p[0].casefold()
        )
        return FilterOptions(labelled, boards, categories, people, teams, channels)

    def data_range(self) -> tuple[date | None, date | None]:
        """First and last local day with tickets, to default the date filter sensibly."""
        with self.warehouse.reading() as conn:
            first, last = conn.execute(
                select(func.min(tickets.c.created_date), func.max(tickets.c.created_date))
            ).one()
        return _to_date(first), _to_date(last)

    def freshness(self) -> list[SourceFreshness]:
        """Each source's "data as of" (its stalest stream), for the freshness bar."""
        with self.warehouse.reading() as conn:
            return source_freshness(conn)

    def data_as_of(self) -> datetime | None:
        with self.warehouse.reading() as conn:
            return conn.execute(select(func.max(sync_state.c.last_success_at))).scalar()

    def data_cut_off(self) -> datetime | None:
        """The last successful sync, or for imported data the newest ticket change."""
        synced = self.data_as_of()
        if synced is not None:
            return synced
        with self.warehouse.reading() as conn:
            latest = conn.execute(
                select(func.max(func.coalesce(tickets.c.updated_at, tickets.c.created_at)))
            ).scalar()
        return pd.Timestamp(latest).to_pydatetime() if latest is not None else None


def _to_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value if type(value) is date else value.date()
