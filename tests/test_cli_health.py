"""`deskmetrics health` end to end on the hand-computed health_small fixture
(tests/fixtures/health_small/README.md): the JSON and the table carry the README's numbers,
snapshots are idempotent, assessment files load whole or not at all."""

from __future__ import annotations

import json

import pytest

from deskmetrics.cli import main
from tests.health.health_small import CONFIG, DAY, EARLY, HEALTH_FILE, load_health_small

SECURITY = "Security review"


def _options(url: str) -> list[str]:
    return ["--warehouse", url, "--config", str(CONFIG), "--health-config", str(HEALTH_FILE)]


def _no_nan(name: str):
    raise AssertionError(f"{name} in the JSON output")


def _health_json(url: str, capsys, *extra: str) -> dict:
    capsys.readouterr()
    assert main(["health", "--day", DAY.isoformat(), "--json", *extra, *_options(url)]) == 0
    return json.loads(capsys.readouterr().out, parse_constant=_no_nan)


@pytest.fixture
def small(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    load_health_small(url)
    return url


def test_json_has_the_readme_numbers(warehouse_url, capsys):
    load_health_small(warehouse_url)
    command = ["health", "snapshot", "--day", EARLY.isoformat(), *_options(warehouse_url)]
    assert main(command) == 0
    assert "health snapshot 2025-03-01: 4 clients" in capsys.readouterr().out

    board = _health_json(warehouse_url, capsys)
    assert board["day"] == "2025-03-31" and board["baseline"] == "2025-03-30"
    assert board["min_coverage"] == 0.6
    assert [(c["name"], c["min_score"], c["max_score"]) for c in board["cut_scores"]] == [
        ("Healthy", 75.0, 100.0),
        ("At risk", 50.0, 75.0),
        ("Critical", 0.0, 50.0),
    ]
    assert [(m["metric_id"], m["weight_percent"]) for m in board["metrics"]] == [
        ("sentiment", 25.0),
        ("csat", 25.0),
        ("org", 25.0),
        ("renewals", 25.0),
    ]
    assert {s["tier"]: s["clients"] for s in board["segments"]} == {
        "Healthy": 1,
        "At risk": 0,
        "Critical": 1,
        "Insufficient data": 2,
    }
    clients = {c["client_id"]: c for c in board["clients"]}
    assert [c["client"] for c in board["clients"]] == [
        "Acme Dental",
        "Birch & Co Accountants",
        "Cobalt Freight",
        "Dune Labs",
    ]
    c1 = clients["C1"]
    assert (c1["score"], c1["coverage"], c1["tier"]) == (78.8, 1.0, "Healthy")
    assert (c1["previous_score"], c1["previous_date"]) == (53.3, "2025-03-01")
    assert (c1["change"], c1["trend"]) == (25.5, "up")
    assert {p["metric_id"]: p["points"] for p in c1["contributions"]} == {
        "sentiment": 20.0,
        "csat": 18.75,
        "org": 15.0,
        "renewals": 25.0,
    }
    csat = c1["contributions"][1]
    assert (csat["value"], csat["max_score"], csat["normalized"]) == (75.0, 100.0, 75.0)
    assert csat["detail"] == "75.0% satisfied of 4 responses over 90 days"
    c3 = clients["C3"]
    assert (c3["score"], c3["coverage"], c3["tier"]) == (33.3, 0.75, "Critical")
    assert [(p["metric_id"], p["points"]) for p in c3["contributions"]] == [
        ("sentiment", 6.67),
        ("csat", None),
        ("org", 13.33),
        ("renewals", 13.33),
    ]
    assert c3["contributions"][1]["value"] is None and c3["contributions"][1]["detail"] == "no data"
    assert (c3["previous_score"], c3["change"], c3["trend"]) == (None, None, None)
    c2 = clients["C2"]
    assert (c2["score"], c2["coverage"], c2["tier"]) == (50.0, 0.5, "Insufficient data")
    c4 = clients["C4"]
    assert (c4["score"], c4["coverage"], c4["tier"]) == (None, 0.0, "Insufficient data")
    assert all(p["points"] is None for p in c4["contributions"])


def test_one_client_and_an_unknown_one(small, capsys):
    board = _health_json(small, capsys, "--client", "C3")
    assert [c["client_id"] for c in board["clients"]] == ["C3"]
    assert board["clients"][0]["score"] == 33.3
    assert {s["tier"]: s["clients"] for s in board["segments"]}["Critical"] == 1

    assert main(["health", "--day", "2025-03-31", "--client", "C3", *_options(small)]) == 0
    text = capsys.readouterr().out
    assert "Cobalt Freight" in text and "33.3" in text and "Critical" in text
    assert "Org" in text and "2 / 5" in text and "13.33" in text  # the metric lines

    assert main(["health", "--client", "C9", *_options(small)]) == 2
    assert "error: no client 'C9' in the warehouse" in capsys.readouterr().err
    assert main(["health", "--day", "2025-31-03", *_options(small)]) == 2
    assert "--day '2025-31-03' is not a date" in capsys.readouterr().err


def test_table_lists_every_client_and_the_segments(small, capsys):
    assert main(["health", "snapshot", "--day", EARLY.isoformat(), *_options(small)]) == 0
    capsys.readouterr()
    assert main(["health", "--day", DAY.isoformat(), *_options(small)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Client health on 2025-03-31")
    rows = {line.split("  ")[0]: line for line in lines if line.startswith(("Acme", "Dune"))}
    assert rows["Acme Dental"].split()[2:] == [
        "78.8",
        "Healthy",
        "100%",
        "up",
        "+25.5",
        "since",
        "2025-03-01",
    ]
    assert "Insufficient data" in rows["Dune Labs"] and "  -  " in rows["Dune Labs"]
    assert "Healthy 1 · At risk 0 · Critical 1 · Insufficient data 2" in lines[-1]


def test_snapshot_twice_keeps_one_set_of_rows(warehouse_url, capsys):
    health = load_health_small(warehouse_url)
    command = ["health", "snapshot", "--day", DAY.isoformat(), *_options(warehouse_url)]
    capsys.readouterr()
    for _ in range(2):
        assert main(command) == 0
        out = capsys.readouterr().out
        assert out.strip() == (
            "health snapshot 2025-03-31: 4 clients, "
            "Healthy 1, At risk 0, Critical 1, Insufficient data 2"
        )
    for client in ("C1", "C2", "C3", "C4"):
        history = health.history(client)
        assert history["snapshots"]["snapshot_date"].tolist() == [DAY]
        assert len(history["metrics"]) == 4  # one row per metric for the day
    c1 = health.history("C1")["snapshots"].iloc[0]
    assert (c1["score"], c1["tier"]) == (78.8, "Healthy")


def test_options_may_follow_the_subcommand(small, capsys):
    warehouse, url, *rest = _options(small)
    assert main(["health", warehouse, url, "snapshot", "--day", "2025-03-31", *rest]) == 0
    assert "4 clients" in capsys.readouterr().out


def test_import_assessments_loads_a_good_file_and_nothing_of_a_bad_one(small, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "assessment,client_id,assessed_at,score\n"
        f"{SECURITY},C1,2025-03-10,90\n"
        f"{SECURITY},C9,2025-03-10,40\n"
        f"{SECURITY},C4,someday,70\n"
    )
    assert main(["health", "import-assessments", str(bad), *_options(small)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nothing imported" in err and "bad.csv" in err
    assert "row 3: client 'C9' is not in the warehouse" in err
    assert "row 4: assessed_at 'someday' is not a date" in err

    health = _with_security_metric(small)
    assert health.board(DAY).contributions.query("metric_id == 'security'")["value"].isna().all()

    good = tmp_path / "good.csv"
    good.write_text(
        "assessment,client_id,assessed_at,score\n"
        f"{SECURITY},C1,2025-03-10,90\n"
        f"{SECURITY},C4,2025-02-01,70\n"
    )
    assert main(["health", "import-assessments", str(good), *_options(small)]) == 0
    assert capsys.readouterr().out.strip() == f"imported 2 assessment results from {good}"
    security = _health_json(small, capsys)["clients"]
    values = {
        c["client_id"]: p["value"]
        for c in security
        for p in c["contributions"]
        if p["metric_id"] == "security"
    }
    assert values == {"C1": 90.0, "C2": None, "C3": None, "C4": 70.0}


def _with_security_metric(url: str):
    """The fixture's Health with an assessment metric filled by the security review."""
    from deskmetrics.health.service import Health
    from deskmetrics.health.settings import load_health_settings
    from deskmetrics.session import Session

    session = Session(url, CONFIG)
    health = Health(session.warehouse, session.settings, load_health_settings(HEALTH_FILE))
    health.store.add_metric("Security", 100, 25, kind="assessment", assessment=SECURITY)
    return health
