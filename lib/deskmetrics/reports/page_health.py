"""The report sections on client health, as escaped HTML: the Business Owner's "Client health"
(segments, clients at risk, most improved; or one client's own score) and the Manager's
per-client metric breakdown, coloured by cut-score tier.

Every client and metric name, tier and colour comes from the warehouse and is escaped; a colour
that is not #RRGGBB is drawn grey.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape

import pandas as pd

from deskmetrics.health.cut_scores import tier_of
from deskmetrics.health.model import INSUFFICIENT, INSUFFICIENT_COLOUR
from deskmetrics.insights.health import BREAKDOWN_FIXED, BREAKDOWN_TAIL
from deskmetrics.reports.content import HealthContent
from deskmetrics.ui.tables import STYLE as TABLE_STYLE
from deskmetrics.ui.tables import download_link

BREAKDOWN_ROWS = 50  # lowest scores first; the rest are in the download
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
STYLE = """<style>
.dm-segments{display:flex;gap:10px;margin:8px 0 12px;flex-wrap:wrap}
.dm-segment{border:1px solid #e5e7eb;border-top-width:5px;padding:6px 14px;min-width:110px;
  font-size:12px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.dm-segment .dm-count{font-size:26px;font-weight:600}
.dm-segment .dm-range{color:#6b7280}
.dm-tier{color:#fff;border-radius:3px;padding:1px 6px;white-space:nowrap;
  -webkit-print-color-adjust:exact;print-color-adjust:exact}
.dm-health td.dm-cell{-webkit-print-color-adjust:exact;print-color-adjust:exact}
</style>"""


def health_section(health: HealthContent) -> str:
    """Business Owner: 'Client health', for all clients or for the report's one client."""
    if health.client_id:
        return "<h2>Client health</h2>" + STYLE + TABLE_STYLE + _one_client(health)
    board = health.board
    parts = ["<h2>Client health</h2>", STYLE, TABLE_STYLE, _when(health), _segments(health)]
    if not health.scored:
        parts.append(f"<p>{escape(_not_enough(health))}</p>")
        return "".join(parts)
    if not health.has_baseline:
        parts.append(f"<p>{escape(_no_snapshot(board.baseline))}</p>")
    top = board.cut_scores[0].name if board.cut_scores else ""
    parts.append(f"<h3>Clients at risk (below {escape(top)})</h3>")
    at_risk = health.at_risk
    if at_risk.empty:
        parts.append(f"<p>No client is below {escape(top)}.</p>")
    else:
        rows = [
            [
                _cell(escape(r.client)),
                _num_cell(_score(r.score)),
                _cell(_badge(r.tier, r.colour)),
                _num_cell(_change(r.change, blank="n/a")),
                _cell(_weakest(r.weakest_metric, r.weakest_points_lost)),
            ]
            for r in at_risk.itertuples(index=False)
        ]
        head = ["Client", "Score", "Tier", "Change", "Weakest metric (points lost)"]
        parts.append(_html_table(head, rows))
        parts.append(download_link(at_risk.drop(columns=["colour"]), "clients_at_risk.csv"))
    parts.append("<h3>Most improved</h3>")
    improved = health.improved
    if improved.empty:
        if health.has_baseline:
            parts.append("<p>No client's score rose over the period.</p>")
        else:
            parts.append("<p>No change to show until a snapshot covers the previous period.</p>")
    else:
        rows = [
            [
                _cell(escape(r.client)),
                _num_cell(_score(r.score)),
                _cell(_badge(r.tier, r.colour)),
                _num_cell(f"{_score(r.previous_score)} on {_day(r.previous_date)}"),
                _num_cell(_change(r.change)),
            ]
            for r in improved.itertuples(index=False)
        ]
        head = ["Client", "Score", "Tier", "Previous score", "Change"]
        parts.append(_html_table(head, rows))
        parts.append(download_link(improved.drop(columns=["colour"]), "most_improved.csv"))
    return "".join(parts)


def breakdown_section(health: HealthContent, breakdown: pd.DataFrame) -> str:
    """Manager: every client's metrics as 0-100, coloured by the tier each value falls in."""
    board = health.board
    coverage = f"{health.min_coverage * 100:.0f} %"
    parts = [
        "<h2>Client health by metric</h2>",
        STYLE,
        TABLE_STYLE,
        _when(health),
        "<p class='dm-note'>Each metric as 0-100 (blank: no data), coloured by the cut-score "
        "tier that value falls in. Coverage is the share of the metric weight that has data: "
        "a metric without data is left out of the score, not counted as 0, and under "
        f"{escape(coverage)} coverage a client's tier is Insufficient data however good the "
        "score looks.</p>",
    ]
    if breakdown.empty:
        parts.append("<p>No clients to score.</p>")
        return "".join(parts)
    if not health.scored:
        parts.append(f"<p>{escape(_not_enough(health))}</p>")
    metrics = [c for c in breakdown.columns if c not in (*BREAKDOWN_FIXED, *BREAKDOWN_TAIL)]
    colours = {c.name: c.colour for c in board.cut_scores}
    rows = []
    for _, r in breakdown.head(BREAKDOWN_ROWS).iterrows():
        cells = [_cell(escape(str(r["client"])))]
        for metric in metrics:
            value = None if pd.isna(r[metric]) else float(r[metric])
            tint = None if value is None else tier_of(value, board.cut_scores).colour
            cells.append(_tinted(_score(value, blank=""), tint))
        score = None if pd.isna(r["score"]) else float(r["score"])
        cells.append(_tinted(_score(score), colours.get(r["tier"])))
        cells.append(_num_cell(f"{r['coverage_percent']:.0f} %"))
        tier_colour = colours.get(r["tier"], INSUFFICIENT_COLOUR)
        cells.append(_cell(_badge(r["tier"], tier_colour)))
        rows.append(cells)
    head = ["Client", *metrics, "Score", "Coverage", "Tier"]
    parts.append(_html_table(head, rows))
    if len(breakdown) > BREAKDOWN_ROWS:
        more = len(breakdown) - BREAKDOWN_ROWS
        parts.append(f'<div class="dm-note">{more:,} more clients in the download</div>')
    parts.append(download_link(breakdown, "client_health_by_metric.csv"))
    return "".join(parts)


# -- pieces ---------------------------------------------------------------------------------
def _one_client(health: HealthContent) -> str:
    row = health.client
    if row is None:
        return "<p>No health data for this client.</p>"
    parts = [_when(health)]
    score = None if pd.isna(row["score"]) else row["score"]
    parts.append(
        f"<p><b>{escape(str(row['client']))}</b>: score <b>{escape(_score(score))}</b> "
        f"{_badge(row['tier'], row['colour'])} · coverage {row['coverage'] * 100:.0f} % · "
        f"{escape(_client_change(row, health.board.baseline))}</p>"
    )
    if row["tier"] == INSUFFICIENT:
        parts.append(
            f"<p>Not enough data for a tier: health metrics with data cover "
            f"{row['coverage'] * 100:.0f} % of the weight, under the "
            f"{health.min_coverage * 100:.0f} % needed. Score this client on the Health tab.</p>"
        )
    rows = [
        [
            _cell(escape(str(r.metric))),
            _num_cell("" if pd.isna(r.value) else f"{r.value:g} of {r.max_score:g}"),
            _num_cell(_score(r.normalized, blank="")),
            _num_cell("" if pd.isna(r.effective_percent) else f"{r.effective_percent:.1f} %"),
            _num_cell(_score(r.points, blank="")),
            _num_cell(_score(r.points_lost, blank="")),
            _cell(escape(str(r.detail))),
        ]
        for r in health.contributions.itertuples(index=False)
    ]
    head = ["Metric", "Value", "0-100", "Share of score", "Points", "Points lost", "Detail"]
    return "".join(parts) + _html_table(head, rows)


def _when(health: HealthContent) -> str:
    board = health.board
    return (
        f"<p>Scores on {board.day:%d %b %Y}; change since the latest snapshot on or before "
        f"{board.baseline:%d %b %Y}, the end of the previous period.</p>"
    )


def _segments(health: HealthContent) -> str:
    boxes = []
    for r in health.segments.itertuples(index=False):
        colour = _safe_colour(r.colour)
        if pd.isna(r.min_score):
            span = f"coverage under {health.min_coverage * 100:.0f} %"
        elif r.max_score >= 100:
            span = f"{r.min_score:g} to 100"
        else:
            span = f"{r.min_score:g} to under {r.max_score:g}"
        boxes.append(
            f'<div class="dm-segment" style="border-top-color:{colour}">'
            f'<div class="dm-count" style="color:{colour}">{int(r.clients):,}</div>'
            f"<div><b>{escape(str(r.tier))}</b></div>"
            f'<div class="dm-range">{escape(span)}</div></div>'
        )
    return '<div class="dm-segments">' + "".join(boxes) + "</div>"


def _not_enough(health: HealthContent) -> str:
    return (
        "No client has enough data for a health score yet: a tier needs health metrics with "
        f"data worth at least {health.min_coverage * 100:.0f} % of the weight. Score clients "
        "on the Health tab."
    )


def _no_snapshot(baseline: date | None) -> str:
    when = f"{baseline:%d %b %Y}" if baseline else "the end of the previous period"
    return (
        f"No health snapshot was taken on or before {when}, so the change over the period is "
        "not known yet; it shows once a daily snapshot covers the previous period."
    )


def _client_change(row: dict, baseline: date | None) -> str:
    if row["previous_date"] is None or pd.isna(row["previous_date"]):
        return _no_snapshot(baseline)
    if pd.isna(row["change"]):
        return f"no score in the snapshot of {_day(row['previous_date'])}"
    return f"change {_change(row['change'])} since {_day(row['previous_date'])}"


def _weakest(metric, lost) -> str:
    if metric is None or pd.isna(metric):
        return ""
    return f"{escape(str(metric))} (-{lost:.1f})"


def _badge(tier, colour) -> str:
    return (
        f'<span class="dm-tier" style="background:{_safe_colour(colour)}">'
        f"{escape(str(tier))}</span>"
    )


def _tinted(text: str, colour: str | None) -> str:
    if colour is None:
        return _num_cell(text)
    # the tier's colour at about 20 % over white, so the number stays readable
    return (
        f'<td class="num dm-cell" style="background:{_safe_colour(colour)}33">{escape(text)}</td>'
    )


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    """Rows of ready <td> cells (their text escaped by _cell's callers and _num_cell)."""
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f'<table class="dm-table dm-health"><tr>{header}</tr>{body}</table>'


def _cell(markup: str) -> str:
    return f"<td>{markup}</td>"


def _num_cell(text: str) -> str:
    return f'<td class="num">{escape(text)}</td>'


def _score(value, blank: str = "n/a") -> str:
    return blank if value is None or pd.isna(value) else f"{float(value):.1f}"


def _change(value, blank: str = "") -> str:
    return blank if value is None or pd.isna(value) else f"{float(value):+.1f}"


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d %b %Y}"


def _safe_colour(colour) -> str:
    return colour if isinstance(colour, str) and _COLOUR.match(colour) else INSUFFICIENT_COLOUR
