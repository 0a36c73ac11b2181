"""Every client-health definition is on the generated docs page, with the shipped defaults."""

from __future__ import annotations

from deskmetrics.health.definitions import health_definitions
from deskmetrics.health.settings import load_health_settings
from deskmetrics.metrics.docs import render_definitions


def test_every_health_definition_is_published_with_its_defaults():
    page = render_definitions()
    settings = load_health_settings()
    assert "## Client health" in page
    for definition in health_definitions(settings):
        assert f"`{definition.id}`" in page and definition.definition in page
    assert "the 90 days ending on the scoring day" in page
    assert "Below the minimum coverage (60% by default" in page
    assert "Sentiment (manual, out of 5, weight 25)" in page
