"""The Dashboard KPIs on the hand-computed MSP (tests/fixtures/dashboard_small/README.md),
through the CLI's JSON contract, on every supported warehouse."""

from __future__ import annotations

import json

import pytest

from deskmetrics.cli import main

PERIOD = ["--from", "2024-12-02", "--to", "2024-12-06"]


def _load(url, small_msp, small_config):
    assert (
        main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]) == 0
    )


def _dashboard(capsys, url, small_config, *extra):
    capsys.readouterr()
    code = main(
        [
            "metrics",
            "dashboard",
            "--warehouse",
            url,
            "--config",
            str(small_config),
            *PERIOD,
            *extra,
            "--json",
        ]
    )
    assert code == 0
    return json.loads(capsys.readouterr().out)


def test_unfiltered_contract(warehouse_url, small_msp, small_config, capsys):
    _load(warehouse_url, small_msp, small_config)
    result = _dashboard(capsys, warehouse_url, small_config)
    assert result["open_tickets"] == 3
    assert result["tickets_outside_resolution_sla"] == 3
    assert result["avg_resolution_hours"] == pytest.approx((113.5 + 4 + 24) / 3)
    assert result["avg_resolution_business_hours"] == pytest.approx((9.25 + 4 + 9) / 3)
    assert result["csat_percent"] == pytest.approx(50.0)
    assert result["csat_responses"] == 4
    assert result["resolution_sla_attainment"] == pytest.approx(25.0)  # T2 met; T1, T3, T8 not
    confidence = result["confidence"]
    assert confidence["rating"] == "Low"  # eight tickets is below the minimum sample
    assert any("Pending Triage" in reason for reason in confidence["reasons"])
    assert len(confidence["actions"]) == len(confidence["reasons"])


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--board", "Help Desk"], (1, 2, (113.5 + 4 + 24) / 3, 100 / 3, 3)),
        (["--board", "Tier 2"], (2, 1, None, None, 0)),
        (["--client", "C2"], (3, 2, 24.0, 0.0, 1)),
        (["--client", "C1"], (0, 1, (113.5 + 4) / 2, 200 / 3, 3)),
        (["--category", "Network"], (2, 1, None, None, 0)),
        (["--as-of", "2024-12-03T12:00:00"], (1, 1, (113.5 + 4 + 24) / 3, 50.0, 4)),
    ],
)
def test_filters_and_as_of(warehouse_url, small_msp, small_config, capsys, extra, expected):
    _load(warehouse_url, small_msp, small_config)
    result = _dashboard(capsys, warehouse_url, small_config, *extra)
    got = (
        result["open_tickets"],
        result["tickets_outside_resolution_sla"],
        result["avg_resolution_hours"],
        result["csat_percent"],
        result["csat_responses"],
    )
    assert got[:2] == expected[:2]
    for value, want in zip(got[2:4], expected[2:4], strict=True):
        assert value == (None if want is None else pytest.approx(want))
    assert got[4] == expected[4]


def test_period_is_whole_local_days(tmp_path, small_msp, small_config, capsys):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    _load(url, small_msp, small_config)
    # T1 breaches at Mon 08:15 local = 13:15 UTC; a period ending Sunday 12-01 excludes it
    result = _dashboard(capsys, url, small_config)
    capsys.readouterr()
    assert (
        main(
            [
                "metrics",
                "dashboard",
                "--warehouse",
                url,
                "--config",
                str(small_config),
                "--from",
                "2024-11-25",
                "--to",
                "2024-12-01",
                "--json",
            ]
        )
        == 0
    )
    before = json.loads(capsys.readouterr().out)
    assert before["tickets_outside_resolution_sla"] == 0
    assert before["period"]["start_utc"] == "2024-11-25T05:00:00+00:00"
    assert result["period"]["end_utc"] == "2024-12-07T05:00:00+00:00"


def test_changed_config_recomputes_facts(tmp_path, small_msp, small_config, capsys):
    """Facts stored at load follow the settings a reader brings, never a stale calendar."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    _load(url, small_msp, small_config)
    around_the_clock = tmp_path / "247.yml"
    around_the_clock.write_text(
        small_config.read_text().replace('["08:00-17:00"]', '["00:00-24:00"]')
        + "  Pending Triage: new\n"
    )
    result = _dashboard(capsys, url, around_the_clock)
    # 24x5 (Mon-Fri, holiday Thu): T8 is 24 business hours, T2 4, T1 Wed 16-16:45 + Fri 10-24
    # + Mon 00-09:30 = 0.75 + 14 + 9.5 = 24.25
    assert result["avg_resolution_business_hours"] == pytest.approx((24.25 + 4 + 24) / 3)
    assert not any("Pending Triage" in r for r in result["confidence"]["reasons"])
