"""Generate the KPI definitions page (Markdown) from the registry, so docs never drift."""

from __future__ import annotations

from pathlib import Path

from deskmetrics.metrics.registry import all_metrics

HEADER = """# KPI definitions

Generated from the metric registry by `deskmetrics metrics docs`; do not edit by hand.
Periods are whole local days in the configured time zone, `[from 00:00, to + 1 day 00:00)`.
Cancelled tickets count nowhere. Business hours follow the configured calendar (time zone,
weekly windows, holidays and part-day holidays) with the clock paused in waiting statuses.
"""


def render_definitions() -> str:
    parts = [HEADER]
    by_tab: dict[str, list] = {}
    for metric in all_metrics():
        by_tab.setdefault(metric.tab, []).append(metric)
    for tab, metrics in by_tab.items():
        parts.append(f"\n## {tab.replace('_', ' ').title()} tab\n")
        for m in metrics:
            better = {True: "higher is better", False: "lower is better", None: "neutral"}[
                m.higher_is_better
            ]
            parts.append(
                f"\n### {m.label} (`{m.name}`)\n\n{m.definition}\n\n"
                f"- Unit: {m.unit}; {better}\n"
                f"- Period attribution: {m.attribution}\n"
                f"- Filters: {', '.join(m.filters) or 'none'} (and the date range)\n"
            )
    parts.append(_panels_section())
    parts.append(_health_section())
    parts.append(_insights_section())
    return "".join(parts)


def _panels_section() -> str:
    from deskmetrics.panels.model import TABS, panels_for

    parts = []
    for tab in TABS.values():
        if tab.id == "dashboard":
            continue
        panels = panels_for(tab.id)
        if not panels:
            continue
        drills = any(p.drill is not None for p in panels)
        records = any(p.drill_records is not None for p in panels)
        parts.append(
            f"\n## {tab.title} tab\n\nFilters: date range, "
            f"{', '.join(tab.filters)}. Each panel has a chart, a table and a CSV download"
            + (", and, for counts, a drill-down to the tickets behind them" if drills else "")
            + (", and, for some rows, a drill-down to the records behind them" if records else "")
            + ".\n"
        )
        for p in panels:
            parts.append(
                f"\n### {p.title} (`{p.id}`)\n\n{p.definition}\n\n"
                f"- Period attribution: {p.attribution}\n"
                f"- Drill-down: {', '.join(p.drill_fields) or 'none'}"
                + (f" ({p.drill_noun})" if p.drill_records is not None else "")
                + "\n"
            )
    return "".join(parts)


def _health_section() -> str:
    from deskmetrics.health.definitions import health_definitions
    from deskmetrics.health.settings import load_health_settings

    settings = load_health_settings()
    parts = [
        "\n## Client health\n\nDefault metrics (seeded from parameters/health.yaml, then edited in "
        "the Health tab): "
        + "; ".join(
            f"{m.name} ({m.kind}, out of {m.max_score:g}, weight {m.weight:g})"
            for m in settings.seed_metrics()
        )
        + ". Default cut scores: "
        + ", ".join(f"{c.name} from {c.min_score:g}" for c in settings.seed_cut_scores())
        + ".\n"
    ]
    for d in health_definitions(settings):
        parts.append(f"\n### {d.title} (`{d.id}`)\n\n{d.definition}\n")
    return "".join(parts)


def _insights_section() -> str:
    from deskmetrics.insights.definitions import all_insights

    insights = all_insights()
    if not insights:
        return ""
    audiences = {
        "business_owner": "Business Owner and Manager reports",
        "manager": "Manager report",
    }
    parts = ["\n## Weekly reports\n"]
    for i in insights:
        parts.append(
            f"\n### {i.title} (`{i.id}`)\n\n{i.definition}\n\n"
            f"- In: {audiences.get(i.audience, i.audience)}\n"
            f"- Period attribution: {i.attribution}\n"
        )
    return "".join(parts)


def write_definitions(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_definitions(), encoding="utf-8")
