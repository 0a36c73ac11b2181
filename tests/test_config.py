"""Settings layers, validation messages that name the key, and status mapping."""

from __future__ import annotations

import pytest

from deskmetrics.config import load_settings
from deskmetrics.errors import ConfigError


def test_defaults_load_and_map_statuses_ignoring_case():
    settings = load_settings(use_local=False)
    assert settings.timezone == "America/New_York"
    assert settings.status_category("  in   PROGRESS ") == "in_progress"
    assert settings.status_category("Pending Triage") is None
    assert settings.sla.resolution_hours[1] == 4


def test_config_file_replaces_top_level_keys_and_merges_sla(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text(
        "timezone: Europe/London\nsla:\n  response_hours: {1: 0.5}\nstatus_map: {Open: new}\n"
    )
    settings = load_settings(path, use_local=False)
    assert settings.timezone == "Europe/London"
    assert settings.sla.response_hours == {1: 0.5}
    assert settings.sla.resolution_hours[4] == 40  # from the defaults
    assert settings.status_map == {"Open": "new"}  # replaced, not merged


@pytest.mark.parametrize(
    ("yaml_text", "named"),
    [
        ("timezone: Mars/Olympus\n", "timezone"),
        ("business_hours: {mon: ['8-17']}\n", "business_hours"),
        ("business_hours: {monday: ['08:00-17:00']}\n", "monday"),
        ("sla: {resolution_hours: {5: 8}}\n", "sla.resolution_hours"),
        ("sla: {response_hourz: {1: 1}}\n", "sla.response_hourz"),
        ("status_map: {Open: opened}\n", "status_map.Open"),
        ("colour: blue\n", "colour"),
        ("holidays: [{date: 2025-12-24, hours: '12-17'}]\n", "holidays.0"),
    ],
)
def test_invalid_values_and_unknown_keys_name_the_key(tmp_path, yaml_text, named):
    path = tmp_path / "bad.yml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as err:
        load_settings(path, use_local=False)
    assert named in str(err.value)
    assert str(path) in str(err.value)


def test_missing_or_malformed_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.yml", use_local=False)
    bad = tmp_path / "bad.yml"
    bad.write_text("timezone: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(bad, use_local=False)


def test_calendar_from_settings_counts_business_time(tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from deskmetrics.sla import business_seconds

    settings = load_settings(use_local=False)
    ny = ZoneInfo("America/New_York")
    # Friday 16:00 -> Monday 09:00 over Mon-Fri 08-17 = 1 h + 1 h
    start, end = datetime(2025, 3, 7, 16, tzinfo=ny), datetime(2025, 3, 10, 9, tzinfo=ny)
    assert business_seconds(start, end, settings.calendar()) == 2 * 3600


def test_fingerprint_changes_with_settings(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("timezone: Europe/London\n")
    assert (
        load_settings(use_local=False).fingerprint()
        != load_settings(path, use_local=False).fingerprint()
    )


def test_report_thresholds_merge_key_by_key_and_leave_the_facts_fingerprint_alone(tmp_path):
    from deskmetrics.config import load_settings

    base = load_settings(use_local=False)
    changed = load_settings(overrides={"insights": {"csat_drop_points": 9}}, use_local=False)
    assert changed.insights.csat_drop_points == 9
    assert changed.insights.sla_target_pct == base.insights.sla_target_pct  # merged, not replaced
    assert changed.fingerprint() == base.fingerprint()
    other = load_settings(overrides={"analysis": {"long_ticket_days": 45}}, use_local=False)
    assert other.fingerprint() != base.fingerprint()
