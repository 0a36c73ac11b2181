"""The report's "Business" section as escaped HTML: the period's revenue and margin with the top
and least profitable clients, the renewals coming due, and the sales pipeline.

A one-client report shows that client's own money and renewals, never another client's name
and never the whole MSP's pipeline. A warehouse without any business data gets one sentence
naming the files and connectors that fill the section.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from deskmetrics.insights.business import (
    HORIZONS,
    SOURCES,
    BusinessSummary,
    Pipeline,
    Profitability,
    Renewals,
)
from deskmetrics.ui.tables import STYLE as TABLE_STYLE
from deskmetrics.ui.tables import download_link

STYLE = """<style>
.dm-kpis{display:flex;gap:10px;margin:8px 0 12px;flex-wrap:wrap}
.dm-kpi{border:1px solid #e5e7eb;border-top:4px solid #2563eb;padding:6px 14px;min-width:120px;
  font-size:12px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.dm-kpi .dm-value{font-size:22px;font-weight:600}
.dm-kpi .dm-label{color:#6b7280}
</style>"""
NO_DATA = (
    "No business data is loaded, so there is no revenue, margin, renewal or sales pipeline to "
    "report. Load the business CSV files with deskmetrics import-csv (revenue_lines.csv, "
    "hard_costs.csv, cost_rates.csv, agreements.csv, opportunities.csv and "
    "opportunity_stages.csv), or sync agreements, invoices and opportunities from ConnectWise "
    "Manage or Autotask by turning on business_streams for the source in "
    "parameters/sources.yaml; hard costs and cost rates come from their CSV files."
)


def business_section(business: BusinessSummary) -> str:
    """The Business section for all clients, or for the report's one client."""
    parts = ["<h2>Business</h2>", STYLE, TABLE_STYLE]
    if not business.any_data:
        parts.append(f"<p>{escape(NO_DATA)}</p>")
        return "".join(parts)
    money, renewals = business.profitability, business.renewals
    if business.client_id:
        who = business.client_name or business.client_id
        parts.append(f"<p>For <b>{escape(who)}</b> only.</p>")
    parts.append(_headlines(money, renewals, business.pipeline))
    parts.append("<h3>Profitability</h3>")
    parts.append(_profitability(business, money))
    parts.append("<h3>Renewals due</h3>")
    parts.append(_renewals(business, renewals))
    if business.pipeline is not None:
        parts.append("<h3>Sales pipeline</h3>")
        parts.append(_pipeline(business, business.pipeline))
    return "".join(parts)


# -- parts ----------------------------------------------------------------------------------
def _headlines(money: Profitability, renewals: Renewals, pipeline: Pipeline | None) -> str:
    boxes = [
        ("Revenue", _money(money.revenue)),
        ("Margin", f"{_money(money.margin)} ({_percent(money.margin_percent)})"),
        ("Effective hourly rate", _rate(money.effective_hourly_rate)),
        ("Renewals in 30 days", f"{renewals.within(HORIZONS[0]):,}"),
    ]
    if pipeline is not None:
        boxes.append(("Open pipeline", _money(pipeline.pipeline)))
        boxes.append(("Win rate", _percent(pipeline.win_rate_percent)))
    return (
        '<div class="dm-kpis">'
        + "".join(
            f'<div class="dm-kpi"><div class="dm-value">{escape(value)}</div>'
            f'<div class="dm-label">{escape(label)}</div></div>'
            for label, value in boxes
        )
        + "</div>"
    )


def _profitability(business: BusinessSummary, money: Profitability) -> str:
    if "revenue_lines" not in business.loaded and not money.any:
        return _not_loaded("revenue_lines", "revenue")
    if not money.any:
        return "<p>No revenue, costs or client time in this period.</p>"
    text = (
        f"Revenue {_money(money.revenue)}, hard costs {_money(money.hard_costs)} and labour "
        f"{_money(money.labour_cost)} leave a margin of {_money(money.margin)} "
        f"({_percent(money.margin_percent)}). Effective hourly rate "
        f"{_rate(money.effective_hourly_rate)} over {money.hours:,.1f} h logged"
        + ("." if business.client_id else " for clients.")
    )
    if money.hours_without_cost_rate:
        text += (
            f" {money.hours_without_cost_rate:,.1f} h had no cost rate and are not in the "
            "labour cost."
        )
    parts = [f"<p>{escape(text)}</p>"]
    if business.client_id:
        return "".join(parts)
    parts.append("<h4>Top clients by margin</h4>")
    parts.append(_clients(money.top, "top_clients_by_margin.csv", "No client made a margin."))
    below = f"below the overall {_percent(money.margin_percent)}"
    parts.append(f"<h4>Least profitable clients (losing money or {escape(below)})</h4>")
    none = f"No client loses money or is {below}."
    parts.append(_clients(money.least, "least_profitable_clients.csv", none))
    return "".join(parts)


def _clients(frame: pd.DataFrame, filename: str, none: str) -> str:
    if frame.empty:
        return f"<p>{escape(none)}</p>"
    rows = [
        [
            _cell(r.client),
            _num_cell(_money(r.revenue)),
            _num_cell(_money(r.margin)),
            _num_cell(_percent(r.margin_percent, blank="n/a (no revenue)")),
        ]
        for r in frame.itertuples(index=False)
    ]
    table = _html_table(["Client", "Revenue", "Margin", "Margin %"], rows)
    return table + download_link(frame, filename)


def _renewals(business: BusinessSummary, renewals: Renewals) -> str:
    if "agreements" not in business.loaded:
        return _not_loaded("agreements", "agreements")
    if renewals.by_type.empty:
        return f"<p>No agreement ends in the {HORIZONS[-1]} days after the period.</p>"
    head = ["Agreement type", *(f"Within {h} days" for h in HORIZONS)]
    rows = [
        [_cell(r["agreement_type"]), *(_num_cell(f"{r[f'within_{h}_days']:,}") for h in HORIZONS)]
        for _, r in renewals.by_type.iterrows()
    ]
    if len(rows) > 1:
        rows.append([_cell("All"), *(_num_cell(f"{renewals.within(h):,}") for h in HORIZONS)])
    parts = [_html_table(head, rows)]
    due = renewals.next_30
    if due.empty:
        parts.append(f"<p>None in the next {HORIZONS[0]} days.</p>")
        return "".join(parts)
    items = []
    for r in due.itertuples(index=False):
        owner = "" if business.client_id or r.client is None else f", {r.client}"
        items.append(
            f"<li><b>{escape(str(r.agreement))}</b> ({escape(f'{r.type}{owner}')}): ends "
            f"{r.end_date:%d %b %Y}, in {int(r.days_left)} days</li>"
        )
    parts.append(f"<p>Due in the next {HORIZONS[0]} days:</p><ul>{''.join(items)}</ul>")
    parts.append(download_link(due, "renewals_due_30_days.csv"))
    return "".join(parts)


def _pipeline(business: BusinessSummary, pipeline: Pipeline) -> str:
    if "opportunities" not in business.loaded:
        return _not_loaded("opportunities", "opportunities")
    if pipeline.coverage is None:
        coverage = (
            "Coverage cannot be measured: the monthly sales target is 0 (no deal won in the "
            "last 3 months and no business.monthly_sales_target)."
        )
    else:
        verdict = "met" if pipeline.meets_target else "not met"
        coverage = (
            f"Coverage {pipeline.coverage:.1f}x the monthly target of "
            f"{_money(pipeline.monthly_target)} ({pipeline.target_source}); the target is "
            f"{pipeline.target_multiple:g}x ({_money(pipeline.required)}): {verdict}."
        )
    if pipeline.won + pipeline.lost:
        closed = (
            f"Closed in the period: {pipeline.won:,} won ({_money(pipeline.won_amount)}) and "
            f"{pipeline.lost:,} lost, a win rate of {_percent(pipeline.win_rate_percent)}."
        )
    else:
        closed = "No deal was won or lost in the period."
    text = (
        f"Open pipeline at the period end: {_money(pipeline.pipeline)} over "
        f"{pipeline.open_opportunities:,} opportunities, {_money(pipeline.weighted)} weighted "
        f"by probability. {coverage} {closed}"
    )
    return f"<p>{escape(text)}</p>"


def _not_loaded(table: str, what: str) -> str:
    filename, stream = SOURCES[table]
    where = f"{filename} (deskmetrics import-csv)"
    if stream:
        where += f" or the {stream} stream of ConnectWise Manage or Autotask (business_streams)"
    return f"<p>{escape(f'No {what} are loaded: they come from {where}.')}</p>"


# -- cells and numbers ----------------------------------------------------------------------
def _html_table(head: list[str], rows: list[list[str]]) -> str:
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f'<table class="dm-table"><tr>{header}</tr>{body}</table>'


def _cell(value) -> str:
    return f"<td>{escape('' if value is None else str(value))}</td>"


def _num_cell(text: str) -> str:
    return f'<td class="num">{escape(text)}</td>'


def _money(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"


def _rate(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return f"${value:,.2f}/h"


def _percent(value: float | None, blank: str = "n/a") -> str:
    return blank if value is None or pd.isna(value) else f"{value:.1f} %"
