"""parameters/health.yaml is checked in full; errors name the key."""

from __future__ import annotations

import pytest
import yaml

from deskmetrics.errors import ConfigError
from deskmetrics.health.settings import HEALTH_FILE, load_health_settings


def test_the_shipped_file_is_valid_and_seeds_the_four_defaults():
    settings = load_health_settings()
    assert [m.name for m in settings.seed_metrics()] == ["Sentiment", "CSAT", "Org", "Renewals"]
    assert settings.csat.days == 90 and settings.min_coverage == 0.6
    assert [c.min_score for c in settings.seed_cut_scores()] == [75, 50, 0]


def _write(tmp_path, **changes):
    data = yaml.safe_load(HEALTH_FILE.read_text())
    data.update(changes)
    path = tmp_path / "health.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_coverage": 1.5}, "min_coverage: Input should be less than or equal to 1"),
        ({"csat": {"days": 0}}, "csat.days"),
        ({"colour_scheme": "x"}, "colour_scheme: unknown key"),
        (
            {"metrics": [{"id": "a", "name": "A", "max_score": 5, "weight": 1, "kind": "vibes"}]},
            "kind 'vibes' is not one of manual, csat, assessment",
        ),
        (
            {
                "metrics": [
                    {"id": "a", "name": "A", "max_score": 5, "weight": 1, "kind": "assessment"}
                ]
            },
            "names its assessment",
        ),
        (
            {"cut_scores": [{"name": "A", "colour": "#000000", "min_score": 10}]},
            "exactly one row must have minimum 0",
        ),
    ],
)
def test_bad_settings_name_the_key(tmp_path, changes, message):
    with pytest.raises(ConfigError, match=message):
        load_health_settings(_write(tmp_path, **changes))


def test_a_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="copy parameters/health.yaml"):
        load_health_settings(tmp_path / "nope.yaml")
