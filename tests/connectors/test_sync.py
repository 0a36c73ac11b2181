"""The sync engine with an in-process connector: resumable windows, quarantine, deletions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text

from deskmetrics.config import load_settings
from deskmetrics.connectors.base import Batch, Connector, LiveKeys, Quarantined, Stream, Window
from deskmetrics.connectors.http import HttpClient
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.connectors.sync import sync_source
from deskmetrics.warehouse.engine import Warehouse

T0 = datetime(2024, 12, 2, 14, tzinfo=UTC)


class Boom(RuntimeError):
    pass


class TicketStream(Stream):
    """Pages of 2 tickets in id order; remembers which pages it served."""

    name = "tickets"

    def __init__(self, records: list[dict], crash_after: int | None = None) -> None:
        self.records, self.crash_after, self.served = records, crash_after, []
        self.live: list[str] | Exception | None = None  # what live_keys lists, or raises
        self.listed = 0

    def live_keys(self):
        if self.live is None:
            return None
        self.listed += 1

        def pages():
            if isinstance(self.live, Exception):
                yield ["1"]
                raise self.live
            yield from (self.live[i : i + 2] for i in range(0, len(self.live), 2))

        return LiveKeys("tickets", "fake", pages())

    def batches(self, window: Window):
        rows = sorted(
            (r for r in self.records if window.since is None or r["updated"] >= window.since),
            key=lambda r: r["id"],
        )
        after = window.resume.get("after_id", 0)
        rows = [r for r in rows if r["id"] > after]
        for page, start in enumerate(range(0, len(rows), 2)):
            if self.crash_after is not None and page == self.crash_after:
                raise Boom("connection lost")
            chunk = rows[start : start + 2]
            self.served.append([r["id"] for r in chunk])
            good = [r for r in chunk if r.get("created")]
            frame = pd.DataFrame(
                {
                    "ticket_id": [str(r["id"]) for r in good],
                    "created_at": [r["created"] for r in good],
                    "status": [r["status"] for r in good],
                    "updated_at": [r["updated"] for r in good],
                    "source": "fake",
                }
            )
            yield Batch(
                frames={"tickets": frame},
                quarantined=[
                    Quarantined(str(r["id"]), "no creation date", "{}")
                    for r in chunk
                    if not r.get("created")
                ],
                deletions={"tickets": [str(i) for r in chunk for i in r.get("deletes", [])]},
                resume={"after_id": chunk[-1]["id"]},
                max_updated=max(r["updated"] for r in chunk),
                records=len(chunk),
            )


class FakeConnector(Connector):
    def __init__(self, source, settings, stream) -> None:
        self.stream = stream
        super().__init__(source, settings, client=HttpClient("http://127.0.0.1:9"))

    def make_client(self):  # pragma: no cover - a client is always given
        raise AssertionError

    def streams(self):
        return [self.stream]


def _records(n: int) -> list[dict]:
    return [
        {
            "id": i,
            "created": T0 + timedelta(hours=i),
            "status": "New",
            "updated": T0 + timedelta(hours=i),
        }
        for i in range(1, n + 1)
    ]


@pytest.fixture
def env(tmp_path):
    settings = load_settings(use_local=False)
    source = SourceConfig(
        name="fake",
        type="fake",
        base_url="http://127.0.0.1:9",
        start="2024-01-01T00:00:00Z",
        commit_records=1,  # each page its own commit: these tests are about page positions
    )
    return Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}"), settings, source


def _run(env, stream, **kwargs):
    warehouse, settings, source = env
    return sync_source(
        warehouse, settings, source, connector=FakeConnector(source, settings, stream), **kwargs
    )


def _table(warehouse, sql: str) -> list:
    with warehouse.reading() as conn:
        return conn.execute(text(sql)).all()


def test_full_sync_sets_the_cursor_and_computes_facts(env):
    report = _run(env, TicketStream(_records(5)))
    assert report.streams["tickets"].records == 5 and report.streams["tickets"].batches == 3
    warehouse = env[0]
    assert _table(warehouse, "SELECT count(*), min(status_category) FROM tickets") == [(5, "new")]
    cursor, detail = _table(
        warehouse, "SELECT cursor, detail FROM sync_state WHERE source = 'fake'"
    )[0]
    assert datetime.fromisoformat(cursor) == T0 + timedelta(hours=5)
    assert detail == "{}"  # no resume position left behind


def test_incremental_sync_starts_before_the_cursor_by_the_overlap(env):
    records = _records(5)
    _run(env, TicketStream(records))
    records[1]["status"], records[1]["updated"] = "Closed", T0 + timedelta(hours=9)
    again = TicketStream(records)
    _run(env, again)
    # cursor was hour 5; the 5-minute overlap re-reads ticket 5 and reads the changed ticket 2
    assert again.served == [[2, 5]]
    assert _table(env[0], "SELECT status FROM tickets WHERE ticket_id = '2'") == [("Closed",)]


def test_killed_sync_resumes_and_ends_like_one_clean_run(env, tmp_path):
    records = _records(9)
    crashing = TicketStream(records, crash_after=2)
    with pytest.raises(Boom):
        _run(env, crashing)
    assert crashing.served == [[1, 2], [3, 4]]
    rerun = TicketStream(records)
    report = _run(env, rerun)
    assert report.streams["tickets"].resumed
    assert rerun.served == [[5, 6], [7, 8], [9]]  # committed pages are not fetched again
    clean_env = (Warehouse(f"duckdb:///{tmp_path / 'clean.duckdb'}"), env[1], env[2])
    _run(clean_env, TicketStream(records))
    query = "SELECT ticket_id, status, created_at, status_category FROM tickets ORDER BY 1"
    assert _table(env[0], query) == _table(clean_env[0], query)
    assert _table(env[0], "SELECT cursor FROM sync_state") == _table(
        clean_env[0], "SELECT cursor FROM sync_state"
    )


def test_malformed_records_are_quarantined_and_deleted_ones_removed(env):
    records = _records(4)
    records[2]["created"] = None
    report = _run(env, TicketStream(records))
    assert report.quarantined == 1
    assert _table(env[0], "SELECT record_key, reason FROM quarantine") == [
        ("3", "no creation date")
    ]
    assert _table(env[0], "SELECT count(*) FROM tickets") == [(3,)]
    records[3]["deletes"], records[3]["updated"] = [1], T0 + timedelta(hours=20)
    _run(env, TicketStream(records))
    assert _table(env[0], "SELECT ticket_id FROM tickets ORDER BY 1") == [("2",), ("4",)]


def test_full_flag_rereads_everything(env):
    records = _records(3)
    _run(env, TicketStream(records))
    again = TicketStream(records)
    _run(env, again, full=True)
    assert again.served == [[1, 2], [3]]


def test_a_batch_can_replace_a_parents_children(env):
    """Deletions apply before the batch's rows: delete a ticket's events, then write the new."""

    class Events(Stream):
        name = "events"

        def __init__(self, kinds):
            self.kinds = kinds

        def batches(self, window):
            frame = pd.DataFrame(
                {
                    "ticket_id": ["1"] * len(self.kinds),
                    "at": [T0 + timedelta(minutes=i) for i in range(len(self.kinds))],
                    "kind": self.kinds,
                }
            )
            yield Batch(
                frames={"ticket_events": frame},
                deletions={"ticket_events": ["1"]},
                resume={"done": True},
                max_updated=T0,
                records=len(self.kinds),
            )

    _run(env, TicketStream(_records(1)))
    _run(env, Events(["customer_message", "agent_reply", "internal_note"]))
    _run(env, Events(["customer_message"]))
    assert _table(env[0], "SELECT kind FROM ticket_events") == [("customer_message",)]


def _count(warehouse, sql: str) -> int:
    with warehouse.reading() as conn:
        return conn.execute(text(sql)).scalar()


def _children(warehouse, ticket_id: str) -> None:
    with warehouse.writing() as conn:
        conn.execute(
            text(
                "INSERT INTO status_changes (ticket_id, changed_at, status) "
                f"VALUES ('{ticket_id}', TIMESTAMP '2024-12-02 15:00:00', 'New')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO time_entries (entry_id, ticket_id, tech_id, started_at, hours) "
                f"VALUES ('e{ticket_id}', '{ticket_id}', 't1', TIMESTAMP '2024-12-02 15:00:00', 1)"
            )
        )


def test_full_sync_removes_tickets_deleted_at_the_source_with_their_history(env):
    warehouse, settings, source = env
    stream = TicketStream(_records(4))
    _run(env, stream)
    _children(warehouse, "3")
    _children(warehouse, "4")
    stream.records = [r for r in stream.records if r["id"] != 3]  # deleted in the vendor
    stream.live = ["1", "2", "4"]
    report = _run(env, stream, full=True)
    assert report.streams["tickets"].reconciled
    assert report.streams["tickets"].removed == 1
    assert _count(warehouse, "SELECT count(*) FROM tickets") == 3
    assert _count(warehouse, "SELECT count(*) FROM tickets WHERE ticket_id = '3'") == 0
    assert _count(warehouse, "SELECT count(*) FROM status_changes WHERE ticket_id = '3'") == 0
    assert _count(warehouse, "SELECT count(*) FROM time_entries WHERE ticket_id = '3'") == 0
    assert _count(warehouse, "SELECT count(*) FROM time_entries WHERE ticket_id = '4'") == 1


def test_incremental_syncs_reconcile_only_every_reconcile_days(env):
    warehouse, settings, _ = env
    stream = TicketStream(_records(4))
    stream.live = ["1", "2", "3", "4"]
    _run(env, stream)  # never reconciled: the first sync does
    assert stream.listed == 1
    _run(env, stream)
    assert stream.listed == 1  # reconciled less than 7 days ago
    with warehouse.writing() as conn:
        old = (datetime.now(UTC) - timedelta(days=8)).isoformat()
        conn.execute(
            text(f"UPDATE warehouse_meta SET value = '{old}' WHERE key LIKE 'reconciled:%'")
        )
    _run(env, stream)
    assert stream.listed == 2
    every = SourceConfig(**{**env[2].model_dump(), "reconcile_days": 0})
    sync_source(warehouse, settings, every, connector=FakeConnector(every, settings, stream))
    assert stream.listed == 3


def test_a_failed_or_empty_listing_deletes_nothing(env):
    warehouse, _, _ = env
    stream = TicketStream(_records(4))
    _run(env, stream)
    stream.live = RuntimeError("listing broke")
    with pytest.raises(RuntimeError, match="listing broke"):
        _run(env, stream, full=True)
    assert _count(warehouse, "SELECT count(*) FROM tickets") == 4
    stream.live = []
    report = _run(env, stream, full=True)
    assert report.streams["tickets"].removed == 0
    assert _count(warehouse, "SELECT count(*) FROM tickets") == 4


def test_a_quarantined_record_that_later_loads_leaves_the_quarantine(env):
    warehouse, _, _ = env
    records = _records(4)
    records[1]["created"] = None  # ticket 2 is malformed at first
    stream = TicketStream(records)
    _run(env, stream)
    with warehouse.writing() as conn:  # bad notes of tickets 3 and 4 from an earlier sync
        for key in ("3/note/8", "4/note/9"):
            conn.execute(
                text(
                    "INSERT INTO quarantine (source, stream, record_key, reason, payload) "
                    f"VALUES ('fake', 'tickets', '{key}', 'note: no date', '{{}}')"
                )
            )
    later = T0 + timedelta(days=1)
    records[1].update(created=T0, updated=later)  # fixed at the source
    records[3].update(updated=later)  # ticket 4 re-read, its bad note now fine
    _run(env, stream)
    keys = "SELECT string_agg(record_key, ',' ORDER BY record_key) FROM quarantine"
    assert _count(warehouse, keys) == "3/note/8"  # ticket 3 was not re-read: still held
    assert _count(warehouse, "SELECT count(*) FROM tickets") == 4


def test_the_report_says_where_the_time_went(env):
    report = _run(env, TicketStream(_records(6)))
    assert report.total_seconds > 0 and report.load_seconds > 0
    assert report.load_seconds + report.facts_seconds <= report.total_seconds
    assert report.parse_seconds >= 0
    assert report.requests == 0 and report.request_seconds == 0


@pytest.mark.parametrize(
    ("vendor", "configured", "expected"),
    [("halo", None, 55), ("smileback", None, 30), ("halo", 0, 0), ("hubspot", 12, 12)],
)
def test_connectors_pace_under_the_vendor_limit_unless_told_otherwise(
    vendor, configured, expected, monkeypatch
):
    import importlib

    from deskmetrics.connectors import get_connector

    fake = importlib.import_module(f"fakes.{vendor}")
    for name, value in fake.ENV.items():
        monkeypatch.setenv(name, value)
    body = {"name": "x", "type": vendor, "base_url": "http://127.0.0.1:9", "secrets": fake.SECRETS}
    if configured is not None:
        body["per_minute"] = configured
    connector = get_connector(vendor)(SourceConfig(**body), load_settings(use_local=False))
    assert connector.per_minute == expected
    assert connector.client.pacer.interval == (60 / expected if expected else 0)


def _tables(warehouse) -> dict[str, list[tuple]]:
    with warehouse.reading() as conn:
        return {
            name: sorted(conn.execute(text(f"SELECT * FROM {name}")).all(), key=str)
            for name in ("tickets", "quarantine")
        }


def _grouped(env, commit_records: int):
    warehouse, settings, source = env
    return SourceConfig(**{**source.model_dump(), "commit_records": commit_records})


def test_pages_committed_together_end_like_pages_committed_one_by_one(env, tmp_path):
    def messy() -> list[dict]:
        records = _records(9)
        records[2]["created"] = None  # quarantined
        records[5]["deletes"] = [2, 4]  # a later page deletes rows of earlier pages
        return records

    one_by_one = env
    _run(one_by_one, TicketStream(messy()))
    warehouse, settings, _ = env
    grouped = Warehouse(f"duckdb:///{tmp_path / 'grouped.duckdb'}")
    source = _grouped(env, 5)
    stream = TicketStream(messy())
    report = sync_source(
        grouped, settings, source, connector=FakeConnector(source, settings, stream)
    )
    assert report.streams["tickets"].batches == 2  # 5 pages of 2 records: 3 + 2 pages
    mine, theirs = _tables(grouped), _tables(warehouse)
    strip = lambda rows: [r[:-1] for r in rows]  # noqa: E731 - seen_at differs
    assert mine["tickets"] == theirs["tickets"]
    assert strip(mine["quarantine"]) == strip(theirs["quarantine"])


def test_a_sync_killed_inside_a_group_rereads_only_the_uncommitted_pages(env, tmp_path):
    warehouse, settings, _ = env
    source = _grouped(env, 4)  # two pages a commit
    crashing = TicketStream(_records(10), crash_after=3)
    with pytest.raises(Boom):
        sync_source(
            warehouse, settings, source, connector=FakeConnector(source, settings, crashing)
        )
    assert _count(warehouse, "SELECT count(*) FROM tickets") == 4  # pages 1-2 committed, 3 not
    again = TicketStream(_records(10))
    sync_source(warehouse, settings, source, connector=FakeConnector(source, settings, again))
    assert again.served[0] == [5, 6]  # resumed after the last committed page
    assert _count(warehouse, "SELECT count(*) FROM tickets") == 10


def test_a_sync_that_fails_part_way_leaves_the_last_success_alone(env):
    """Batches committed by a run that then fails do not make the data look fresher."""
    warehouse = env[0]
    query = "SELECT last_success_at FROM sync_state WHERE stream = 'tickets'"
    with pytest.raises(Boom):
        _run(env, TicketStream(_records(9), crash_after=2))
    assert _table(warehouse, query) == [(None,)]  # a first run never succeeded
    _run(env, TicketStream(_records(9)))
    (succeeded,) = _table(warehouse, query)[0]
    records = _records(9)
    for record in records:
        record["updated"] += timedelta(days=1)
    with pytest.raises(Boom):
        _run(env, TicketStream(records, crash_after=2))
    assert _table(warehouse, query) == [(succeeded,)]
    _run(env, TicketStream(records))
    assert _table(warehouse, query)[0][0] > succeeded
