"""KPI tiles and the health panel: exact values in data attributes, data never markup."""

from __future__ import annotations

from deskmetrics.ui.tiles import health_panel, kpi_row, kpi_tile


def test_tile_carries_the_exact_value_and_formats_it():
    html = kpi_tile("avg_resolution_hours", "Average Resolution Time", 47.1666666, "hours")
    assert 'data-metric="avg_resolution_hours"' in html
    assert 'data-value="47.1666666"' in html
    assert "47.2 h" in html
    assert 'data-value=""' in kpi_tile("csat_percent", "CSAT", None, "percent")
    assert kpi_row([html]).count('class="dm-kpi"') == 1


def test_health_panel_escapes_status_names():
    confidence = {
        "rating": "Medium",
        "tickets_in_scope": 100,
        "flagged": 1,
        "findings": [
            {
                "reason": "1 ticket is in statuses with no mapping: '<img src=x onerror=alert(1)>' (1)",
                "action": "Add these statuses to status_map",
            }
        ],
    }
    html = health_panel(confidence)
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'data-confidence="Medium"' in html
