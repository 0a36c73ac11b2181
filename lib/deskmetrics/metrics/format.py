"""Plain-text and display formatting of metric values (no computation here)."""

from __future__ import annotations


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "percent":
        return f"{value:.1f} %"
    if unit == "hours":
        return f"{value:.1f} h"
    return f"{value:,.0f}"


def describe_dashboard(result: dict) -> str:
    from deskmetrics.metrics.dashboard import DASHBOARD_KPIS
    from deskmetrics.metrics.registry import get

    lines = [
        f"Period {result['period']['from']} .. {result['period']['to']} "
        f"({result['period']['timezone']})"
    ]
    for name in DASHBOARD_KPIS:
        metric = get(name)
        lines.append(f"  {metric.label:42} {format_value(result[name], metric.unit)}")
    conf = result["confidence"]
    lines.append(f"  Ticket status confidence: {conf['rating']}")
    lines.extend(f"    - {reason}" for reason in conf["reasons"])
    return "\n".join(lines)
