"""The HubSpot connector end to end: a fake HubSpot over real HTTP, a DuckDB warehouse and the
sync engine (companies, contacts and associations included); plus the mapping rules the
reference leaves UNCONFIRMED."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

import httpx
import pandas as pd
import pytest
from sqlalchemy import inspect, text

from deskmetrics.connectors import get_connector
from deskmetrics.connectors.connectwise_fields import Malformed
from deskmetrics.connectors.http import SourceError
from deskmetrics.connectors.hubspot import HubSpotConnector
from deskmetrics.connectors.hubspot_api import epoch_ms, hs_instant
from deskmetrics.connectors.hubspot_assoc import Associations, associations_prefix
from deskmetrics.connectors.hubspot_map import HsMapper, HsMapping, load_mapping
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.connectors.sync import parse_instant, sync_source
from deskmetrics.errors import ConfigError
from deskmetrics.warehouse.engine import Warehouse
from fakes.checks import table, vendor_settings
from fakes.hubspot import ENV, SECRETS, TOKEN, FakeHubSpot, iso, rate_limit_body

SETTINGS = vendor_settings("hubspot")
CANONICAL = ("clients", "contacts", "technicians", "tickets", "status_changes", "surveys")
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
        commit_records=1,  # each page its own commit, so resume tests see page positions
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
        {
            "tech_id": "101",
            "name": "Kim Lee",
            "team": "Service Desk",
            "tier": None,
            "role": None,
            "weekly_hours": None,
        },
        {
            "tech_id": "102",
            "name": "Sam Ortiz",
            "team": "Escalations",
            "tier": None,
            "role": None,
            "weekly_hours": None,
        },
        {
            "tech_id": "103",
            "name": "Old Timer",
            "team": None,
            "tier": None,
            "role": None,
            "weekly_hours": None,
        },  # archived owner
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


# -- companies, contacts and associations -----------------------------------------------------
def test_full_sync_links_tickets_to_their_primary_company_and_contact(fake, warehouse):
    run(fake, warehouse)

    tickets = table(warehouse, "tickets").set_index("ticket_id")
    for ticket_id in fake.tickets:
        contacts = fake.linked("tickets", ticket_id, "contacts")
        row = tickets.loc[str(ticket_id)]
        assert _none(row["client_id"]) == fake.primary_company(ticket_id)
        assert _none(row["contact_id"]) == (str(contacts[0]) if contacts else None)
    shared = [t for t in fake.tickets if len(fake.linked("tickets", t, "companies")) > 1]
    assert shared  # tickets with a second company keep their primary one, not the lowest id
    assert all(tickets.loc[str(t), "client_id"] != "9001" for t in shared)
    alone = [t for t in fake.tickets if not fake.linked("tickets", t, "companies")]
    assert alone and tickets.loc[[str(t) for t in alone], "client_id"].isna().all()


def test_companies_land_in_clients_and_contacts_in_contacts(fake, warehouse, tmp_path):
    mapping = tmp_path / "hubspot.yaml"
    mapping.write_text("seats_property: managed_seats\n")
    run(fake, warehouse, mapping=str(mapping))

    clients = table(warehouse, "clients").set_index("client_id")
    assert sorted(clients.index) == sorted(str(c) for c in fake.companies)
    for company_id, props in fake.companies.items():
        assert clients.loc[str(company_id), "name"] == props["name"]
        assert clients.loc[str(company_id), "seats"] == int(props["managed_seats"])
    contacts = table(warehouse, "contacts").set_index("contact_id")
    assert sorted(contacts.index) == sorted(str(c) for c in fake.contacts)
    for contact_id, props in fake.contacts.items():
        row = contacts.loc[str(contact_id)]
        assert row["client_id"] == props["associatedcompanyid"]
        assert row["name"] == f"{props['firstname']} {props['lastname']}"
        assert row["email"] == props["email"]
    # every ticket's client is a loaded client: the dashboards can name it
    linked = table(warehouse, "tickets")["client_id"].dropna()
    assert set(linked) <= set(clients.index)
    searched = [s["body"] for s in fake.searches if s["object"] == "contacts"]
    assert [f["propertyName"] for f in searched[0]["sorts"]][0] == "lastmodifieddate"
    order = [s["object"] for s in fake.searches]
    assert order.index("companies") < order.index("contacts") < order.index("tickets")


def test_surveys_are_linked_to_their_ticket_contact_and_client(fake, warehouse):
    relationship = fake.add_survey("NPS", 9, contact=503)  # no ticket: the contact's company
    run(fake, warehouse)

    surveys = table(warehouse, "surveys").set_index("response_id")
    checked = 0
    for fid, props in fake.feedback.items():
        if props["hs_survey_type"] == "CUSTOM":
            continue
        row = surveys.loc[f"hubspot:{fid}"]
        tickets = fake.linked("feedback_submissions", fid, "tickets")
        contact = fake.linked("feedback_submissions", fid, "contacts")[0]
        assert _none(row["ticket_id"]) == (str(tickets[0]) if tickets else None)
        company = fake.primary_company(tickets[0]) if tickets else None
        expected = company or fake.contacts[contact]["associatedcompanyid"]
        assert row["client_id"] == expected
        checked += 1
    assert checked == len(surveys)
    assert surveys.loc[f"hubspot:{relationship}", "client_id"] == "9002"
    assert pd.isna(surveys.loc[f"hubspot:{relationship}", "ticket_id"])
    # a survey on a ticket without a company takes its contact's company, and the contact is
    # the associated one, not hs_contact_id (which names contact 501 of company 9001)
    orphan = next(f for f, p in fake.feedback.items() if p.get("hs_ticket_id") == "1001")
    assert fake.primary_company(1001) is None
    assert surveys.loc[f"hubspot:{orphan}", "client_id"] == "9002"


def test_a_ticket_moved_to_another_company_is_relinked_by_the_incremental_sync(fake, warehouse):
    run(fake, warehouse)
    newest = max(parse_instant(c["hs_lastmodifieddate"]) for c in fake.companies.values())
    moved = sorted(fake.tickets)[1]
    before = table(warehouse, "tickets").set_index("ticket_id").loc[str(moved), "client_id"]
    newcomer = fake.add_company("Elm Clinic")
    fake.move_ticket(moved, newcomer)
    fake.searches.clear()
    fake.server.clear_log()

    run(fake, warehouse)

    returned = {s["object"]: s["returned"] for s in fake.searches}
    since = newest - timedelta(minutes=5)  # the source's overlap
    recent = [
        c for c in fake.companies.values() if parse_instant(c["hs_lastmodifieddate"]) >= since
    ]
    assert returned["companies"] == len(recent) < len(fake.companies)  # incremental
    tickets = table(warehouse, "tickets").set_index("ticket_id")
    assert before != str(newcomer)
    assert tickets.loc[str(moved), "client_id"] == str(newcomer)
    assert table(warehouse, "clients").set_index("client_id").loc[str(newcomer), "name"] == (
        "Elm Clinic"
    )
    reads = fake.server.requests(r"/crm/v4/associations/tickets/companies/batch/read")
    assert reads and all(r.status in (200, 207) for r in reads)


def test_association_reads_are_batched_per_page(env, warehouse):
    with FakeHubSpot(tickets=23) as fake:
        for attempt in ("full", "incremental"):
            if attempt == "incremental":
                for ticket_id in sorted(fake.tickets)[:7]:
                    fake.update_ticket(ticket_id, subject="edited")
                fake.searches.clear()
                fake.server.clear_log()
            run(fake, warehouse, page_size=5)
            log = [r.path for r in fake.server.log]
            objects = "/crm/v3/objects"
            start = log.index(f"{objects}/tickets/search")
            end = log.index(f"{objects}/feedback_submissions/search")
            during = [p for p in log[start:end] if "/associations/" in p]
            pages = [s for s in fake.ticket_searches() if s["returned"]]
            assert len(during) == len(pages) * 2  # companies and contacts, once per page
            ticket_reads = [
                r for r in fake.assoc_reads if r["from"] == "tickets" and len(r["inputs"])
            ][: len(during)]
            sizes = sorted(len(r["inputs"]) for r in ticket_reads)
            assert sizes == sorted([s["returned"] for s in pages] * 2)
            feedback_pages = [s for s in fake.searches if s["object"] == "feedback_submissions"]
            after = [p for p in log[end:] if "/associations/" in p]
            assert len(after) <= 4 * len(feedback_pages)  # at most four per page of surveys
            assert after or attempt == "incremental"  # (a page of CUSTOM surveys needs none)
            fake.assoc_reads.clear()
        assert not fake.server.errors


def test_one_records_many_links_are_paged_and_big_pages_are_split(env):
    with FakeHubSpot(tickets=10, assoc_page=1) as fake:
        connector = HubSpotConnector(source(fake), SETTINGS)
        reader = Associations(connector.searcher(), "/crm/v4/associations", batch=4)
        ids = [str(t) for t in sorted(fake.tickets)]
        links = reader.read("tickets", "companies", ids)
        connector.close()
        for ticket_id in fake.tickets:
            got = sorted(int(link.to_id) for link in links.get(str(ticket_id), []))
            assert got == fake.linked("tickets", ticket_id, "companies")
        first = [r for r in fake.assoc_reads if not any("after" in i for i in r["inputs"])]
        assert [len(r["inputs"]) for r in first] == [4, 4, 2]  # 10 ids in batches of 4
        follow = [r for r in fake.assoc_reads if r not in first]
        shared = [t for t in fake.tickets if len(fake.linked("tickets", t, "companies")) > 1]
        assert follow and {i["id"] for r in follow for i in r["inputs"]} == {str(t) for t in shared}
        assert not fake.server.errors


def test_association_errors_other_than_no_links_stop_the_sync(fake, warehouse):
    body = {
        "status": "COMPLETE",
        "results": [],
        "errors": [{"status": "error", "category": "VALIDATION_ERROR", "message": "bad id"}],
    }
    fake.server.fail(207, times=None, path=r"/batch/read$", body=body)
    with pytest.raises(SourceError, match="could not read the associations.*VALIDATION_ERROR"):
        run(fake, warehouse)
    assert table(warehouse, "tickets").empty  # nothing loaded with links read as empty
    fake.server.clear_faults()
    unauthenticated = httpx.post(
        fake.url + "/crm/v4/associations/tickets/companies/batch/read", json={"inputs": []}
    )
    assert unauthenticated.status_code == 401  # the same bearer check as every other route


def _none(value: object) -> object:
    return None if pd.isna(value) else value


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
    dated = dict(prefix="/proxy/crm/2025-09", assoc_prefix="/proxy/crm/associations/2026-03")
    with FakeHubSpot(tickets=8, **dated) as fake:
        filters = [{"propertyName": "hs_pipeline", "operator": "EQ", "value": "0"}]
        run(
            fake,
            warehouse,
            api_prefix="proxy/crm/2025-09/",
            associations_prefix="/proxy/crm/associations/2026-03",
            ticket_filters=filters,
        )
        paths = {r.path for r in fake.server.log}
        objects = "/proxy/crm/2025-09/objects"
        links = "/proxy/crm/associations/2026-03"
        assert paths == {
            "/proxy/crm/2025-09/owners",
            "/proxy/crm/2025-09/pipelines/tickets",
            *(f"{objects}/{o}/search" for o in ("companies", "contacts", "tickets")),
            f"{objects}/feedback_submissions/search",
            f"{links}/tickets/companies/batch/read",
            f"{links}/tickets/contacts/batch/read",
            f"{links}/feedback_submissions/tickets/batch/read",
            f"{links}/feedback_submissions/contacts/batch/read",
            f"{links}/contacts/companies/batch/read",
        }
        support = {str(i) for i, p in fake.tickets.items() if p["hs_pipeline"] == "0"}
        tickets = table(warehouse, "tickets").set_index("ticket_id")
        assert set(tickets.index) == support
        assert tickets["client_id"].notna().any()  # the associations came through the prefix
        assert not fake.server.errors

        with pytest.raises(ConfigError, match=r"unknown key\(s\) \['pipelines'\]"):
            HubSpotConnector(source(fake, pipelines=["0"]), SETTINGS)
        with pytest.raises(ConfigError, match="ticket_filters"):
            HubSpotConnector(source(fake, ticket_filters=[{"propertyName": "x"}]), SETTINGS)
        with pytest.raises(ConfigError, match="does not exist"):
            HubSpotConnector(source(fake, mapping="nowhere/hs.yaml"), SETTINGS)


def test_the_associations_prefix_follows_a_v3_api_prefix(env, warehouse):
    assert associations_prefix("/crm/v3") == "/crm/v4/associations"
    assert associations_prefix("/crm/2025-09") == "/crm/2025-09/associations"
    assert associations_prefix("/crm/v3", "crm/associations/2026-03/") == (
        "/crm/associations/2026-03"
    )
    with FakeHubSpot(
        tickets=4, prefix="/gw/crm/v3", assoc_prefix="/gw/crm/v4/associations"
    ) as fake:
        run(fake, warehouse, api_prefix="gw/crm/v3")
        assert fake.server.requests(r"/gw/crm/v4/associations/tickets/companies/batch/read")
        assert all(r.status < 400 for r in fake.server.log)
        assert not fake.server.errors


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
    custom.write_text("seats_property: [a]\n")
    with pytest.raises(ConfigError, match="seats_property"):
        load_mapping(custom)

    seated = HsMapper(HsMapping(seats_property="managed_seats"), {})
    company = {"id": "7", "properties": {"name": " Acme ", "managed_seats": "25.0"}}
    assert seated.client(company) == {"client_id": "7", "name": "Acme", "seats": 25}
    assert mapper.client(company)["seats"] is None  # no seats property named: unknown
    with pytest.raises(Malformed, match="managed_seats is not a number"):
        seated.client({"id": "7", "properties": {"managed_seats": "lots"}})
    person = {"id": "8", "properties": {"firstname": "Ana", "email": "a@x.example"}}
    assert HsMapper.contact(person) == {
        "contact_id": "8",
        "client_id": None,
        "name": "Ana",
        "email": "a@x.example",
    }
    assert iso(parse_instant("2024-01-01T00:00:00Z")) == "2024-01-01T00:00:00.000Z"


def test_a_ticket_archived_in_hubspot_is_removed_with_its_history(env, warehouse):
    with FakeHubSpot(tickets=40, cap=12) as fake:
        run(fake, warehouse, page_size=5, search_cap=12)
        gone = sorted(fake.tickets)[7]
        assert len(table(warehouse, "status_changes").query(f"ticket_id == '{gone}'")) > 0
        fake.archive_ticket(gone)
        fake.searches.clear()
        run(fake, warehouse, page_size=5, search_cap=12)  # incremental, reconciled an hour ago
        assert fake.ticket_listings() == []
        assert str(gone) in set(table(warehouse, "tickets")["ticket_id"])
        config = source(fake, 5, search_cap=12)
        connector = HubSpotConnector(config, SETTINGS, sleep=lambda seconds: None)
        report = sync_source(warehouse, SETTINGS, config, connector=connector, full=True)
        assert report.streams["tickets"].reconciled and report.streams["tickets"].removed == 1
        tickets = table(warehouse, "tickets")
        assert len(tickets) == 39 and str(gone) not in set(tickets["ticket_id"])
        assert len(table(warehouse, "status_changes").query(f"ticket_id == '{gone}'")) == 0
        listings = fake.ticket_listings()
        # ids only, past the search cap by moving the cursor on the creation date
        assert sum(s["returned"] for s in listings) == 39 and len(listings) > 39 // 12
        assert all(s["status"] == 200 for s in listings)
