"""`deskmetrics metrics business` end to end on the hand-computed business fixture
(tests/fixtures/business_kpis/README.md): JSON with the README's numbers, the Client filter,
and one CSV per panel."""

from __future__ import annotations

import json

import pytest
from panels.test_business_fixture import CONFIG, DECEMBER, load_business

from deskmetrics.cli import main
from deskmetrics.panels import panels_for


def _no_nan(name: str):
    raise AssertionError(f"{name} in the JSON output")


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('cli_business') / 'w.duckdb'}"
    load_business(url)
    return url


def _business(url: str, capsys, *extra: str) -> dict:
    capsys.readouterr()
    command = ["metrics", "business", "--from", DECEMBER[0], "--to", DECEMBER[1]]
    assert main([*command, "--warehouse", url, "--config", str(CONFIG), *extra]) == 0
    return json.loads(capsys.readouterr().out, parse_constant=_no_nan)


def test_json_has_every_panel_with_the_readme_numbers(url, capsys):
    data = _business(url, capsys, "--json")
    assert list(data) == [p.id for p in panels_for("business")]
    a1 = data["profitability_by_agreement"][0]
    assert (a1["agreement_id"], a1["revenue"], a1["hard_costs"], a1["hours"]) == (
        "A1",
        3000,
        700,
        20,
    )
    assert a1["effective_hourly_rate"] == 115  # T-BUS-1
    c3 = next(r for r in data["profitability_by_client"] if r["client_id"] == "C3")
    assert c3["margin"] == -330 and c3["margin_percent"] is None  # no revenue
    assert data["revenue_concentration"][0]["share_percent"] == 38
    assert data["overdue_timesheets"][0] == {
        "technician": "Cal Novak",
        "tech_id": "K3",
        "week_start": "2024-12-09",
        "week_end": "2024-12-15",
        "days_since_week_end": 16,
    }
    assert data["projects_at_risk_list"][2]["days_past_due"] is None
    assert data["pipeline_coverage"][0]["coverage"] == 8.6
    assert data["pipeline_coverage"][0]["as_of"] == "2024-12-31"
    assert round(data["win_rate_and_velocity"][0]["deal_velocity_per_day"], 2) == 553.85


def test_client_filter(url, capsys):
    data = _business(url, capsys, "--json", "--client", "C2")
    assert [r["client_id"] for r in data["profitability_by_client"]] == ["C2"]
    assert [r["client_id"] for r in data["pending_revenue_by_client"]] == ["C2"]
    velocity = data["win_rate_and_velocity"][0]
    assert (velocity["open_opportunities"], velocity["win_rate_percent"]) == (1, 0)
    assert velocity["deal_velocity_per_day"] is None


def test_csv_writes_one_file_per_panel(url, capsys, tmp_path):
    capsys.readouterr()
    command = ["metrics", "business", "--from", DECEMBER[0], "--to", DECEMBER[1]]
    out = tmp_path / "csv"
    assert main([*command, "--warehouse", url, "--config", str(CONFIG), "--csv", str(out)]) == 0
    assert sorted(p.stem for p in out.glob("*.csv")) == sorted(p.id for p in panels_for("business"))
    assert (
        "Managed IT - Professional,A1,Acme Dental,3000.0,700.0,695.0,1605.0"
        in (out / "profitability_by_agreement.csv").read_text()
    )
