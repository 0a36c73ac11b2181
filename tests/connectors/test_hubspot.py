"""The HubSpot connector end to end: a fake HubSpot over real HTTP, a DuckDB warehouse and the
sync engine; plus the mapping rules the reference leaves UNCONFIRMED."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import inspect, text

from deskmetrics.connectors import get_connector
from deskmetrics.connectors.http import SourceError
from deskmetrics.connectors.hubspot import HubSpotConnector
from deskmetrics.connectors.hubspot_api import epoch_ms, hs_instant
from deskmetrics.connectors.hubspot_map import HsMapper, HsMapping, load_mapping
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.connectors.sync import parse_instant, sync_source
from deskmetrics.errors import ConfigError
from deskmetrics.warehouse.engine import Warehouse
from fakes.checks import table, vendor_settings
from fakes.hubspot import ENV, SECRETS, TOKEN, FakeHubSpot, iso, rate_limit_body

SETTINGS = vendor_settings("hubspot")
CANONICAL = ("technicians", "tickets", "status_changes", "surveys")
LABELS = {"1": "New", "2": "Waiting on contact", "3": "Waiting on us", "4": "Closed"}
LABELS.update({"7002": "Triage", "7003": "Resolved"})


@pytest.fixture
def env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def fake(env):
    with FakeHubSpot(tickets=12) as server:
        yield server
    assert not server.server.errors, server.server.errors[0]


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    return Warehouse(f"duckdb:///{tmp_path / 'hs.duckdb'}")


def source(fake: FakeHubSpot, page_size: int = 5, **settings) -> SourceConfig:
    return SourceConfig(
        name="hs",
        type="hubspot",
        base_url=fake.url,
        secrets=SECRETS,
        page_size=page_size,
        per_minute=0,  # unpaced: the fakes have no limit to stay under
        settings=settings,
    )


def run(fake, warehouse, page_size=5, sleeps=None, **settings):
    config = source(fake, page_size, **settings)
    sleep = sleeps.append if sleeps is not None else (lambda seconds: None)
    connector = HubSpotConnector(config, SETTINGS, sleep=sleep)
    return sync_source(warehouse, SETTINGS, config, connector=connector)


def utc(value: str) -> pd.Timestamp:
    return pd.Timestamp(value).tz_convert("UTC").tz_localize(None)


# -- full sync ------------------------------------------------------------------------------
def test_full_sync_loads_every_canonical_table(fake, warehouse):
    assert get_connector("hubspot") is HubSpotConnector
    report = run(fake, warehouse)

    tickets = table(warehouse, "tickets").set_index("ticket_id")
    assert sorted(tickets.index) == sorted(str(i) for i in fake.tickets)
    closed_id = next(i for i, p in fake.tickets.items() if p["hs_pipeline_stage"] == "4")
    props = fake.tickets[closed_id]
    row = tickets.loc[str(closed_id)]
    assert row["created_at"] == utc(props["createdate"])
    assert row["status"] == "Closed" and row["status_category"] == "closed"
    assert row["board"] == "Support Pipeline"
    assert row["category"] == props["hs_ticket_category"]
    assert row["priority"] == {"HIGH": 1, "MEDIUM": 3, "LOW": 4}[props["hs_ticket_priority"]]
    assert row["channel"] == props["source_type"]
    assert row["owner_tech_id"] == props["hubspot_owner_id"]
    assert row["first_response_at"] == utc(props["first_agent_reply_date"])
    assert row["closed_at"] == utc(props["closed_date"])
    assert row["updated_at"] == utc(props["hs_lastmodifieddate"])
    assert row["resolution_due_at"] == utc(props["hs_time_to_close_sla_at"])
    assert (row["title"], row["source"]) == (props["subject"], "hubspot")
    it_id = next(i for i, p in fake.tickets.items() if p["hs_pipeline"] == "7001")
    assert tickets.loc[str(it_id), "board"] == "IT Help Desk"
    assert tickets.loc[str(it_id), "status"] == LABELS[fake.tickets[it_id]["hs_pipeline_stage"]]

    changes = table(warehouse, "status_changes")
    history = changes[changes["ticket_id"] == str(closed_id)]
    assert list(history["status"]) == ["New", "Waiting on contact", "Waiting on us", "Closed"]
    assert history["changed_at"].iloc[0] == row["created_at"]
    assert history["tech_id"].isna().all()

    techs = table(warehouse, "technicians").astype(object)
    assert techs.where(techs.notna(), None).to_dict("records") == [
        {"tech_id": "101", "name": "Kim Lee", "team": "Service Desk", "tier": None},
        {"tech_id": "102", "name": "Sam Ortiz", "team": "Escalations", "tier": None},
        {"tech_id": "103", "name": "Old Timer", "team": None, "tier": None},  # archived owner
    ]

    surveys = table(warehouse, "surveys").set_index("response_id")
    expected = {f"hubspot:{k}" for k, f in fake.feedback.items() if f["hs_survey_type"] != "CUSTOM"}
    assert set(surveys.index) == expected
    scales = {"CSAT": "stars5", "NPS": "nps", "CES": "ces7"}
    for key, submission in fake.feedback.items():
        if submission["hs_survey_type"] == "CUSTOM":
            continue
        got = surveys.loc[f"hubspot:{key}"]
        assert got["scale"] == scales[submission["hs_survey_type"]]
        assert got["rating"] == float(submission["hs_value"])
        assert got["ticket_id"] == submission["hs_ticket_id"]
        assert got["submitted_at"] == utc(submission["hs_submission_timestamp"])
        assert got["source"] == "hubspot" and got["sentiment"] in {
            "positive",
            "neutral",
            "negative",
        }
    assert report.quarantined == 0

    searches = fake.ticket_searches()
    assert [s["returned"] for s in searches] == [5, 5, 2]
    first = searches[0]["body"]
    assert first["filterGroups"] == [
        {
            "filters": [
                {
                    "propertyName": "hs_lastmodifieddate",
                    "operator": "GTE",
                    "value": epoch_ms(parse_instant("2000-01-01T00:00:00Z")),
                }
            ]
        }
    ]
    assert [s["propertyName"] for s in first["sorts"]] == ["hs_lastmodifieddate", "hs_object_id"]
    assert "hs_v2_date_entered_7003" in first["properties"] and first["limit"] == 5
    assert [s["body"].get("after") for s in searches] == [None, "5", "10"]
    owners = fake.server.requests("/crm/v3/owners")
    assert [r.arg("archived") for r in owners] == ["false", "true"]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in fake.server.log)


def test_the_result_cap_is_passed_by_restarting_from_the_last_record(env, warehouse):
    with FakeHubSpot(tickets=40, cap=12) as fake:
        report = run(fake, warehouse, page_size=5, search_cap=12)
        searches = fake.ticket_searches()
        assert all(s["status"] == 200 for s in searches)  # never asked past the cap
        assert sum(s["returned"] for s in searches) == 40
        assert len(table(warehouse, "tickets")) == 40
        assert report.streams["tickets"].records == 40
        starts = [n for n, s in enumerate(searches) if "after" not in s["body"]]
        assert len(starts) == 4  # 12 + 12 + 12 + 4: three new queries from the last position
        restarts = [searches[n]["body"] for n in starts[1:]]
        assert all(len(body["filterGroups"]) == 2 for body in restarts)
        # the restart continues after (modified, id): ties on the timestamp are not skipped
        groups = restarts[0]["filterGroups"]
        assert [f["operator"] for f in groups[0]["filters"]] == ["GT"]
        assert [(f["propertyName"], f["operator"]) for f in groups[1]["filters"]] == [
            ("hs_lastmodifieddate", "EQ"),
            ("hs_object_id", "GT"),
        ]
        assert not fake.server.errors


def test_incremental_sync_fetches_only_changed_records(fake, warehouse):
    run(fake, warehouse)
    newest = max(p["hs_lastmodifieddate"] for p in fake.tickets.values())
    changed = sorted(fake.tickets)[2]
    fake.change_stage(changed, "3")
    fake.searches.clear()
    fake.server.clear_log()

    run(fake, warehouse)

    searches = fake.ticket_searches()
    since = parse_instant(newest) - timedelta(minutes=5)  # the source's 5-minute overlap
    assert searches[0]["body"]["filterGroups"][0]["filters"][0]["value"] == epoch_ms(since)
    returned = {int(r) for s in searches for r in _ids(fake, s)}
    latest = {i for i, p in fake.tickets.items() if p["hs_lastmodifieddate"] == newest}
    assert returned == {changed} | latest  # the change plus the overlap's last bulk update
    tickets = table(warehouse, "tickets").set_index("ticket_id")
    assert len(tickets) == len(fake.tickets)
    assert tickets.loc[str(changed), "status"] == "Waiting on us"
    changes = table(warehouse, "status_changes")
    assert changes[changes["ticket_id"] == str(changed)]["status"].iloc[-1] == "Waiting on us"


def _ids(fake: FakeHubSpot, search: dict) -> list[str]:
    """The ids a logged search returned, recomputed from its body."""
    from fakes.hubspot import _matcher

    keep = _matcher(search["body"]["filterGroups"])
    after = int(search["body"].get("after") or 0)
    rows = sorted(
        (p for p in fake.tickets.values() if keep(p)),
        key=lambda p: (parse_instant(p["hs_lastmodifieddate"]), int(p["hs_object_id"])),
    )
    return [p["hs_object_id"] for p in rows[after : after + search["body"]["limit"]]]


# -- faults ---------------------------------------------------------------------------------
def test_rate_limits_and_server_errors_are_retried(fake, warehouse):
    limited = fake.server.fail(429, times=1, retry_after=3, path=r"/tickets/search$")
    policy = fake.server.fail(
        429, times=1, after=1, path=r"/tickets/search$", body=rate_limit_body()
    )
    broken = fake.server.fail(500, times=1, path=r"/owners$")
    sleeps: list[float] = []

    report = run(fake, warehouse, sleeps=sleeps)

    assert (limited.fired, policy.fired, broken.fired) == (1, 1, 1)
    assert 3.0 in sleeps  # Retry-After honoured
    assert 10.0 in sleeps  # TEN_SECONDLY_ROLLING without Retry-After: wait out the window
    assert len(sleeps) == 3
    assert report.streams["tickets"].records == len(fake.tickets)
    assert len(table(warehouse, "tickets")) == len(fake.tickets)

    fake.server.fail(429, times=None, path=r"/owners$", body=rate_limit_body("DAILY"))
    with pytest.raises(SourceError, match="daily API limit"):
        run(fake, warehouse)


def test_malformed_records_are_quarantined_and_the_rest_loads(fake, warehouse):
    ids = sorted(fake.tickets)
    fake.tickets[ids[1]]["createdate"] = "last Tuesday"
    del fake.tickets[ids[2]]["hs_pipeline_stage"]
    fake.tickets[ids[3]]["hs_v2_date_entered_1"] = "2024-13-45"
    csat = next(k for k, f in fake.feedback.items() if f["hs_survey_type"] == "CSAT")
    fake.feedback[csat]["hs_value"] = "9"

    report = run(fake, warehouse)

    reasons = table(warehouse, "quarantine").set_index(["stream", "record_key"])["reason"]
    assert reasons.to_dict() == {
        ("tickets", str(ids[1])): "createdate is not an ISO timestamp: 'last Tuesday'",
        ("tickets", str(ids[2])): "hs_pipeline_stage is missing",
        ("tickets", f"{ids[3]}/stage/1"): "hs_v2_date_entered_1 is not an ISO timestamp: "
        "'2024-13-45'",
        ("feedback_submissions", str(csat)): "hs_value 9 is not on the stars5 scale of a CSAT "
        "survey",
    }
    assert report.quarantined == 4
    loaded = set(table(warehouse, "tickets")["ticket_id"])
    assert loaded == {str(i) for i in ids} - {str(ids[1]), str(ids[2])}


# -- crash and rerun ------------------------------------------------------------------------
def test_crash_after_two_pages_then_rerun_equals_a_clean_run(env, tmp_path):
    with FakeHubSpot(tickets=20, cap=9) as fake:
        clean = Warehouse(f"duckdb:///{tmp_path / 'clean.duckdb'}")
        run(fake, clean, page_size=4, search_cap=9)

        crashed = Warehouse(f"duckdb:///{tmp_path / 'crashed.duckdb'}")
        fake.server.fail(500, times=None, after=2, path=r"/tickets/search$")
        fake.searches.clear()
        with pytest.raises(SourceError, match=r"HTTP 500 from /crm/v3/objects/tickets/search"):
            run(fake, crashed, page_size=4, search_cap=9)
        assert len(table(crashed, "tickets")) == 8
        last = max(sorted(fake.tickets)[:8])

        fake.server.clear_faults()
        fake.searches.clear()
        report = run(fake, crashed, page_size=4, search_cap=9)

        assert report.streams["tickets"].resumed
        groups = fake.ticket_searches()[0]["body"]["filterGroups"]
        assert groups[1]["filters"][1] == {
            "propertyName": "hs_object_id",
            "operator": "GT",
            "value": str(last),
        }
        assert sum(s["returned"] for s in fake.ticket_searches()) == 12
        for name in CANONICAL:
            pd.testing.assert_frame_equal(table(crashed, name), table(clean, name))
        assert not fake.server.errors


# -- settings -------------------------------------------------------------------------------
def test_the_api_path_prefix_and_ticket_filters_are_honoured(env, warehouse):
    with FakeHubSpot(tickets=8, prefix="/proxy/crm/2025-09") as fake:
        filters = [{"propertyName": "hs_pipeline", "operator": "EQ", "value": "0"}]
        run(fake, warehouse, api_prefix="proxy/crm/2025-09/", ticket_filters=filters)
        paths = {r.path for r in fake.server.log}
        assert paths == {
            "/proxy/crm/2025-09/owners",
            "/proxy/crm/2025-09/pipelines/tickets",
            "/proxy/crm/2025-09/objects/tickets/search",
            "/proxy/crm/2025-09/objects/feedback_submissions/search",
        }
        support = {str(i) for i, p in fake.tickets.items() if p["hs_pipeline"] == "0"}
        assert set(table(warehouse, "tickets")["ticket_id"]) == support
        assert not fake.server.errors

        with pytest.raises(ConfigError, match=r"unknown key\(s\) \['pipelines'\]"):
            HubSpotConnector(source(fake, pipelines=["0"]), SETTINGS)
        with pytest.raises(ConfigError, match="ticket_filters"):
            HubSpotConnector(source(fake, ticket_filters=[{"propertyName": "x"}]), SETTINGS)
        with pytest.raises(ConfigError, match="does not exist"):
            HubSpotConnector(source(fake, mapping="nowhere/hs.yaml"), SETTINGS)


def test_stage_history_and_feedback_can_be_switched_off(fake, warehouse):
    run(fake, warehouse, stage_history=False, feedback=False)
    assert table(warehouse, "status_changes").empty and table(warehouse, "surveys").empty
    body = fake.ticket_searches()[0]["body"]
    assert not any(p.startswith("hs_v2_date_entered_") for p in body["properties"])


# -- credentials and secrets ----------------------------------------------------------------
def test_wrong_token_gives_a_clear_error_without_the_secret(fake, warehouse, monkeypatch):
    monkeypatch.setenv("HUBSPOT_TOKEN", "pat-wrong-4242")
    with pytest.raises(SourceError) as caught:
        run(fake, warehouse)
    rendered = "".join(traceback.format_exception(caught.value))
    assert "HTTP 401" in str(caught.value) and "HUBSPOT_TOKEN" in str(caught.value)
    assert "pat-wrong-4242" not in rendered and TOKEN not in rendered

    monkeypatch.delenv("HUBSPOT_TOKEN")
    with pytest.raises(ConfigError, match="set the environment variable HUBSPOT_TOKEN"):
        HubSpotConnector(source(fake), SETTINGS)


def test_secrets_never_reach_the_warehouse_logs_or_errors(fake, warehouse, caplog):
    caplog.set_level(logging.DEBUG)
    fake.server.fail(429, times=1, retry_after=1, path=r"/owners$")
    fake.tickets[sorted(fake.tickets)[0]]["createdate"] = None  # a quarantined row
    run(fake, warehouse)
    assert any("retrying" in r.getMessage() for r in caplog.records)

    dump = []
    with warehouse.reading() as conn:
        for name in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
            dump.append(f"{name}: {rows!r}")
    fake.server.fail(500, times=None, path=r"/pipelines/tickets$")
    with pytest.raises(SourceError) as caught:
        run(fake, warehouse)
    error = "".join(traceback.format_exception(caught.value))
    logs = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    for secret in (TOKEN, f"Bearer {TOKEN}"):
        assert secret not in "\n".join(dump) and secret not in logs and secret not in error
    assert "quarantine" in "\n".join(dump)


# -- mapping rules --------------------------------------------------------------------------
def test_mapping_rules(tmp_path):
    assert load_mapping() == HsMapping()  # the shipped file equals the built-in defaults
    mapper = HsMapper(HsMapping(), {})
    record = {
        "id": "9",
        "properties": {
            "createdate": "2024-01-01T09:00:00",  # naive: UTC
            "hs_lastmodifieddate": "1704103200000",  # milliseconds are accepted too
            "hs_pipeline": "0",
            "hs_pipeline_stage": "99",  # a stage the pipelines call did not list
            "hs_ticket_priority": "urgent",
            "time_to_first_agent_reply": "600000",
        },
    }
    row = mapper.ticket(record)
    assert str(row["created_at"]) == "2024-01-01 09:00:00+00:00"
    assert str(row["updated_at"]) == "2024-01-01 10:00:00+00:00"
    assert (row["status"], row["priority"]) == ("99", 1)
    assert str(row["first_response_at"]) == "2024-01-01 09:10:00+00:00"  # from the duration
    assert hs_instant("2024-05-01T10:00:00.700Z", "x") == pd.Timestamp("2024-05-01T10:00:00.7Z")
    survey = {"id": "4", "properties": {"hs_survey_type": "KNOWLEDGE", "hs_value": "1"}}
    assert mapper.survey(survey) is None

    custom = tmp_path / "hs.yaml"
    custom.write_text("survey_scales: {CSAT: smileback}\npriority: {P1: 1}\n")
    mapping = load_mapping(custom)
    assert mapping.survey_scales == {"CSAT": "smileback"} and mapping.priority == {"P1": 1}
    custom.write_text("survey_scales: {CSAT: stars10}\n")
    with pytest.raises(ConfigError, match="not one of"):
        load_mapping(custom)
    custom.write_text("statuses: {}\n")
    with pytest.raises(ConfigError, match="unknown key"):
        load_mapping(custom)
    assert iso(parse_instant("2024-01-01T00:00:00Z")) == "2024-01-01T00:00:00.000Z"
