"""What the report notebooks call: one object that computes a report's content once and shows
each section as escaped HTML, a table and a Plotly figure.

Each section starts with an H2 heading, which the PDF printer turns into a page break. The
headline numbers are also emitted under their own MIME type, so the pipeline reads back exactly
what the notebook showed for the manifest and the mail.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from html import escape

import pandas as pd

from deskmetrics.charts import report as charts
from deskmetrics.metrics.format import format_value
from deskmetrics.reports.content import (
    ManagerContent,
    OwnerContent,
    change_text,
    headline_rows,
    manager_content,
    owner_content,
    report_health,
    report_scope,
)
from deskmetrics.reports.page_business import business_section
from deskmetrics.reports.page_health import breakdown_section, health_section
from deskmetrics.session import Session
from deskmetrics.ui.tables import download_link, frame_html

HEADLINES_MIME = "application/vnd.deskmetrics.headlines+json"
AUDIENCE_TITLES = {"business_owner": "Business Owner", "manager": "Manager"}
SEVERITY_COLOURS = {"critical": "#dc2626", "warning": "#d97706", "info": "#2563eb"}


def _show_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def _show_figure(fig) -> None:
    from IPython.display import display

    # the Plotly MIME bundle, not a renderer's HTML: the HTML export draws it with one inline
    # copy of plotly.js, and JupyterLab renders it natively
    display(
        {"application/vnd.plotly.v1+json": json.loads(fig.to_json()), "text/plain": "chart"},
        raw=True,
    )


def _table(frame: pd.DataFrame, filename: str, max_rows: int = 15) -> str:
    if frame.empty:
        return '<p class="dm-note">Nothing in this period.</p>'
    return frame_html(frame, max_rows=max_rows) + download_link(frame, filename)


class ReportPage:
    """One report: ``ReportPage.open(...)`` in the notebook, then one call per section."""

    def __init__(
        self,
        audience: str,
        session: Session,
        organization: str,
        period_days: int,
        end: date,
        client: str | None,
    ) -> None:
        self.audience, self.session = audience, session
        self.organization = organization
        self.scope = report_scope(session.settings, period_days, end, client)
        health = report_health(session.warehouse, session.settings, self.scope)  # may write
        with session.warehouse.reading() as conn:
            self.owner: OwnerContent = owner_content(conn, session.settings, self.scope, health)
            self.manager: ManagerContent | None = (
                manager_content(conn, session.settings, self.scope, health)
                if audience == "manager"
                else None
            )
        self.cut_off = session.data_cut_off()

    @classmethod
    def open(
        cls,
        audience: str,
        warehouse: str = "",
        config: str = "",
        organization: str = "",
        period_days: int = 7,
        end_date: str = "",
        client: str = "",
    ) -> ReportPage:
        if audience not in AUDIENCE_TITLES:
            raise ValueError(f"audience must be one of {', '.join(AUDIENCE_TITLES)}")
        session = Session(warehouse or None, config or None)
        end = date.fromisoformat(end_date) if end_date else _default_end(session)
        return cls(audience, session, organization or "Our MSP", period_days, end, client or None)

    # -- the sections ----------------------------------------------------------------------
    def title(self) -> None:
        from IPython.display import display

        scope = self.scope
        who = f"client {escape(self.scope.client)}" if scope.client else "all clients"
        as_of = f"{self.cut_off:%Y-%m-%d %H:%M} UTC" if self.cut_off else "unknown"
        markup = (
            f"<h1>{escape(self.organization)} — {AUDIENCE_TITLES[self.audience]} report</h1>"
            f"<p><b>{scope.date_from:%d %b %Y} to {scope.date_to:%d %b %Y}</b> · {who} · "
            f"data as of {as_of}</p>"
        )
        display({"text/html": markup, HEADLINES_MIME: self.headlines()}, raw=True)

    def headlines(self) -> dict:
        return {
            "rows": [asdict(r) for r in headline_rows(self.owner)],
            "data_cut_off": self.cut_off.isoformat() if self.cut_off else None,
            "period": {"start": str(self.scope.date_from), "end": str(self.scope.date_to)},
            "client": self.scope.client,
        }

    def summary(self) -> None:
        rows = "".join(
            f"<tr><td>{escape(r.label)}</td><td class='num'>{escape(r.value)}</td>"
            f"<td>{escape(r.change)}</td></tr>"
            for r in headline_rows(self.owner)
        )
        _show_html(
            f"<h2>Summary</h2><p>{escape(self.owner.narrative)}</p>"
            f"<table class='dm-table'><tr><th>Measure</th><th>This period</th>"
            f"<th>Change</th></tr>{rows}</table>"
        )

    def service_desk(self) -> None:
        frame = self.owner.summary.frame()[["label", "value", "previous", "change", "unit"]]
        _show_html("<h2>Service desk</h2>" + _table(frame, "service_desk.csv"))
        _show_figure(charts.summary_chart(self.owner.summary))

    def sentiment(self) -> None:
        positive = self.owner.sentiment.positive
        frustrated = self.owner.sentiment.frustrated
        _show_html(
            "<h2>Customer sentiment</h2>"
            f"<p>Positive interactions: <b>{format_value(positive.value, 'percent')}</b> "
            f"({escape(change_text(positive))}). Frustrated customers this period: "
            f"<b>{len(frustrated)}</b>.</p>"
            + _table(
                frustrated[["contact", "client", "reasons", "severity", "latest_date"]],
                "frustrated_customers.csv",
            )
        )

    def automation(self) -> None:
        impact = self.owner.automation
        potential = impact.potential
        _show_html(
            "<h2>Automation impact</h2>"
            f"<p>Auto-resolved: <b>{format_value(impact.auto_resolved.value, 'percent')}</b> "
            f"of {impact.resolved:,} resolved tickets ({escape(change_text(impact.auto_resolved))})."
            f" AI-assisted: <b>{format_value(impact.ai_assisted.value, 'percent')}</b> of tickets "
            f"created ({escape(change_text(impact.ai_assisted))}). Automation potential: "
            f"<b>{potential.tickets:,}</b> tickets, <b>{potential.hours:,.1f} h</b> in recurring, "
            "short, predictable categories.</p>" + _table(potential.categories, "automation.csv")
        )
        if len(potential.categories):
            _show_figure(charts.automation_chart(potential.categories))

    def alerts(self) -> None:
        items = "".join(
            f"<li><b style='color:{SEVERITY_COLOURS.get(a.severity, '#333')}'>"
            f"{escape(a.severity.upper())}</b> {escape(a.message)}</li>"
            for a in self.owner.alerts
        )
        recurring = self.owner.recurring
        _show_html(
            "<h2>Recurring patterns and alerts</h2>"
            + (f"<ul>{items}</ul>" if items else "<p>No active alerts.</p>")
            + "<h3>Top recurring issues</h3>"
            + _table(recurring.drop(columns=["example_ticket_ids"]), "recurring_issues.csv")
        )
        if len(recurring):
            _show_figure(charts.recurring_chart(recurring))

    def recommendations(self) -> None:
        items = "".join(
            f"<li><b>{escape(r.title)}</b><br>{escape(r.detail)}</li>"
            for r in self.owner.recommendations
        )
        _show_html(
            "<h2>Recommendations</h2>"
            + (f"<ol>{items}</ol>" if items else "<p>Nothing calls for action this period.</p>")
        )

    def health(self) -> None:
        _show_html(health_section(self.owner.health))

    def business(self) -> None:
        _show_html(business_section(self.owner.business))

    # -- manager only ----------------------------------------------------------------------
    def _manager(self) -> ManagerContent:
        if self.manager is None:
            raise ValueError("this section is in the manager report only")
        return self.manager

    def team(self) -> None:
        team = self._manager().team
        columns = [
            "technician",
            "team",
            "resolved",
            "avg_resolution_business_hours",
            "escalation_rate_percent",
            "fcr_percent",
            "csat_percent",
        ]
        _show_html(
            "<h2>Team performance</h2>"
            + _table(team[[c for c in columns if c in team]], "team_performance.csv")
        )
        if len(team):
            _show_figure(charts.team_chart(team))

    def affinities(self) -> None:
        manager = self._manager()
        dependent = manager.dependent
        _show_html(
            "<h2>Technicians and clients</h2>"
            f"<p>Clients that depend on one technician: <b>{len(dependent)}</b>.</p>"
            + _table(manager.concentration, "client_concentration.csv")
        )
        if len(manager.affinity):
            _show_figure(charts.affinity_chart(manager.affinity))

    def escalations(self) -> None:
        manager = self._manager()
        summary = manager.escalation
        parts = [
            "<h2>Escalations</h2>",
            f"<p><b>{format_value(summary.rate_percent, 'percent')}</b> of "
            f"{summary.resolved:,} resolved tickets were escalated ({summary.escalated:,}).</p>",
        ]
        for name in ("tier", "priority", "category"):
            parts.append(f"<h3>By {name}</h3>")
            parts.append(_table(manager.escalations[name], f"escalations_by_{name}.csv"))
        _show_html("".join(parts))
        over_time = manager.escalations["over time"]
        if len(over_time):
            _show_figure(charts.escalation_trend_chart(over_time))

    def companies(self) -> None:
        companies = self._manager().companies
        _show_html("<h2>Company breakdown</h2>" + _table(companies, "companies.csv", max_rows=25))
        if len(companies):
            _show_figure(charts.company_chart(companies))

    def health_breakdown(self) -> None:
        _show_html(breakdown_section(self.owner.health, self._manager().health_breakdown))


def _default_end(session: Session) -> date:
    """Yesterday, or the last day with tickets when the data stops earlier (a demo)."""
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    _, last = session.data_range()
    return min(yesterday, last) if last else yesterday
