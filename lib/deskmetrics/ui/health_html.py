"""HTML for the Health tab: the client list, a client's breakdown, score history, settings and
the audit log. Shared by the Voilà page and the static report.

Client, metric and tier names and notes are data: every one is escaped. Rows carry ``data-*``
attributes with exact values so tests and scrapers never parse formatted text. The table class
is doubled in the style so it outranks JupyterLab's right-aligned output tables in reports.
"""

from __future__ import annotations

import json
from html import escape

import pandas as pd

from deskmetrics.health.cut_scores import maxima
from deskmetrics.health.model import KIND_LABELS, CutScore, HealthMetric

STYLE = """<style>
.dm-health-table{border-collapse:collapse;font-size:12px;margin:4px 0;font-family:Inter,
  Segoe UI,Helvetica,Arial,sans-serif}
.dm-health-table.dm-health-table th,.dm-health-table.dm-health-table td{text-align:left;
  border-bottom:1px solid #e5e7eb;padding:3px 8px;vertical-align:top}
.dm-health-table.dm-health-table td.num{text-align:right;font-variant-numeric:tabular-nums}
.dm-health-chip{display:inline-block;padding:1px 9px;border-radius:999px;color:#fff;
  font-weight:600;font-size:12px;white-space:nowrap}
.dm-trend-up{color:#16a34a}.dm-trend-down{color:#dc2626}.dm-trend-flat{color:#6b7280}
.dm-health-note{color:#6b7280;font-size:12px}
.dm-health-error{color:#b91c1c;white-space:pre-wrap;font-size:13px}
.dm-health-ok{color:#15803d;font-size:13px}
.dm-health-summary{font-size:15px;margin:6px 0}
</style>"""

# option label -> (column, ascending); clients without a value always sort last
SORTS: dict[str, tuple[str, bool]] = {
    "Score, lowest first": ("score", True),
    "Score, highest first": ("score", False),
    "Name, A to Z": ("client", True),
    "Name, Z to A": ("client", False),
    "Change, biggest fall first": ("change", True),
    "Change, biggest rise first": ("change", False),
}
DEFAULT_SORT = "Score, lowest first"
ARROWS = {"up": "↑", "down": "↓", "flat": "→"}
CSV_COLUMNS = [
    "client_id",
    "client",
    "score",
    "tier",
    "coverage_percent",
    "previous_date",
    "previous_score",
    "change",
    "trend",
]


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _num(value, digits: int = 1, suffix: str = "") -> str:
    return "" if _missing(value) else f"{float(value):.{digits}f}{suffix}"


def _short(value) -> str:
    """75.0 -> "75", 66.6667 -> "66.67"."""
    return "" if _missing(value) else f"{float(value):.2f}".rstrip("0").rstrip(".")


def _raw(value) -> str:
    return "" if _missing(value) else repr(float(value))


def _date(value) -> str:
    return "" if _missing(value) else str(pd.Timestamp(value).date())


def metric_label(icon, name) -> str:
    """Icon and name, as the reader knows the metric (plain text: escape it where it goes)."""
    return f"{icon or ''} {name}".strip()


def chip(tier: str, colour: str) -> str:
    return (
        f'<span class="dm-health-chip" style="background:{escape(colour or "#6b7280")}">'
        f"{escape(tier)}</span>"
    )


def sort_clients(clients: pd.DataFrame, order: str = DEFAULT_SORT) -> pd.DataFrame:
    column, ascending = SORTS[order]
    key = (lambda s: s.str.casefold()) if column == "client" else None
    return clients.sort_values(
        column, ascending=ascending, na_position="last", kind="stable", key=key
    ).reset_index(drop=True)


def change_text(change, trend) -> str:
    if _missing(change):
        return ""
    return f"{ARROWS.get(trend, '')} {float(change):+.1f}".strip()


LIST_ROWS = 200  # clients the list shows; the CSV download holds every one


def client_list_html(clients: pd.DataFrame, selected: str = "", max_rows: int = LIST_ROWS) -> str:
    """The client list, in the frame's order, its first ``max_rows``; ``selected`` is marked.
    Thousands of rows would take the browser seconds to lay out; the CSV holds them all."""
    if clients.empty:
        return STYLE + '<div class="dm-health-note">No clients in the warehouse yet.</div>'
    head = (
        "<tr><th>Client</th><th>Score</th><th>Tier</th><th>Coverage</th>"
        "<th>Change</th><th>Previous snapshot</th></tr>"
    )
    rows = []
    for r in clients.head(max_rows).itertuples(index=False):
        trend = r.trend if isinstance(r.trend, str) else ""
        mark = ' class="dm-selected" style="background:#eff6ff"' if r.client_id == selected else ""
        previous = ""
        if not _missing(r.previous_date):
            previous = f"{_date(r.previous_date)}: {_num(r.previous_score) or 'no score'}"
        rows.append(
            f'<tr{mark} data-client="{escape(r.client_id)}" data-score="{_raw(r.score)}" '
            f'data-tier="{escape(r.tier)}" data-change="{_raw(r.change)}">'
            f"<td>{escape(r.client)}</td>"
            f'<td class="num dm-health-score">{_num(r.score) or "–"}</td>'
            f"<td>{chip(r.tier, r.colour)}</td>"
            f'<td class="num">{_num(r.coverage * 100, 0, " %")}</td>'
            f'<td class="num dm-trend-{escape(trend or "none")}">'
            f"{escape(change_text(r.change, trend))}</td>"
            f"<td>{escape(previous)}</td></tr>"
        )
    more = (
        f'<div class="dm-health-note dm-health-more">The first {max_rows:,} of {len(clients):,} '
        "clients in this order; the CSV holds them all, and the Client filter finds any one."
        "</div>"
        if len(clients) > max_rows
        else ""
    )
    table = f'<table class="dm-health-table dm-health-clients">{head}{"".join(rows)}</table>'
    return STYLE + table + more


def client_csv_frame(clients: pd.DataFrame) -> pd.DataFrame:
    """The list as it downloads: coverage as a percent, dates as days."""
    out = clients.assign(coverage_percent=(clients["coverage"] * 100).round(1))
    out["previous_date"] = [_date(d) or None for d in out["previous_date"]]
    return out[CSV_COLUMNS]


def summary_html(row) -> str:
    """One client's headline: name, score, tier, coverage and the change since the snapshot."""
    score = _num(row["score"]) or "no score"
    change = change_text(row["change"], row["trend"])
    since = f" · {escape(change)} since the previous snapshot" if change else ""
    return (
        f'{STYLE}<div class="dm-health-summary" data-client="{escape(row["client_id"])}" '
        f'data-score="{_raw(row["score"])}"><b>{escape(row["client"])}</b> · '
        f'score <b class="dm-health-score">{score}</b> {chip(row["tier"], row["colour"])} · '
        f"{_num(row['coverage'] * 100, 0, ' %')} of the metric weight has data{since}</div>"
    )


def contributions_html(contributions: pd.DataFrame) -> str:
    """A client's metrics: value out of the maximum, 0-100, weight and the points added."""
    head = (
        "<tr><th>Metric</th><th>Value</th><th>Normalized (0-100)</th><th>Weight</th>"
        "<th>Share of score</th><th>Points</th><th>Detail</th></tr>"
    )
    rows = []
    for r in contributions.itertuples(index=False):
        value = "no data" if _missing(r.value) else f"{_short(r.value)} / {_short(r.max_score)}"
        rows.append(
            f'<tr data-metric="{escape(r.metric_id)}" data-points="{_raw(r.points)}" '
            f'data-normalized="{_raw(r.normalized)}">'
            f"<td>{escape(metric_label(r.icon, r.metric))}</td>"
            f'<td class="num">{escape(value)}</td>'
            f'<td class="num">{_num(r.normalized)}</td>'
            f'<td class="num">{_short(r.weight)} ({_num(r.weight_percent, 1, " %")})</td>'
            f'<td class="num">{_num(r.effective_percent, 1, " %")}</td>'
            f'<td class="num dm-health-points">{_num(r.points, 2)}</td>'
            f"<td>{escape(str(r.detail or ''))}</td></tr>"
        )
    return (
        f'{STYLE}<table class="dm-health-table dm-health-contributions">{head}'
        f"{''.join(rows)}</table>"
    )


def score_history_html(scores: pd.DataFrame, names: dict[str, str], limit: int = 30) -> str:
    """Manual scores set for a client (newest first): what, when, who, why."""
    if scores.empty:
        return (
            STYLE + '<div class="dm-health-note dm-health-scores">No manual scores set yet.</div>'
        )
    head = "<tr><th>Metric</th><th>Set at (UTC)</th><th>Score</th><th>By</th><th>Note</th></tr>"
    rows = []
    for r in scores.head(limit).itertuples(index=False):
        score = "cleared" if _missing(r.score) else _short(r.score)
        at = "" if _missing(r.scored_at) else pd.Timestamp(r.scored_at).strftime("%Y-%m-%d %H:%M")
        note = "" if _missing(r.note) else str(r.note)
        rows.append(
            f'<tr data-metric="{escape(r.metric_id)}" data-score="{_raw(r.score)}">'
            f"<td>{escape(names.get(r.metric_id, r.metric_id))}</td><td>{at}</td>"
            f'<td class="num">{score}</td><td>{escape(str(r.scored_by or ""))}</td>'
            f"<td>{escape(note)}</td></tr>"
        )
    more = len(scores) - limit
    tail = f'<div class="dm-health-note">{more} older scores not shown</div>' if more > 0 else ""
    return (
        f'{STYLE}<table class="dm-health-table dm-health-scores">{head}{"".join(rows)}</table>'
        + tail
    )


def _change(value) -> str:
    if _missing(value):
        return ""
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return str(value)
    return json.dumps(parsed, ensure_ascii=False)[:300]


def audit_html(audit: pd.DataFrame) -> str:
    """The latest health changes first: when, who, what, before and after."""
    if audit.empty:
        return STYLE + '<div class="dm-health-note dm-health-audit">No changes yet.</div>'
    head = (
        "<tr><th>At (UTC)</th><th>Who</th><th>Change</th><th>Subject</th>"
        "<th>Before</th><th>After</th></tr>"
    )
    rows = []
    for r in audit.itertuples(index=False):
        at = "" if _missing(r.at) else pd.Timestamp(r.at).strftime("%Y-%m-%d %H:%M:%S")
        subject = "" if _missing(r.subject) else str(r.subject)
        rows.append(
            f'<tr data-action="{escape(r.action)}" data-subject="{escape(subject)}">'
            f"<td>{at}</td><td>{escape(str(r.actor))}</td><td>{escape(r.action)}</td>"
            f"<td>{escape(subject)}</td><td>{escape(_change(r.before))}</td>"
            f"<td>{escape(_change(r.after))}</td></tr>"
        )
    return f'{STYLE}<table class="dm-health-table dm-health-audit">{head}{"".join(rows)}</table>'


def metrics_html(metrics: list[HealthMetric]) -> str:
    """The metrics in use, read-only (reports)."""
    total = sum(m.weight for m in metrics) or 1.0
    head = (
        "<tr><th>Metric</th><th>Description</th><th>Max score</th><th>Weight</th>"
        "<th>Filled by</th></tr>"
    )
    rows = [
        f'<tr data-metric="{escape(m.metric_id)}"><td>{escape(metric_label(m.icon, m.name))}</td>'
        f"<td>{escape(m.description)}</td>"
        f'<td class="num">{_short(m.max_score)}</td>'
        f'<td class="num">{_short(m.weight)} ({m.weight / total * 100:.1f} %)</td>'
        f"<td>{escape(KIND_LABELS.get(m.kind, m.kind))}"
        f"{escape(f': {m.assessment}') if m.assessment else ''}</td></tr>"
        for m in metrics
    ]
    return f'{STYLE}<table class="dm-health-table dm-health-metrics">{head}{"".join(rows)}</table>'


def cut_scores_html(cuts: list[CutScore], tops: list[float]) -> str:
    """The tiers in use, read-only (reports); ``tops``: each tier's maximum."""
    rows = [
        f"<tr><td>{chip(c.name, c.colour)}</td><td>{escape(c.colour)}</td>"
        f'<td class="num">{c.min_score:g}</td><td class="num">'
        f"{'to ' if i == 0 else 'below '}{top:g}</td></tr>"
        for i, (c, top) in enumerate(zip(cuts, tops, strict=True))
    ]
    head = "<tr><th>Tier</th><th>Colour</th><th>Minimum</th><th>Maximum</th></tr>"
    return f'{STYLE}<table class="dm-health-table dm-health-cuts">{head}{"".join(rows)}</table>'


def settings_html(metrics: list[HealthMetric], cuts: list[CutScore]) -> str:
    """How the score is built, read-only: the metrics and the cut scores in use (reports)."""
    return (
        '<div class="dm-health-settings"><h4>Metrics</h4>'
        + metrics_html(metrics)
        + "<h4>Cut scores</h4>"
        + cut_scores_html(cuts, maxima(cuts))
        + "</div>"
    )


def message_html(text: str, *, error: bool) -> str:
    """An error (what to fix) or a confirmation; empty text clears it."""
    if not text:
        return ""
    css = "dm-health-error" if error else "dm-health-ok"
    return f'{STYLE}<div class="{css}">{escape(text)}</div>'
