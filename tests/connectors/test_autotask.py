"""The Autotask connector end to end: a fake Autotask over real HTTP, a DuckDB warehouse and
the sync engine; plus the mapping rules the reference leaves UNCONFIRMED."""

from __future__ import annotations

import json
import logging
import traceback
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import inspect, text

from deskmetrics.connectors import get_connector
from deskmetrics.connectors.autotask import AutotaskConnector
from deskmetrics.connectors.autotask_api import since_filter
from deskmetrics.connectors.autotask_map import AtMapper, load_mapping
from deskmetrics.connectors.http import SourceError
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.connectors.sync import parse_instant, sync_source
from deskmetrics.errors import ConfigError
from deskmetrics.warehouse.engine import Warehouse
from fakes.autotask import (
    API,
    ENV,
    INTEGRATION_CODE,
    PICKLISTS,
    SECRET,
    SECRETS,
    USERNAME,
    FakeAutotask,
)
from fakes.checks import rows_of, table, vendor_settings

SETTINGS = vendor_settings("autotask")
CANONICAL = (
    "clients",
    "contacts",
    "technicians",
    "tickets",
    "status_changes",
    "ticket_events",
    "time_entries",
    "surveys",
)
LABEL = {k: v for k, v in PICKLISTS["Tickets"].items()}


@pytest.fixture
def env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def fake(env):
    with FakeAutotask(tickets=12) as server:
        yield server
    assert not server.server.errors, server.server.errors[0]


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    return Warehouse(f"duckdb:///{tmp_path / 'at.duckdb'}")


def source(fake: FakeAutotask, page_size: int = 5, base_url=None, **settings) -> SourceConfig:
    return SourceConfig(
        name="at",
        type="autotask",
        base_url=base_url or fake.url,
        secrets=SECRETS,
        page_size=page_size,
        per_minute=0,  # unpaced: the fakes have no limit to stay under
        commit_records=1,  # each page its own commit, so resume tests see page positions
        settings=settings,
    )


def run(fake, warehouse, page_size=5, sleeps=None, **settings):
    config = source(fake, page_size, **settings)
    sleep = sleeps.append if sleeps is not None else (lambda seconds: None)
    connector = AutotaskConnector(config, SETTINGS, sleep=sleep)
    return sync_source(warehouse, SETTINGS, config, connector=connector)


def utc(value: str) -> pd.Timestamp:
    """Autotask sends naive UTC; the warehouse keeps naive UTC."""
    return pd.Timestamp(value)


def ticket_filters(fake) -> list[list[dict]]:
    """The filter of each first-page ticket query (continuations carry the same search)."""
    return [fake.search_of(r)["filter"] for r in fake.ticket_pages()]


# -- full sync ------------------------------------------------------------------------------
def test_full_sync_loads_every_canonical_table(fake, warehouse):
    assert get_connector("autotask") is AutotaskConnector
    report = run(fake, warehouse)

    tickets = table(warehouse, "tickets").set_index("ticket_id")
    assert sorted(tickets.index) == sorted(str(i) for i in fake.tickets)
    done = next(t for t in fake.tickets.values() if t["status"] == 5)
    row = tickets.loc[str(done["id"])]
    assert row["created_at"] == utc(done["createDate"])  # naive vendor time read as UTC
    assert row["status"] == "Complete" and row["status_category"] == "resolved"
    assert row["client_id"] == str(done["companyID"])
    assert row["contact_id"] == str(done["contactID"])
    assert row["board"] == LABEL["queueID"][done["queueID"]]
    assert row["category"] == LABEL["issueType"][done["issueType"]]
    assert row["subcategory"] == LABEL["subIssueType"][done["subIssueType"]]
    assert row["channel"] == LABEL["source"][done["source"]]
    expected_priority = {"Critical": 1, "High": 2, "Medium": 3, "Low": 4}
    assert row["priority"] == expected_priority[LABEL["priority"][done["priority"]]]
    assert row["owner_tech_id"] == str(done["assignedResourceID"])
    assert row["first_response_at"] == utc(done["firstResponseDateTime"])
    assert row["resolved_at"] == utc(done["resolvedDateTime"])
    assert row["closed_at"] == utc(done["completedDate"])
    assert row["updated_at"] == utc(done["lastActivityDate"])
    assert row["response_due_at"] == utc(done["firstResponseDueDateTime"])
    assert row["title"] == done["title"] and row["source"] == "autotask"

    changes = table(warehouse, "status_changes")
    mine = changes[changes["ticket_id"] == str(done["id"])]
    assert list(mine["status"]) == [
        "New",
        "In Progress",
        "Waiting Customer",
        "In Progress",
        "Complete",
    ]
    assert mine.iloc[0]["changed_at"] == row["created_at"]
    assert set(mine["tech_id"].dropna()) == {str(done["assignedResourceID"])}

    events = table(warehouse, "ticket_events")
    kinds = events[events["ticket_id"] == str(done["id"])].set_index("kind")
    assert sorted(kinds.index) == ["agent_reply", "customer_message", "internal_note"]
    assert pd.isna(kinds.loc["customer_message", "tech_id"])
    assert kinds.loc["agent_reply", "tech_id"] == str(done["assignedResourceID"])
    assert len(events) == len(fake.data["TicketNotes"])

    entries = table(warehouse, "time_entries").set_index("entry_id")
    assert len(entries) == len(fake.data["TimeEntries"])
    entry = next(iter(fake.data["TimeEntries"].values()))
    got = entries.loc[str(entry["id"])]
    assert (got["ticket_id"], got["tech_id"]) == (str(entry["ticketID"]), str(entry["resourceID"]))
    assert got["hours"] == entry["hoursWorked"]
    assert got["billable"] == (not entry["isNonBillable"])
    assert got["started_at"] == utc(entry["startDateTime"])

    surveys = table(warehouse, "surveys").set_index("response_id")
    assert len(surveys) == len(fake.data["SurveyResults"]) > 0
    survey = next(iter(fake.data["SurveyResults"].values()))
    got = surveys.loc[str(survey["id"])]
    assert (got["scale"], got["rating"], got["source"]) == (
        "stars5",
        survey["surveyRating"],
        "autotask",
    )
    assert got["ticket_id"] == str(survey["ticketID"]) and got["client_id"] == str(
        survey["companyID"]
    )
    assert got["submitted_at"] == utc(survey["completeDate"])
    assert got["sentiment"] in {"positive", "neutral", "negative"}

    assert table(warehouse, "clients").to_dict("records") == [
        {"client_id": "29683001", "name": "Acme Dental", "seats": None},
        {"client_id": "29683002", "name": "Birch & Co", "seats": None},
    ]
    contacts = table(warehouse, "contacts")
    assert contacts.iloc[0].to_dict() == {
        "contact_id": "30682001",
        "client_id": "29683001",
        "name": "Dana Fox",
        "email": "dana@fox.example",
    }
    assert list(table(warehouse, "technicians")["name"]) == ["Kim Lee", "Sam Ortiz"]
    assert report.quarantined == 0 and report.streams["tickets"].batches == 3

    # paging: the first query carries the search, then nextPageUrl (absolute) is followed
    pages = fake.ticket_pages()
    assert [p.method for p in pages] == ["GET"] * 3
    assert [len(json.loads(p.arg("search"))["filter"]) for p in pages] == [2, 2, 2]
    assert [p.arg("after") for p in pages] == [
        None,
        str(sorted(fake.tickets)[4]),
        str(sorted(fake.tickets)[9]),
    ]
    first = fake.search_of(pages[0])
    assert first["MaxRecords"] == 5
    assert first["filter"] == [
        {"op": "gt", "field": "lastActivityDate", "value": "1999-12-31T23:59:59Z"},
        {"op": "gt", "field": "id", "value": 0},
    ]
    # picklists fetched once; notes in one `in` query per ticket page; history per ticket
    assert len(fake.server.requests(API + "/Tickets/entityInformation/fields")) == 1
    note_queries = [r for r in fake.queries("TicketNotes") if r.arg("after") is None]
    assert len(note_queries) == 3  # one per ticket page (plus nextPageUrl continuations)
    assert fake.search_of(note_queries[0])["filter"][0]["op"] == "in"
    history = [fake.search_of(r)["filter"] for r in fake.queries("TicketHistory")]
    assert sorted(f[0]["value"] for f in history) == sorted(fake.tickets)
    entries_filter = fake.search_of(fake.queries("TimeEntries")[0])["filter"]
    assert {"op": "exist", "field": "ticketID"} in entries_filter


def test_zone_discovery(fake, warehouse):
    discovery = fake.server.url + API + "/zoneInformation"
    config = source(fake, base_url="https://webservices.autotask.net/atservicesrest/v1.0")
    config = config.model_copy(update={"settings": {"zone_discovery_url": discovery}})
    connector = AutotaskConnector(config, SETTINGS, sleep=lambda s: None)
    sync_source(warehouse, SETTINGS, config, connector=connector)
    zone = fake.server.requests(API + "/zoneInformation")
    assert len(zone) == 1 and zone[0].arg("user") == USERNAME
    assert len(table(warehouse, "tickets")) == len(fake.tickets)

    bad = source(fake, zone_discovery_url=fake.server.url + API + "/zoneInformation")
    connector = AutotaskConnector(bad, SETTINGS, sleep=lambda s: None)
    fake.server.fail(500, times=None, path="zoneInformation$")
    with pytest.raises(SourceError, match="zone discovery failed"):
        connector.streams()


# -- incremental ----------------------------------------------------------------------------
def test_incremental_sync_fetches_only_changed_records(fake, warehouse):
    run(fake, warehouse)
    newest = max(fake.tickets.values(), key=lambda t: t["lastActivityDate"])
    changed = sorted(fake.tickets)[3]
    fake.change_status(changed, "Complete")
    fake.server.clear_log()

    run(fake, warehouse)

    cursor = parse_instant(newest["lastActivityDate"])
    expected = since_filter("lastActivityDate", cursor - timedelta(minutes=5))
    assert ticket_filters(fake) == [[expected, {"op": "gt", "field": "id", "value": 0}]]
    # the changed ticket, plus the newest one of the first sync inside the overlap
    got = [item["id"] for r in fake.ticket_pages() for item in _items(fake, r)]
    assert sorted(got) == sorted({changed, newest["id"]})
    audited = {fake.search_of(r)["filter"][0]["value"] for r in fake.queries("TicketHistory")}
    assert audited == {changed, newest["id"]}
    notes = fake.search_of(fake.queries("TicketNotes")[0])["filter"][0]["value"]
    assert sorted(notes) == sorted({changed, newest["id"]})
    # picklists again (once per sync), nothing else per ticket
    assert len(fake.server.requests(API + "/Tickets/entityInformation/fields")) == 1

    tickets = table(warehouse, "tickets").set_index("ticket_id")
    assert len(tickets) == len(fake.tickets)
    assert tickets.loc[str(changed), "status"] == "Complete"
    assert tickets.loc[str(changed), "updated_at"] == utc(fake.tickets[changed]["lastActivityDate"])
    changes = table(warehouse, "status_changes")
    last = changes[changes["ticket_id"] == str(changed)].sort_values("changed_at").iloc[-1]
    assert (last["status"], last["tech_id"]) == ("Complete", "29682886")


def _items(fake, logged) -> list[dict]:
    """Replay a logged query's filter against the fake's data (the log keeps no bodies)."""
    from fakes.autotask import _all

    keep = _all(fake.search_of(logged)["filter"])
    after = int(logged.arg("after") or 0)
    return [r for r in fake.tickets.values() if r["id"] > after and keep(r)]


# -- deletions at the source ----------------------------------------------------------------
def sync(fake, warehouse, *, full=False, reconcile_days=7, **settings):
    config = source(fake, **settings).model_copy(update={"reconcile_days": reconcile_days})
    connector = AutotaskConnector(config, SETTINGS, sleep=lambda seconds: None)
    return sync_source(warehouse, SETTINGS, config, connector=connector, full=full)


def worked_ticket(fake) -> int:
    """A ticket with status changes, notes and time entries, so each child table is tested."""
    timed = {e["ticketID"] for e in fake.data["TimeEntries"].values()}
    history = [h["ticketID"] for h in fake.data["TicketHistory"].values()]
    return next(i for i in sorted(fake.tickets) if i in timed and history.count(i) > 2)


def test_a_ticket_deleted_at_the_source_goes_with_its_history_on_a_full_sync(fake, warehouse):
    sync(fake, warehouse)
    gone = worked_ticket(fake)
    assert all(rows_of(warehouse, gone).values())
    kept = {n: len(table(warehouse, n)) - k for n, k in rows_of(warehouse, gone).items()}
    fake.delete_ticket(gone)
    fake.server.clear_log()

    report = sync(fake, warehouse, full=True)

    assert report.streams["tickets"].reconciled
    assert rows_of(warehouse, gone) == dict.fromkeys(kept, 0)
    assert {n: len(table(warehouse, n)) for n in kept} == kept
    assert set(table(warehouse, "tickets")["ticket_id"]) == {str(i) for i in fake.tickets}
    # the listing asks for ids only, as many a page as Autotask allows
    (listing,) = fake.id_listings()
    assert fake.search_of(listing) == {
        "filter": [{"op": "gt", "field": "id", "value": 0}],
        "MaxRecords": 500,
        "IncludeFields": ["id"],
    }


def test_the_id_listing_follows_next_page_urls_and_the_fake_answers_ids_only(env):
    with FakeAutotask(tickets=1203) as fake:
        connector = AutotaskConnector(source(fake), SETTINGS, sleep=lambda seconds: None)
        stream = next(s for s in connector.streams() if s.name == "tickets")
        live = stream.live_keys()
        pages = list(live.pages)
        assert (live.table, live.source) == ("tickets", "autotask")
        assert [len(p) for p in pages] == [500, 500, 203]
        assert [i for p in pages for i in p] == [str(i) for i in sorted(fake.tickets)]
        assert [r.arg("after") for r in fake.id_listings()] == [None, pages[0][-1], pages[1][-1]]

        def query(fields):
            search = {"filter": [{"op": "gt", "field": "id", "value": 0}], "MaxRecords": 2}
            params = {"search": json.dumps(search | {"IncludeFields": fields})}
            return connector.client.request("GET", "Tickets/query", params=params).json()

        assert query(["ID"])["items"] == [{"id": i} for i in sorted(fake.tickets)[:2]]
        with pytest.raises(SourceError, match="HTTP 400"):
            query(["title"])  # past one page Autotask needs the id among IncludeFields
        connector.close()


def test_incremental_syncs_list_ids_only_when_reconciliation_is_due(fake, warehouse):
    sync(fake, warehouse)  # the first sync reconciles
    gone = worked_ticket(fake)
    fake.delete_ticket(gone)
    fake.server.clear_log()

    report = sync(fake, warehouse)
    assert not report.streams["tickets"].reconciled and not fake.id_listings()
    assert rows_of(warehouse, gone)["tickets"] == 1  # nothing told the sync it went

    report = sync(fake, warehouse, reconcile_days=0)
    assert report.streams["tickets"].reconciled and len(fake.id_listings()) == 1
    assert not any(rows_of(warehouse, gone).values())


def test_the_id_listing_keeps_to_the_ticket_filter(fake, warehouse):
    queue = {"op": "eq", "field": "queueID", "value": 29683487}
    sync(fake, warehouse, ticket_filter=queue)
    level_one = sorted(i for i, t in fake.tickets.items() if t["queueID"] == 29683487)
    fake.delete_ticket(level_one[0])
    fake.update_ticket(level_one[1], queueID=29683488)
    fake.server.clear_log()

    sync(fake, warehouse, full=True, ticket_filter=queue)

    assert [fake.search_of(r)["filter"][1:] for r in fake.id_listings()] == [[queue]]
    # deleted, or moved out of the synced queue: neither is left as if it were current
    assert set(table(warehouse, "tickets")["ticket_id"]) == {str(i) for i in level_one[2:]}


# -- faults ---------------------------------------------------------------------------------
def test_rate_limits_and_transient_errors_are_retried(fake, warehouse):
    limited = fake.server.fail(429, times=2, retry_after=7, path=r"/Tickets/query$")
    broken = fake.server.fail(500, times=1, path=r"/TicketHistory/query$")
    sleeps: list[float] = []

    report = run(fake, warehouse, sleeps=sleeps)

    assert (limited.fired, broken.fired) == (2, 1)
    assert sleeps.count(7.0) == 2  # Retry-After honoured
    assert len(sleeps) == 3
    assert [p.status for p in fake.ticket_pages()][:3] == [429, 429, 200]
    assert report.streams["tickets"].records == len(fake.tickets)
    assert len(table(warehouse, "tickets")) == len(fake.tickets)


def test_malformed_records_are_quarantined_and_the_rest_loads(fake, warehouse):
    ids = sorted(fake.tickets)
    fake.tickets[ids[1]]["createDate"] = "last Tuesday"
    fake.tickets[ids[2]]["status"] = 99  # not in the picklist
    note = next(n for n in fake.data["TicketNotes"].values() if n["ticketID"] == ids[5])
    note["createDateTime"] = "2024-13-45T99:00:00"
    stamp = "2024-03-01T00:00:00"
    fake.data["Contacts"][7] = {"id": 7, "companyID": 29683001, "firstName": None}  # fine
    fake.data["TimeEntries"][5] = {
        "id": 5,
        "ticketID": ids[0],
        "hoursWorked": "lots",
        "lastModifiedDateTime": stamp,
    }
    fake.data["SurveyResults"][6] = {
        "id": 6,
        "ticketID": 1,
        "surveyRating": 9.0,
        "completeDate": stamp,
    }

    report = run(fake, warehouse)

    quarantine = table(warehouse, "quarantine").set_index(["stream", "record_key"])
    assert quarantine["reason"].to_dict() == {
        ("tickets", str(ids[1])): "createDate is not an ISO timestamp: 'last Tuesday'",
        ("tickets", str(ids[2])): "status 99 is not in the Tickets status picklist",
        ("tickets", f"{ids[5]}/note/{note['id']}"): "note: createDateTime is not an ISO "
        "timestamp: '2024-13-45T99:00:00'",
        ("time_entries", "5"): "hoursWorked is missing or not a number of hours: 'lots'",
        ("surveys", "6"): "surveyRating is not a 1-5 rating: 9.0",
    }
    payload = json.loads(quarantine.loc[("tickets", str(ids[1])), "payload"])
    assert payload["id"] == ids[1] and payload["createDate"] == "last Tuesday"
    assert report.quarantined == 5
    loaded = set(table(warehouse, "tickets")["ticket_id"])
    assert loaded == {str(i) for i in ids} - {str(ids[1]), str(ids[2])}
    assert len(table(warehouse, "contacts")) == 4


# -- crash and rerun ------------------------------------------------------------------------
def test_crash_after_two_pages_then_rerun_equals_a_clean_run(env, tmp_path):
    with FakeAutotask(tickets=20) as fake:
        clean = Warehouse(f"duckdb:///{tmp_path / 'clean.duckdb'}")
        run(fake, clean, page_size=4)
        assert len(fake.ticket_pages()) == 5

        crashed = Warehouse(f"duckdb:///{tmp_path / 'crashed.duckdb'}")
        fake.server.fail(500, times=None, after=2, path=r"/Tickets/query$")
        fake.server.clear_log()
        with pytest.raises(SourceError, match=r"HTTP 500 from /?Tickets/query after \d+ attempts"):
            run(fake, crashed, page_size=4)
        assert len(table(crashed, "tickets")) == 8
        committed = sorted(fake.tickets)[:8]

        fake.server.clear_faults()
        fake.server.clear_log()
        report = run(fake, crashed, page_size=4)

        assert report.streams["tickets"].resumed
        pages = fake.ticket_pages()
        assert len(pages) == 3
        assert fake.search_of(pages[0])["filter"][-1] == {
            "op": "gt",
            "field": "id",
            "value": committed[-1],
        }
        audited = {fake.search_of(r)["filter"][0]["value"] for r in fake.queries("TicketHistory")}
        assert audited == set(sorted(fake.tickets)[8:])
        for name in CANONICAL:
            pd.testing.assert_frame_equal(table(crashed, name), table(clean, name))
        assert not fake.server.errors


# -- credentials and secrets ----------------------------------------------------------------
SECRET_TEXTS = (SECRET, INTEGRATION_CODE, USERNAME)


def test_wrong_credentials_give_a_clear_error_without_the_secret(fake, warehouse, monkeypatch):
    monkeypatch.setenv("AT_SECRET", "not-the-right-secret-4242")
    with pytest.raises(SourceError) as caught:
        run(fake, warehouse)
    message = str(caught.value)
    assert "HTTP 401" in message and "AT_SECRET" in message
    rendered = "".join(traceback.format_exception(caught.value))
    for secret in (*SECRET_TEXTS, "not-the-right-secret-4242"):
        assert secret not in rendered
    assert fake.server.log[0].status == 401

    monkeypatch.delenv("AT_INTEGRATION_CODE")
    with pytest.raises(ConfigError, match="set the environment variable AT_INTEGRATION_CODE"):
        AutotaskConnector(source(fake), SETTINGS)


def test_secrets_never_reach_the_warehouse_logs_or_errors(fake, warehouse, caplog):
    caplog.set_level(logging.DEBUG)
    fake.server.fail(429, times=1, retry_after=1, path=r"/Contacts/query$")
    fake.server.fail(503, times=1, path=r"/zoneInformation$")
    fake.tickets[sorted(fake.tickets)[0]]["createDate"] = None  # a quarantined row
    run(fake, warehouse, zone_discovery_url=fake.url + "/zoneInformation")
    assert any("retrying" in r.getMessage() for r in caplog.records)

    dump = []
    with warehouse.reading() as conn:
        for name in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
            dump.append(f"{name}: {rows!r}")
    fake.server.fail(500, times=None, path=r"/Companies/query$")
    with pytest.raises(SourceError) as caught:
        run(fake, warehouse)
    error = "".join(traceback.format_exception(caught.value))
    logs = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    for secret in SECRET_TEXTS:
        assert secret not in "\n".join(dump)
        assert secret not in logs
        assert secret not in error
    assert "quarantine" in "\n".join(dump)


# -- settings and mapping rules -------------------------------------------------------------
def test_settings_are_validated_and_optional_streams_skipped(fake, warehouse):
    queue = {"op": "eq", "field": "queueID", "value": 29683487}
    run(fake, warehouse, ticket_filter=queue, status_history=False, surveys=False)
    assert all(queue in f for f in ticket_filters(fake))
    level_one = {str(i) for i, t in fake.tickets.items() if t["queueID"] == 29683487}
    assert set(table(warehouse, "tickets")["ticket_id"]) == level_one
    assert not fake.queries("TicketHistory") and not fake.queries("SurveyResults")
    assert table(warehouse, "status_changes").empty

    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['queues'\]"):
        AutotaskConnector(source(fake, queues=[1]), SETTINGS)
    with pytest.raises(ConfigError, match="workers"):
        AutotaskConnector(source(fake, workers=8), SETTINGS)
    with pytest.raises(ConfigError, match="ticket_filter"):
        AutotaskConnector(source(fake, ticket_filter="queueID=1"), SETTINGS)
    with pytest.raises(ConfigError, match="does not exist"):
        AutotaskConnector(source(fake, mapping="nowhere/at.yaml"), SETTINGS)


def test_note_kinds_history_wording_and_priorities(tmp_path):
    picklists = {
        "Tickets": {"status": {"1": "New", "5": "Complete"}},
        "TicketNotes": {"publish": {"1": "All Autotask Users", "2": "Internal Only", "3": "Other"}},
    }
    mapper = AtMapper(load_mapping(), picklists)
    at = "2024-01-01T00:00:00"
    note = {"ticketID": 7, "createDateTime": at, "creatorResourceID": 4}
    kinds = [
        mapper.event({**note, "createdByContactID": 30, "creatorResourceID": None, "publish": 1}),
        mapper.event({**note, "creatorType": "Contact", "publish": 1}),
        mapper.event({**note, "publish": 1}),
        mapper.event({**note, "publish": 2}),
        mapper.event({**note, "publish": 3}),
    ]
    assert [k["kind"] for k in kinds] == [
        "customer_message",
        "customer_message",
        "agent_reply",
        "internal_note",
        "agent_reply",
    ]
    assert {str(k["at"]) for k in kinds} == {"2024-01-01 00:00:00+00:00"}

    ticket = {"ticket_id": "7", "created_at": pd.Timestamp("2024-01-01T09:00Z")}
    entries = [
        {
            "action": "Edit",
            "detail": "Status: 1 -> 5",
            "date": "2024-01-01T10:00:00",
            "resourceID": 4,
        },
        {
            "action": "Edit",
            "detail": 'Title changed from "a" to "b"',
            "date": "2024-01-01T11:00:00",
        },
    ]
    rows, bad = mapper.status_changes(ticket, entries)
    assert [(r["status"], str(r["changed_at"]), r["tech_id"]) for r in rows] == [
        ("New", "2024-01-01 09:00:00+00:00", None),  # the status it left, at creation
        ("Complete", "2024-01-01 10:00:00+00:00", "4"),  # picklist ids resolved
    ]
    assert bad == []

    assert mapper.priority("Critical") == 1 and mapper.priority("P3 - Medium") == 3
    assert mapper.priority("Whenever") is None

    custom = tmp_path / "at.yaml"
    custom.write_text("status_pattern: 'Status=(.+)'\n")
    with pytest.raises(ConfigError, match="needs a"):
        load_mapping(custom)
    custom.write_text("note_publish: {Public: reply}\n")
    with pytest.raises(ConfigError, match="note_publish"):
        load_mapping(custom)
    custom.write_text("statuses: {}\n")
    with pytest.raises(ConfigError, match="unknown key"):
        load_mapping(custom)

    assert since_filter("lastActivityDate", parse_instant("2024-05-01T10:00:00.700Z")) == {
        "op": "gt",
        "field": "lastActivityDate",
        "value": "2024-05-01T09:59:59Z",
    }
