"""The definitions page is generated from the registry and the committed copy is current."""

from __future__ import annotations

from pathlib import Path

from deskmetrics.metrics.docs import render_definitions
from deskmetrics.metrics.registry import all_metrics

COMMITTED = Path(__file__).parents[2] / "docs" / "metrics.md"


def test_every_metric_is_defined_on_the_page():
    page = render_definitions()
    for metric in all_metrics():
        assert f"`{metric.name}`" in page
        assert metric.definition in page
        assert metric.attribution in page


def test_committed_page_matches_the_registry():
    assert COMMITTED.read_text() == render_definitions(), (
        "docs/metrics.md is stale: run `deskmetrics metrics docs`"
    )


def test_registry_entries_are_complete():
    for metric in all_metrics():
        assert metric.label and metric.definition and metric.attribution
        assert metric.unit in {"tickets", "hours", "percent", "responses", "count"}
