"""The ConnectWise connector end to end: a fake ConnectWise over real HTTP, a DuckDB warehouse,
and the sync engine; plus the mapping rules the reference leaves UNCONFIRMED."""

from __future__ import annotations

import base64
import json
import logging
import traceback
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import inspect, text

from deskmetrics.connectors.connectwise import ConnectWiseConnector
from deskmetrics.connectors.connectwise_api import next_page_id, parse_link, updated_since
from deskmetrics.connectors.connectwise_config import CwMapping, load_mapping
from deskmetrics.connectors.connectwise_map import CwMapper
from deskmetrics.connectors.http import SourceError
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.connectors.sync import parse_instant, sync_source
from deskmetrics.errors import ConfigError
from deskmetrics.warehouse.engine import Warehouse
from fakes.checks import rows_of, table, vendor_settings
from fakes.connectwise import (
    CLIENT_ID,
    COMPANY_ID,
    ENV,
    PRIVATE_KEY,
    PUBLIC_KEY,
    SECRETS,
    FakeConnectWise,
    iso,
)

SETTINGS = vendor_settings("connectwise")
CANONICAL = (
    "clients",
    "contacts",
    "technicians",
    "tickets",
    "status_changes",
    "ticket_events",
    "time_entries",
)


@pytest.fixture
def env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def fake(env):
    with FakeConnectWise(tickets=12) as server:
        yield server
    assert not server.server.errors, server.server.errors[0]


def source(fake: FakeConnectWise, page_size: int = 5, **settings) -> SourceConfig:
    return SourceConfig(
        name="cw",
        type="connectwise",
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
    connector = ConnectWiseConnector(config, SETTINGS, sleep=sleep)
    return sync_source(warehouse, SETTINGS, config, connector=connector)


def utc(value: str) -> pd.Timestamp:
    """The warehouse keeps naive UTC."""
    return pd.Timestamp(value).tz_convert("UTC").tz_localize(None)


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    return Warehouse(f"duckdb:///{tmp_path / 'cw.duckdb'}")


# -- full sync ------------------------------------------------------------------------------
def test_full_sync_loads_every_canonical_table(fake, warehouse):
    fake.add_charge_code_entry()  # not a service ticket: must be filtered out by conditions
    report = run(fake, warehouse)

    tickets = table(warehouse, "tickets").set_index("ticket_id")
    assert sorted(tickets.index) == sorted(str(i) for i in fake.tickets)
    worked = next(t for t in fake.tickets.values() if t["status"]["name"] == "Closed")
    row = tickets.loc[str(worked["id"])]
    assert row["created_at"] == utc(worked["_info"]["dateEntered"])
    assert row["status"] == "Closed" and row["status_category"] == "closed"
    assert row["client_id"] == str(worked["company"]["id"])
    assert row["contact_id"] == str(worked["contact"]["id"])
    assert (row["board"], row["category"], row["subcategory"], row["item"]) == tuple(
        worked[k]["name"] for k in ("board", "type", "subType", "item")
    )
    assert row["priority"] == int(worked["priority"]["name"][9])
    assert row["channel"] == worked["source"]["name"]
    assert row["owner_tech_id"] == worked["owner"]["identifier"]
    assert row["first_response_at"] == utc(worked["dateResponded"])
    assert row["resolved_at"] == utc(worked["dateResolved"])
    assert row["closed_at"] == utc(worked["closedDate"])
    assert row["updated_at"] == utc(worked["_info"]["lastUpdated"])
    assert (row["title"], row["source"]) == (worked["summary"], "connectwise")

    changes = table(warehouse, "status_changes")
    history = changes[changes["ticket_id"] == str(worked["id"])]
    assert list(history["status"]) == [
        "New",  # the status the first change left, at creation
        "In Progress",
        "Waiting Customer",
        "In Progress",
        "Resolved",
        "Closed",
    ]
    assert history["changed_at"].iloc[0] == row["created_at"]
    assert history["tech_id"].iloc[1] == worked["owner"]["identifier"]
    assert not changes["status"].isin(["x", "y"]).any()  # "Summary changed" is no status

    events = table(warehouse, "ticket_events")
    mine = events[events["ticket_id"] == str(worked["id"])].sort_values("at")
    assert list(mine["kind"]) == ["customer_message", "agent_reply", "internal_note"]
    assert mine["at"].iloc[1] == row["first_response_at"]
    assert pd.isna(mine["tech_id"].iloc[0]) and mine["tech_id"].iloc[1] == row["owner_tech_id"]

    entries = table(warehouse, "time_entries")
    service = {k: e for k, e in fake.time_entries.items() if e["chargeToType"] == "ServiceTicket"}
    assert sorted(entries["entry_id"]) == sorted(str(k) for k in service)
    first = entries.iloc[0]
    source_entry = service[int(first["entry_id"])]
    assert first["hours"] == source_entry["actualHours"]
    assert first["billable"] == (source_entry["billableOption"] == "Billable")
    assert first["tech_id"] == source_entry["member"]["identifier"]

    assert table(warehouse, "clients").to_dict("records") == [
        {"client_id": "250", "name": "Acme Dental", "seats": 25},  # the custom field wins
        {"client_id": "251", "name": "Birch & Co", "seats": 40},
    ]
    contacts = table(warehouse, "contacts")
    assert contacts.iloc[0].to_dict() == {
        "contact_id": "300",
        "client_id": "250",
        "name": "Dana Fox",
        "email": "dana@fox.example",
    }
    assert table(warehouse, "technicians").to_dict("records") == [
        {
            "tech_id": "klee",
            "name": "Kim Lee",
            "team": "Service Desk",
            "tier": 1,
            "role": None,
            "weekly_hours": None,
        },
        {
            "tech_id": "sortiz",
            "name": "Sam Ortiz",
            "team": "Escalations",
            "tier": 2,
            "role": None,
            "weekly_hours": None,
        },
    ]
    assert report.quarantined == 0 and report.streams["tickets"].batches == 3

    pages = fake.ticket_pages()
    assert [p.items for p in pages] == [5, 5, 2]
    assert all(p.headers["pagination-type"] == "forward-only" for p in pages)
    assert [p.arg("pageId") for p in pages[1:]] == [str(sorted(fake.tickets)[i]) for i in (4, 9)]
    assert pages[0].arg("orderBy") == "id asc" and pages[0].arg("pageSize") == "5"
    start = "lastUpdated > [1999-12-31T23:59:59Z]"  # SourceConfig.start, one second earlier
    assert pages[0].arg("conditions") == start
    entries_query = fake.requests_for("/time/entries")[0].arg("conditions")
    assert entries_query == f'({start}) and (chargeToType="ServiceTicket")'
    audit = fake.requests_for("/system/audittrail")
    assert {int(r.arg("id")) for r in audit} == set(fake.tickets)
    assert all(r.arg("type") == "Ticket" for r in audit)


# -- incremental ----------------------------------------------------------------------------
def test_incremental_sync_fetches_only_changed_records(fake, warehouse):
    run(fake, warehouse)
    newest = max(fake.tickets.values(), key=lambda t: t["_info"]["lastUpdated"])
    newest_entry = max(e["_info"]["lastUpdated"] for e in fake.time_entries.values())
    changed = sorted(fake.tickets)[3]
    fake.change_status(changed, "Resolved")
    fake.server.clear_log()

    run(fake, warehouse)

    cursor = parse_instant(newest["_info"]["lastUpdated"])
    expected = updated_since(cursor - timedelta(minutes=5))  # the source's 5-minute overlap
    pages = fake.ticket_pages()
    assert [p.arg("conditions") for p in pages] == [expected]
    # the changed ticket, plus the newest one of the first sync inside the overlap
    assert sum(p.items for p in pages) == 2
    audited = {int(r.arg("id")) for r in fake.requests_for("/system/audittrail")}
    assert audited == {changed, newest["id"]}
    entries_since = updated_since(parse_instant(newest_entry) - timedelta(minutes=5))
    assert fake.requests_for("/time/entries")[0].arg("conditions") == (
        f'({entries_since}) and (chargeToType="ServiceTicket")'
    )

    tickets = table(warehouse, "tickets").set_index("ticket_id")
    assert len(tickets) == len(fake.tickets)
    assert tickets.loc[str(changed), "status"] == "Resolved"
    assert tickets.loc[str(changed), "updated_at"] == utc(
        fake.tickets[changed]["_info"]["lastUpdated"]
    )
    changes = table(warehouse, "status_changes")
    last = changes[changes["ticket_id"] == str(changed)].iloc[-1]
    assert (last["status"], last["tech_id"]) == ("Resolved", "sortiz")


def test_a_record_changed_during_a_sync_is_read_again_next_time(fake, warehouse):
    """The cursor stops at the server time of the window's first page (its Date header): a
    ticket of an early page that changes while later pages are read is not skipped."""
    ids = sorted(fake.tickets)
    started = fake.now  # the fake's Date header
    # changed "during" the sync, after the server answered the first page
    fake.tickets[ids[-1]]["_info"]["lastUpdated"] = iso(started + timedelta(hours=1))
    run(fake, warehouse)
    cursor = table(warehouse, "sync_state").set_index("stream").loc["tickets", "cursor"]
    assert parse_instant(cursor) == started

    fake.tickets[ids[0]]["_info"]["lastUpdated"] = iso(started + timedelta(minutes=30))
    fake.server.clear_log()
    run(fake, warehouse)
    audited = {int(r.arg("id")) for r in fake.requests_for("/system/audittrail")}
    assert audited == {ids[0], ids[-1]}


def test_source_settings(fake, warehouse):
    run(fake, warehouse, ticket_conditions='board/name="Help Desk"', status_history=False)
    pages = fake.ticket_pages()
    assert pages[0].arg("conditions") == (
        '(lastUpdated > [1999-12-31T23:59:59Z]) and (board/name="Help Desk")'
    )
    help_desk = {str(i) for i, t in fake.tickets.items() if t["board"]["name"] == "Help Desk"}
    assert set(table(warehouse, "tickets")["ticket_id"]) == help_desk
    assert not fake.requests_for("/system/audittrail") and fake.requests_for(
        r"/service/tickets/\d+/notes"
    )
    assert table(warehouse, "status_changes").empty

    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['boards'\]"):
        ConnectWiseConnector(source(fake, boards=["Help Desk"]), SETTINGS)
    with pytest.raises(ConfigError, match="does not exist"):
        ConnectWiseConnector(source(fake, mapping="nowhere/cw.yaml"), SETTINGS)


# -- deletions at the source ----------------------------------------------------------------
def sync(fake, warehouse, *, full=False, reconcile_days=7, **settings):
    config = source(fake, **settings).model_copy(update={"reconcile_days": reconcile_days})
    connector = ConnectWiseConnector(config, SETTINGS, sleep=lambda seconds: None)
    return sync_source(warehouse, SETTINGS, config, connector=connector, full=full)


def worked_ticket(fake) -> int:
    """A ticket with status changes, notes and time entries, so each child table is tested."""
    timed = {e["chargeToId"] for e in fake.time_entries.values()}
    return next(i for i in sorted(fake.tickets) if i in timed and len(fake.audit[i]) > 3)


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
    # the listing asks for ids only, as many a page as ConnectWise allows, forward-only
    (listing,) = fake.id_listings()
    assert (listing.arg("fields"), listing.arg("pageSize")) == ("id", "1000")
    assert listing.headers["pagination-type"] == "forward-only"
    assert listing.arg("conditions") is None and listing.items == len(fake.tickets)


def test_the_id_listing_pages_forward_and_the_fake_answers_ids_only(env, warehouse):
    with FakeConnectWise(tickets=1203) as fake:
        config = source(fake)
        connector = ConnectWiseConnector(config, SETTINGS, sleep=lambda seconds: None)
        stream = next(s for s in connector.streams() if s.name == "tickets")
        live = stream.live_keys()
        pages = list(live.pages)
        assert (live.table, live.source) == ("tickets", "connectwise")
        assert [len(p) for p in pages] == [1000, 203]
        assert [i for p in pages for i in p] == [str(i) for i in sorted(fake.tickets)]
        assert [r.arg("pageId") for r in fake.id_listings()] == [None, pages[0][-1]]
        answered = connector.client.request(
            "GET", "service/tickets", params={"fields": "id", "pageSize": "2"}
        ).json()
        assert answered == [{"id": i} for i in sorted(fake.tickets)[:2]]
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


def test_the_id_listing_keeps_to_the_ticket_conditions(fake, warehouse):
    scope = 'board/name="Help Desk"'
    sync(fake, warehouse, ticket_conditions=scope)
    desk = sorted(i for i, t in fake.tickets.items() if t["board"]["name"] == "Help Desk")
    fake.delete_ticket(desk[0])
    fake.update_ticket(desk[1], board=fake.tickets[desk[1]]["board"] | {"name": "Tier 2"})
    fake.server.clear_log()

    sync(fake, warehouse, full=True, ticket_conditions=scope)

    assert [r.arg("conditions") for r in fake.id_listings()] == [scope]
    # deleted, or moved out of the synced scope: neither is left as if it were current
    assert set(table(warehouse, "tickets")["ticket_id"]) == {str(i) for i in desk[2:]}


# -- faults ---------------------------------------------------------------------------------
def test_rate_limits_and_transient_errors_are_retried(fake, warehouse):
    limited = fake.server.fail(429, times=2, retry_after=7, path=r"/service/tickets$")
    broken = fake.server.fail(500, times=1, path=r"/system/audittrail$")
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
    fake.tickets[ids[1]]["_info"]["dateEntered"] = "last Tuesday"
    fake.tickets[ids[2]]["status"] = None
    fake.notes[ids[5]][0]["dateCreated"] = "2024-13-45T99:00:00Z"
    stamp = {"lastUpdated": "2024-03-01T00:00:00Z"}
    fake.companies[999] = {"name": "No id Ltd", "_info": stamp}  # a record without an id
    fake.time_entries[9999] = {
        "id": 9999,
        "chargeToType": "ServiceTicket",
        "actualHours": 1,
        "_info": stamp,
    }

    report = run(fake, warehouse)

    quarantine = table(warehouse, "quarantine").set_index(["stream", "record_key"])
    reasons = quarantine["reason"].to_dict()
    assert reasons == {
        ("companies", "(no id, #2 of its page)"): "id is missing or not a number: None",
        ("tickets", str(ids[1])): "_info.dateEntered is not an ISO timestamp: 'last Tuesday'",
        ("tickets", str(ids[2])): "status.name is missing",
        ("tickets", f"{ids[5]}/note/1"): "note: dateCreated is not an ISO timestamp: "
        "'2024-13-45T99:00:00Z'",
        ("time_entries", "9999"): "chargeToId (the ticket) is missing",
    }
    payload = json.loads(quarantine.loc[("tickets", str(ids[1])), "payload"])
    assert payload["id"] == ids[1] and payload["_info"]["dateEntered"] == "last Tuesday"
    assert report.quarantined == 5
    loaded = set(table(warehouse, "tickets")["ticket_id"])
    assert loaded == {str(i) for i in ids} - {str(ids[1]), str(ids[2])}
    events = table(warehouse, "ticket_events")
    assert (events["ticket_id"] == str(ids[5])).sum() == len(fake.notes[ids[5]]) - 1
    assert len(table(warehouse, "clients")) == 2


# -- crash and rerun ------------------------------------------------------------------------
def test_crash_after_two_pages_then_rerun_equals_a_clean_run(env, tmp_path):
    with FakeConnectWise(tickets=20) as fake:
        clean = Warehouse(f"duckdb:///{tmp_path / 'clean.duckdb'}")
        run(fake, clean, page_size=4)
        assert len(fake.ticket_pages()) == 5

        crashed = Warehouse(f"duckdb:///{tmp_path / 'crashed.duckdb'}")
        fake.server.fail(500, times=None, after=2, path=r"/service/tickets$")
        fake.server.clear_log()
        with pytest.raises(
            SourceError, match=r"HTTP 500 from /?service/tickets after \d+ attempts"
        ):
            run(fake, crashed, page_size=4)
        assert len(table(crashed, "tickets")) == 8
        committed = sorted(fake.tickets)[:8]

        fake.server.clear_faults()
        fake.server.clear_log()
        report = run(fake, crashed, page_size=4)

        assert report.streams["tickets"].resumed
        pages = fake.ticket_pages()
        assert len(pages) == 3
        assert pages[0].arg("conditions").endswith(f"(id > {committed[-1]})")
        audited = {int(r.arg("id")) for r in fake.requests_for("/system/audittrail")}
        assert audited == set(sorted(fake.tickets)[8:])
        for name in CANONICAL:
            pd.testing.assert_frame_equal(table(crashed, name), table(clean, name))
        assert not fake.server.errors


# -- credentials and secrets ----------------------------------------------------------------
SECRET_TEXTS = (
    PRIVATE_KEY,
    PUBLIC_KEY,
    CLIENT_ID,
    base64.b64encode(f"{COMPANY_ID}+{PUBLIC_KEY}:{PRIVATE_KEY}".encode()).decode(),
)


def test_wrong_credentials_give_a_clear_error_without_the_secret(fake, warehouse, monkeypatch):
    monkeypatch.setenv("CW_PRIVATE_KEY", "not-the-right-key-4242")
    with pytest.raises(SourceError) as caught:
        run(fake, warehouse)
    message = str(caught.value)
    assert "HTTP 401" in message and "CW_PRIVATE_KEY" in message
    assert "not-the-right-key-4242" not in message
    assert all(secret not in message for secret in SECRET_TEXTS)
    rendered = "".join(traceback.format_exception(caught.value))
    assert all(secret not in rendered for secret in (*SECRET_TEXTS, "not-the-right-key-4242"))
    assert fake.server.log[0].status == 401

    monkeypatch.delenv("CW_CLIENT_ID")
    with pytest.raises(ConfigError, match="set the environment variable CW_CLIENT_ID"):
        ConnectWiseConnector(source(fake), SETTINGS)


def test_secrets_never_reach_the_warehouse_logs_or_errors(fake, warehouse, caplog):
    caplog.set_level(logging.DEBUG)
    fake.server.fail(429, times=1, retry_after=1, path=r"/company/contacts$")
    fake.tickets[sorted(fake.tickets)[0]]["_info"]["dateEntered"] = None  # a quarantined row
    run(fake, warehouse)
    assert any("retrying" in r.getMessage() for r in caplog.records)

    dump = []
    with warehouse.reading() as conn:
        for name in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
            dump.append(f"{name}: {rows!r}")
    logs = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    errors = []
    fake.server.fail(500, times=None, path=r"/company/companies$")
    with pytest.raises(SourceError) as caught:
        run(fake, warehouse)
    errors.append("".join(traceback.format_exception(caught.value)))
    for secret in SECRET_TEXTS:
        assert secret not in "\n".join(dump)
        assert secret not in logs
        assert secret not in "\n".join(errors)
    assert "quarantine" in "\n".join(dump)


# -- scale ----------------------------------------------------------------------------------
def test_a_thousand_tickets_in_few_requests(env, warehouse):
    with FakeConnectWise(tickets=1500) as fake:
        report = run(fake, warehouse, page_size=1000)
        assert [p.items for p in fake.ticket_pages()] == [1000, 500]
        assert [p.items for p in fake.id_listings()] == [1000, 500]  # the first sync reconciles
        # one audit-trail and one notes call per ticket, nothing else per ticket
        assert len(fake.server.log) == 2 + 2 * 1500 + 3 + 2 + len(
            fake.requests_for("/time/entries")
        )
        assert report.streams["tickets"].records == 1500
        assert len(table(warehouse, "tickets")) == 1500


# -- mapping rules --------------------------------------------------------------------------
def test_status_pattern_default_and_configured(tmp_path):
    default = CwMapper(CwMapping())
    ticket = {"ticket_id": "7", "created_at": pd.Timestamp("2024-01-01T09:00Z")}
    entries = [
        {
            "text": 'Status has been changed from "New" to "Assigned".',
            "enteredDate": "2024-01-01T10:00:00",
        },
        {
            "text": 'status changed from "Assigned" to "Closed"',
            "enteredDate": "2024-01-02T10:00:00Z",
        },
        {"text": 'Board changed from "A" to "B"', "enteredDate": "2024-01-03T10:00:00Z"},
    ]
    rows, bad = default.status_changes(ticket, entries)
    assert [(r["status"], str(r["changed_at"])) for r in rows] == [
        ("New", "2024-01-01 09:00:00+00:00"),
        ("Assigned", "2024-01-01 10:00:00+00:00"),  # naive vendor time read as UTC
        ("Closed", "2024-01-02 10:00:00+00:00"),
    ]
    assert bad == []

    custom = tmp_path / "cw.yaml"
    custom.write_text("status_pattern: 'Status: (?P<new>[^,]+)'\n")
    mapper = CwMapper(load_mapping(custom))
    rows, _ = mapper.status_changes(
        ticket, [{"text": "Status: Waiting Vendor, by X", "enteredDate": "2024-01-05T00:00:00Z"}]
    )
    assert [r["status"] for r in rows] == ["Waiting Vendor"]  # no "old" group: no initial row

    custom.write_text("status_pattern: 'Status: (.+)'\n")
    with pytest.raises(ConfigError, match="needs a"):
        load_mapping(custom)
    custom.write_text("statuses: {}\n")
    with pytest.raises(ConfigError, match="unknown key"):
        load_mapping(custom)


def test_note_kinds_priorities_and_paging_helpers():
    mapper = CwMapper(load_mapping())
    member, contact = {"identifier": "klee"}, {"id": 300, "name": "Dana"}
    at = "2024-01-01T00:00:00Z"
    kinds = [
        mapper.event("1", {"dateCreated": at, "contact": contact, "detailDescriptionFlag": True}),
        mapper.event("1", {"dateCreated": at, "member": member, "detailDescriptionFlag": True}),
        mapper.event("1", {"dateCreated": at, "member": member, "externalFlag": True}),
        mapper.event("1", {"dateCreated": at, "member": member, "internalFlag": True}),
        mapper.event("1", {"dateCreated": at, "member": member, "internalAnalysisFlag": True}),
        mapper.event("1", {"dateCreated": at, "member": member}),
        mapper.event(
            "1",
            {
                "dateCreated": "2024-01-01T00:00:00",  # naive: UTC
                "member": member,
                "internalAnalysisFlag": True,
                "detailDescriptionFlag": True,
            },
        ),
    ]
    assert [k["kind"] for k in kinds] == [
        "customer_message",
        "agent_reply",
        "agent_reply",
        "internal_note",
        "internal_note",
        "internal_note",
        "agent_reply",
    ]
    assert {str(k["at"]) for k in kinds} == {"2024-01-01 00:00:00+00:00"}
    assert mapper.priority("Priority 5 - Next Time") == 4  # from the mapping file
    assert mapper.priority("priority 2 - custom name") == 2  # the "Priority N" fallback
    assert mapper.priority("Urgent") is None

    assert next_page_id("<https://h/x?pageSize=5&pageId=1042>") == "1042"
    assert (
        next_page_id('<https://h/x?page=1>; rel="first", <https://h/x?pageId=9>; rel="next"') == "9"
    )
    assert next_page_id(None) is None
    assert parse_link('<https://h/x?page=2>; rel="next"') == [("https://h/x?page=2", "next")]
    assert updated_since(parse_instant("2024-05-01T10:00:00.700Z")) == (
        "lastUpdated > [2024-05-01T09:59:59Z]"
    )
