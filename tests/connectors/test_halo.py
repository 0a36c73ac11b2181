"""The Halo PSA connector end to end: a fake Halo over real HTTP (OAuth2 token, pageinate
paging, actions), a DuckDB warehouse and the sync engine."""

from __future__ import annotations

import json
import logging
import traceback
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import inspect, text

from deskmetrics.connectors import get_connector
from deskmetrics.connectors.halo import HaloConnector, halo_date
from deskmetrics.connectors.halo_api import HaloToken
from deskmetrics.connectors.halo_map import HaloMapper, load_mapping
from deskmetrics.connectors.http import SourceError
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.connectors.sync import parse_instant, sync_source
from deskmetrics.errors import ConfigError
from deskmetrics.warehouse.engine import Warehouse
from fakes.checks import rows_of, table, vendor_settings
from fakes.halo import CLIENT_SECRET, ENV, SECRETS, STATUSES, FakeHalo

SETTINGS = vendor_settings("halo")
CANONICAL = ("clients", "technicians", "tickets", "status_changes", "ticket_events", "time_entries")


@pytest.fixture
def env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def fake(env):
    with FakeHalo(tickets=12) as server:
        yield server
    assert not server.server.errors, server.server.errors[0]


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    return Warehouse(f"duckdb:///{tmp_path / 'halo.duckdb'}")


def source(fake: FakeHalo, page_size: int = 5, **settings) -> SourceConfig:
    return SourceConfig(
        name="halo",
        type="halo",
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
    connector = HaloConnector(config, SETTINGS, sleep=sleep)
    report = sync_source(warehouse, SETTINGS, config, connector=connector)
    report.connector = connector
    return report


def utc(value: str) -> pd.Timestamp:
    return pd.Timestamp(value)  # Halo's naive text is UTC; the warehouse keeps naive UTC


# -- full sync ------------------------------------------------------------------------------
def test_full_sync_loads_every_canonical_table(fake, warehouse):
    assert get_connector("halo") is HaloConnector
    fake.add_tickets(1, steps=1)  # a ticket still New and unassigned
    report = run(fake, warehouse)

    tickets = table(warehouse, "tickets").set_index("ticket_id")
    assert sorted(tickets.index) == sorted(str(i) for i in fake.tickets)
    closed = next(t for t in fake.tickets.values() if t["status_id"] == 9)
    row = tickets.loc[str(closed["id"])]
    assert row["created_at"] == utc(closed["dateoccurred"])
    assert row["status"] == "Closed" and row["status_category"] == "closed"
    assert (row["client_id"], row["contact_id"]) == (
        str(closed["client_id"]),
        str(closed["user_id"]),
    )
    assert (row["board"], row["category"], row["subcategory"], row["item"]) == tuple(
        closed[k] for k in ("team", "category_1", "category_2", "category_3")
    )
    assert row["priority"] == closed["priority_id"]
    assert row["owner_tech_id"] == str(closed["agent_id"])
    assert row["first_response_at"] == utc(closed["responsedate"])
    assert row["resolved_at"] == row["closed_at"] == utc(closed["dateclosed"])
    assert row["updated_at"] == utc(closed["last_update"])
    assert row["response_due_at"] == utc(closed["respondbydate"])
    assert row["resolution_due_at"] == utc(closed["fixbydate"])
    assert (row["title"], row["source"]) == (closed["summary"], "halo")

    fresh = next(t for t in fake.tickets.values() if t["status_id"] == 1)
    new = tickets.loc[str(fresh["id"])]
    assert new["status"] == "New"
    assert pd.isna(new["owner_tech_id"])  # agent 1 is "Unassigned"
    assert pd.isna(new["first_response_at"]) and pd.isna(new["closed_at"])  # 1900-01-01

    changes = table(warehouse, "status_changes")
    history = changes[changes["ticket_id"] == str(closed["id"])]
    assert list(history["status"]) == [
        "New",
        "In Progress",
        "Waiting on User",
        "In Progress",
        "Closed",
    ]
    assert history["changed_at"].iloc[0] == row["created_at"]
    assert pd.isna(history["tech_id"].iloc[0])
    assert history["tech_id"].iloc[1] == row["owner_tech_id"]

    events = table(warehouse, "ticket_events")
    mine = events[events["ticket_id"] == str(closed["id"])].sort_values("at")
    assert list(mine["kind"]) == [
        "customer_message",
        "agent_reply",
        "internal_note",
        "agent_reply",
        "agent_reply",
        "agent_reply",
    ]
    assert mine["at"].iloc[1] == row["first_response_at"]
    assert pd.isna(mine["tech_id"].iloc[0]) and mine["tech_id"].iloc[1] == row["owner_tech_id"]

    entries = table(warehouse, "time_entries")
    expected = {
        f"{tid}-{a['id']}": a for tid, acts in fake.actions.items() for a in acts if a["timetaken"]
    }
    assert sorted(entries["entry_id"]) == sorted(expected)
    first = entries.iloc[0]
    action = expected[first["entry_id"]]
    assert first["hours"] == action["timetaken"]
    assert first["billable"] == action["actisbillable"]
    assert first["tech_id"] == str(action["who_agentid"])
    assert first["started_at"] == utc(action["actionarrivaldate"])

    assert table(warehouse, "clients").to_dict("records") == [
        {"client_id": "12", "name": "Acme Dental", "seats": None},
        {"client_id": "13", "name": "Birch & Co", "seats": None},
    ]
    techs = table(warehouse, "technicians").to_dict("records")
    assert {
        "tech_id": "5",
        "name": "Kim Lee",
        "team": "Service Desk",
        "tier": None,
        "role": None,
        "weekly_hours": None,
    } in techs
    assert report.quarantined == 0 and report.streams["tickets"].batches == 3

    pages = fake.ticket_pages()
    assert [p.arg("page_no") for p in pages] == ["1", "2", "3"]
    assert {(p.arg("pageinate"), p.arg("page_size"), p.arg("order")) for p in pages} == {
        ("true", "5", "id")
    }
    assert pages[0].arg("lastupdatefromdate") == "2000-01-01T00:00:00"  # SourceConfig.start
    assert len(fake.requests_for("/api/status")) == 1  # statuses looked up once
    actions = fake.requests_for("/api/actions")
    assert sorted(int(r.arg("ticket_id")) for r in actions) == sorted(fake.tickets)
    assert len(fake.tokens_issued) == 1  # one token for the whole sync
    token = fake.requests_for("/auth/token")[0]
    assert token.method == "POST" and token.headers["content-type"].startswith(
        "application/x-www-form-urlencoded"
    )


# -- incremental ----------------------------------------------------------------------------
def test_incremental_sync_fetches_only_changed_records(fake, warehouse):
    run(fake, warehouse)
    newest = max(fake.tickets.values(), key=lambda t: t["last_update"])
    changed = sorted(fake.tickets)[3]
    fake.change_status(changed, 9)
    fake.server.clear_log()

    run(fake, warehouse)

    cursor = parse_instant(newest["last_update"])
    pages = fake.ticket_pages()
    assert [p.arg("lastupdatefromdate") for p in pages] == [
        halo_date(cursor - timedelta(minutes=5))
    ]
    assert len(fake.requests_for("/api/status")) == 1
    actions = {int(r.arg("ticket_id")) for r in fake.requests_for("/api/actions")}
    assert actions == {changed, newest["id"]}  # the changed one and the overlap's newest

    tickets = table(warehouse, "tickets").set_index("ticket_id")
    assert len(tickets) == len(fake.tickets)
    assert tickets.loc[str(changed), "status"] == "Closed"
    assert tickets.loc[str(changed), "updated_at"] == utc(fake.tickets[changed]["last_update"])
    history = table(warehouse, "status_changes")
    last = history[history["ticket_id"] == str(changed)].iloc[-1]
    assert (last["status"], last["tech_id"]) == ("Closed", "6")
    counts = history.groupby(["ticket_id", "changed_at", "status"]).size()
    assert counts.max() == 1


# -- token ----------------------------------------------------------------------------------
def test_the_token_is_refreshed_when_the_server_expires_it_mid_sync(env, warehouse):
    with FakeHalo(tickets=12, token_uses=7) as fake:
        report = run(fake, warehouse)
        refused = [r for r in fake.server.log if r.status == 401]
        assert len(refused) >= 2 and len(fake.tokens_issued) == len(refused) + 1
        assert report.connector.token.fetches == len(fake.tokens_issued)
        assert report.quarantined == 0
        assert len(table(warehouse, "tickets")) == len(fake.tickets)
        assert sorted(
            int(r.arg("ticket_id")) for r in fake.requests_for("/api/actions") if r.status == 200
        ) == sorted(fake.tickets)
        assert not fake.server.errors


def test_the_token_is_refreshed_before_it_expires(fake):
    now = [0.0]
    token = HaloToken(
        fake.url + "/auth/token", "halo-client-7f3a9c", CLIENT_SECRET, clock=lambda: now[0]
    )
    first = token.headers()
    assert token.headers() == first and token.fetches == 1
    now[0] = 3600 - 61  # expires_in 3600, refreshed 60 s early
    assert token.headers() == first
    now[0] = 3600 - 59
    assert token.headers() != first and token.fetches == 2
    token.invalidate({"Authorization": first["Authorization"]})  # a stale refusal: kept
    assert token.fetches == 2 and token.headers()["Authorization"] != first["Authorization"]


# -- faults ---------------------------------------------------------------------------------
def test_rate_limits_and_transient_errors_are_retried(fake, warehouse):
    limited = fake.server.fail(429, times=2, retry_after=7, path=r"/api/tickets$")
    broken = fake.server.fail(500, times=1, path=r"/api/actions$")
    sleeps: list[float] = []

    report = run(fake, warehouse, sleeps=sleeps)

    assert (limited.fired, broken.fired) == (2, 1)
    assert sleeps.count(7.0) == 2 and len(sleeps) == 3  # Retry-After honoured
    statuses = [r.status for r in fake.requests_for("/api/tickets")]
    assert statuses[:3] == [429, 429, 200]
    assert report.streams["tickets"].records == len(fake.tickets)
    assert len(table(warehouse, "tickets")) == len(fake.tickets)


def test_malformed_records_are_quarantined_and_the_rest_loads(fake, warehouse):
    ids = sorted(fake.tickets)
    fake.tickets[ids[1]]["dateoccurred"] = "1900-01-01T00:00:00"
    fake.tickets[ids[2]]["status_id"] = 77
    fake.tickets[ids[4]]["dateoccurred"] = "last Tuesday"
    fake.actions[ids[5]][0]["datetime"] = "2024-13-45T99:00:00"
    fake.clients[99] = {"name": "No id Ltd"}

    report = run(fake, warehouse)

    quarantine = table(warehouse, "quarantine").set_index(["stream", "record_key"])
    assert quarantine["reason"].to_dict() == {
        ("clients", "(no id, #2 of its page)"): "id is missing or not a number: None",
        ("tickets", str(ids[1])): "dateoccurred (the creation time) is missing",
        ("tickets", str(ids[2])): "status_id 77 names no known status",
        ("tickets", str(ids[4])): "dateoccurred is not an ISO timestamp: 'last Tuesday'",
        ("tickets", f"{ids[5]}/action/1"): "action: datetime is not an ISO timestamp: "
        "'2024-13-45T99:00:00'",
    }
    payload = json.loads(quarantine.loc[("tickets", str(ids[4])), "payload"])
    assert payload["id"] == ids[4] and payload["dateoccurred"] == "last Tuesday"
    assert report.quarantined == 5
    loaded = set(table(warehouse, "tickets")["ticket_id"])
    assert loaded == {str(i) for i in ids} - {str(ids[1]), str(ids[2]), str(ids[4])}
    events = table(warehouse, "ticket_events")
    assert "customer_message" not in set(events[events["ticket_id"] == str(ids[5])]["kind"])
    assert len(table(warehouse, "clients")) == 2


# -- crash and rerun ------------------------------------------------------------------------
def test_crash_after_two_pages_then_rerun_equals_a_clean_run(env, tmp_path):
    with FakeHalo(tickets=20) as fake:
        clean = Warehouse(f"duckdb:///{tmp_path / 'clean.duckdb'}")
        run(fake, clean, page_size=4)
        assert len(fake.ticket_pages()) == 5

        crashed = Warehouse(f"duckdb:///{tmp_path / 'crashed.duckdb'}")
        fake.server.fail(500, times=None, after=2, path=r"/api/tickets$")
        fake.server.clear_log()
        with pytest.raises(SourceError, match=r"HTTP 500 from /?api/tickets after \d+ attempts"):
            run(fake, crashed, page_size=4)
        assert len(table(crashed, "tickets")) == 8

        fake.server.clear_faults()
        fake.server.clear_log()
        report = run(fake, crashed, page_size=4)

        assert report.streams["tickets"].resumed
        assert [p.arg("page_no") for p in fake.ticket_pages()] == ["3", "4", "5"]
        actions = {int(r.arg("ticket_id")) for r in fake.requests_for("/api/actions")}
        assert actions == set(sorted(fake.tickets)[8:])
        for name in CANONICAL:
            pd.testing.assert_frame_equal(table(crashed, name), table(clean, name))
        assert not fake.server.errors


def test_a_resume_after_deletions_rereads_from_the_first_page(env, tmp_path):
    with FakeHalo(tickets=12) as fake:
        crashed = Warehouse(f"duckdb:///{tmp_path / 'crashed.duckdb'}")
        fake.server.fail(500, times=None, after=2, path=r"/api/tickets$")
        with pytest.raises(SourceError):
            run(fake, crashed, page_size=4)
        ids = sorted(fake.tickets)
        del fake.tickets[ids[0]], fake.tickets[ids[1]]  # pages shift left by two
        fake.server.clear_faults()
        fake.server.clear_log()

        run(fake, crashed, page_size=4)

        assert [p.arg("page_no") for p in fake.ticket_pages()] == ["3", "1", "2", "3"]
        actions = {int(r.arg("ticket_id")) for r in fake.requests_for("/api/actions")}
        assert actions == set(ids[8:])  # committed tickets are skipped, not re-read
        # the first finished sync reconciles: the two deleted at the source go then
        assert set(table(crashed, "tickets")["ticket_id"]) == {str(i) for i in ids[2:]}


# -- deletions at the source ----------------------------------------------------------------
def sync(fake, warehouse, *, full=False, reconcile_days=7, **settings):
    config = source(fake, **settings).model_copy(update={"reconcile_days": reconcile_days})
    connector = HaloConnector(config, SETTINGS, sleep=lambda seconds: None)
    return sync_source(warehouse, SETTINGS, config, connector=connector, full=full)


def worked_ticket(fake) -> int:
    """A ticket with status changes, notes and time, so each child table is tested."""
    return next(i for i in sorted(fake.tickets) if len(fake.actions[i]) > 3)


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
    # ids only, in one unpaged call, trusted because a one-record page gave the same total
    (listing,) = fake.id_listings()
    assert listing.arg("pageinate") is None and listing.status == 200
    (count,) = fake.count_pages()
    assert (count.arg("pageinate"), count.arg("page_no")) == ("true", "1")
    assert len(fake.ticket_pages()) == 3  # the sync's own pages of 5, nothing more


def test_the_fake_answers_id_fields_only_and_never_with_pages(fake):
    connector = HaloConnector(source(fake), SETTINGS, sleep=lambda seconds: None)
    api = connector.streams()[-1].api
    body = api.json("api/tickets", {"ticketidonly": "true"})
    assert body["record_count"] == len(fake.tickets)
    assert {tuple(sorted(t)) for t in body["tickets"]} == {
        ("client_id", "client_name", "id", "status_id")
    }
    with pytest.raises(SourceError, match="HTTP 400"):
        api.json("api/tickets", {"ticketidonly": "true", "pageinate": "true"})
    connector.close()


def test_incremental_syncs_list_ids_only_when_reconciliation_is_due(fake, warehouse):
    sync(fake, warehouse)  # the first sync reconciles
    gone = worked_ticket(fake)
    fake.delete_ticket(gone)
    fake.server.clear_log()

    report = sync(fake, warehouse)
    assert not report.streams["tickets"].reconciled
    assert not fake.id_listings() and not fake.count_pages()
    assert rows_of(warehouse, gone)["tickets"] == 1  # nothing told the sync it went

    report = sync(fake, warehouse, reconcile_days=0)
    assert report.streams["tickets"].reconciled and len(fake.id_listings()) == 1
    assert not any(rows_of(warehouse, gone).values())


def test_a_capped_id_only_answer_is_not_trusted(fake, warehouse, caplog):
    sync(fake, warehouse)
    gone = sorted(fake.tickets)[-1]  # past the cap: a trusted capped list would lose others
    fake.delete_ticket(gone)
    fake.unpaged_limit = 4
    fake.server.clear_log()
    caplog.set_level(logging.WARNING)

    sync(fake, warehouse, full=True)

    assert set(table(warehouse, "tickets")["ticket_id"]) == {str(i) for i in fake.tickets}
    assert "reading whole pages instead" in caplog.text
    whole = [p for p in fake.ticket_pages() if p.arg("page_size") == "100"]
    assert [(p.arg("page_no"), p.arg("order"), p.arg("orderdesc")) for p in whole] == [
        ("1", "id", "false")
    ]


def test_a_ticket_deleted_while_whole_pages_are_read_stops_the_listing(env, warehouse):
    with FakeHalo(tickets=150) as fake:
        fake.unpaged_limit = 0
        connector = HaloConnector(source(fake), SETTINGS, sleep=lambda seconds: None)
        pages = connector.streams()[-1].live_keys().pages
        first = next(pages)
        assert first == [str(i) for i in sorted(fake.tickets)[:100]]
        fake.delete_ticket(sorted(fake.tickets)[0])  # page 2 now starts one ticket later
        with pytest.raises(SourceError, match="count fell while the ticket ids were read"):
            next(pages)
        connector.close()


def test_open_only_syncs_keep_closed_tickets_and_lose_deleted_ones(fake, warehouse):
    open_ids = sorted(i for i, t in fake.tickets.items() if t["status_id"] != 9)
    sync(fake, warehouse, open_only=True)
    assert set(table(warehouse, "tickets")["ticket_id"]) == {str(i) for i in open_ids}
    fake.change_status(open_ids[0], 9)  # closed at the source: out of scope, not deleted
    fake.delete_ticket(open_ids[1])
    fake.server.clear_log()

    sync(fake, warehouse, full=True, open_only=True)

    assert set(table(warehouse, "tickets")["ticket_id"]) == {
        str(i) for i in open_ids if i != open_ids[1]
    }
    assert all(p.arg("open_only") == "true" for p in fake.ticket_pages())
    assert [p.arg("open_only") for p in fake.id_listings() + fake.count_pages()] == [None, None]


# -- credentials and secrets ----------------------------------------------------------------
def test_wrong_credentials_give_a_clear_error_without_the_secret(fake, warehouse, monkeypatch):
    monkeypatch.setenv("HALO_CLIENT_SECRET", "not-the-right-secret-4242")
    with pytest.raises(SourceError) as caught:
        run(fake, warehouse)
    message = str(caught.value)
    assert "HTTP 401" in message and "HALO_CLIENT_SECRET" in message
    rendered = "".join(traceback.format_exception(caught.value))
    assert "not-the-right-secret-4242" not in rendered and CLIENT_SECRET not in rendered

    monkeypatch.delenv("HALO_CLIENT_ID")
    with pytest.raises(ConfigError, match="set the environment variable HALO_CLIENT_ID"):
        HaloConnector(source(fake), SETTINGS)
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['boards'\]"):
        HaloConnector(source(fake, boards=["x"]), SETTINGS)


def test_secrets_and_tokens_never_reach_the_warehouse_logs_or_errors(env, warehouse, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeHalo(tickets=8, token_uses=6) as fake:
        fake.server.fail(429, times=1, retry_after=1, path=r"/api/client$")
        fake.tickets[sorted(fake.tickets)[0]]["dateoccurred"] = None  # a quarantined row
        run(fake, warehouse)
        assert any("retrying" in r.getMessage() for r in caplog.records)
        fake.server.fail(500, times=None, path=r"/api/agent$")
        with pytest.raises(SourceError) as caught:
            run(fake, warehouse)
        error = "".join(traceback.format_exception(caught.value))
        secrets = (CLIENT_SECRET, *fake.tokens_issued)
        assert len(fake.tokens_issued) > 1

    dump = []
    with warehouse.reading() as conn:
        for name in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
            dump.append(f"{name}: {rows!r}")
    logs = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "quarantine" in "\n".join(dump)
    for secret in secrets:
        assert secret not in "\n".join(dump)
        assert secret not in logs
        assert secret not in error


# -- mapping rules --------------------------------------------------------------------------
def test_action_kinds_priorities_and_dates():
    mapper = HaloMapper(load_mapping(), {1: "New", 2: "In Progress"})
    ticket = {"ticket_id": "7", "created_at": pd.Timestamp("2024-01-01T09:00Z")}
    at = "2024-01-01T10:00:00"
    actions = [
        {"id": 1, "datetime": at, "who_agentid": 0, "note": "help"},  # the end-user
        {"id": 2, "datetime": at, "who_agentid": 5, "note": "on it", "emaildirection": "I"},
        {"id": 3, "datetime": at, "who_agentid": 5, "note": "x", "hiddenfromuser": True},
        {"id": 4, "datetime": at, "who_agentid": 5, "note": "hi", "hiddenfromuser": False},
        {"id": 5, "datetime": at, "who_agentid": 5, "new_status": 2, "old_status": 1},
        {"id": 6, "datetime": at, "who_agentid": 5, "timetaken": "1h"},
    ]
    changes, events, entries, bad = mapper.actions(ticket, actions)
    assert sorted(e["kind"] for e in events) == ["agent_reply", "customer_message", "internal_note"]
    assert [(c["status"], str(c["changed_at"])) for c in changes] == [
        ("New", "2024-01-01 09:00:00+00:00"),  # the status left, at creation
        ("In Progress", "2024-01-01 10:00:00+00:00"),  # naive vendor time read as UTC
    ]
    assert entries == [] and [q.record_key for q in bad] == ["7/action/6"]
    assert mapper.priority({"priority_id": 5}) == 4 and mapper.priority({"priority_id": 9}) is None
    assert set(STATUSES.values()) <= set(SETTINGS.status_map)
    assert halo_date(parse_instant("2024-05-01T10:00:00.700+02:00")) == "2024-05-01T08:00:00"
