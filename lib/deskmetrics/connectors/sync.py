"""The sync engine: stream a source's pages into the warehouse, resumably.

Each batch commits together with the stream's position, so a sync killed at any point and run
again leaves the warehouse exactly as one clean run would. The stream's cursor (the newest
server-side update time it covered) advances only when the whole window is committed; the next
incremental sync starts a few minutes before it, and upserts make the overlap harmless.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import delete, select
from tqdm.auto import tqdm

from deskmetrics.config import Settings
from deskmetrics.connectors import get_connector
from deskmetrics.connectors.base import Batch, Connector, Window
from deskmetrics.connectors.deletions import (
    chunks,
    delete_rows,
    delete_tickets,
    reconcile,
    reconcile_due,
)
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.schema import business_tables as bt
from deskmetrics.schema import tables as t
from deskmetrics.schema.sentiment import sentiment
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.facts import refresh_facts
from deskmetrics.warehouse.load import ensure_schema, upsert
from deskmetrics.warehouse.meta import read_meta, write_meta

log = logging.getLogger(__name__)
# every table a stream may write: the service-desk tables and the business ones (agreements,
# revenue lines, devices, projects, opportunities and their stages...)
TABLES = {table.name: table for table in (*t.CANONICAL_TABLES, *bt.BUSINESS_TABLES)}
DIRTY_KEY = "facts_dirty"
# a batch's deletions in these tables replace a ticket's children; elsewhere they are records
# deleted at the source
REPLACED = {"status_changes", "ticket_events"}
FACTS_SLICE = 20_000  # tickets whose facts are recomputed together at the end of a sync


@dataclass
class StreamReport:
    records: int = 0
    rows: int = 0
    quarantined: int = 0
    deleted: int = 0  # rows deleted, replaced children included
    removed: int = 0  # records deleted at the source and so removed here
    batches: int = 0
    resumed: bool = False
    reconciled: bool = False


@dataclass
class SyncReport:
    """What a sync read and wrote, and where its time went (seconds)."""

    source: str
    streams: dict[str, StreamReport] = field(default_factory=dict)
    requests: int = 0
    request_seconds: float = 0.0  # waiting on the vendor (network and server)
    waited_seconds: float = 0.0  # deliberate: pacing under the vendor's limit, retry backoff
    load_seconds: float = 0.0  # committing batches to the warehouse
    facts_seconds: float = 0.0  # recomputing the per-ticket facts at the end
    total_seconds: float = 0.0

    @property
    def quarantined(self) -> int:
        return sum(s.quarantined for s in self.streams.values())

    @property
    def parse_seconds(self) -> float:
        """Everything else: decoding JSON and mapping records onto the canonical tables."""
        return max(
            0.0,
            self.total_seconds
            - self.request_seconds
            - self.waited_seconds
            - self.load_seconds
            - self.facts_seconds,
        )


def parse_instant(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def sync_source(
    warehouse: Warehouse,
    settings: Settings,
    source: SourceConfig,
    *,
    full: bool = False,
    since: str | datetime | None = None,
    connector: Connector | None = None,
    progress: bool = False,
) -> SyncReport:
    """Sync every stream of one source; returns what was read, loaded and quarantined."""
    started = time.perf_counter()
    connector = connector or get_connector(source.type)(source, settings)
    report = SyncReport(source.name)
    with warehouse.writing() as conn:
        ensure_schema(conn)
        was_dirty = read_meta(conn, DIRTY_KEY) == "1"
    touched: set[str] = set()
    try:
        for stream in connector.streams():
            report.streams[stream.name] = _sync_stream(
                warehouse,
                source,
                stream,
                full=full,
                since=parse_instant(since),
                touched=touched,
                progress=progress,
                timing=report,
            )
    finally:
        connector.close()
        client = connector.client
        report.requests = client.requests
        report.request_seconds, report.waited_seconds = (
            client.request_seconds,
            client.waited_seconds,
        )
    facts_started = time.perf_counter()
    with warehouse.writing() as conn:
        if was_dirty:
            refresh_facts(conn, settings)
        else:
            # in slices, so a big first sync never holds every ticket's history in memory at once
            for chunk in chunks(sorted(touched), FACTS_SLICE):
                refresh_facts(conn, settings, pd.Series(chunk))
        write_meta(conn, DIRTY_KEY, "0")
    report.facts_seconds = time.perf_counter() - facts_started
    report.total_seconds = time.perf_counter() - started
    return report


def _sync_stream(
    warehouse, source, stream, *, full, since, touched, progress, timing
) -> StreamReport:
    report = StreamReport()
    with warehouse.reading() as conn:
        state = conn.execute(
            select(t.sync_state.c.cursor, t.sync_state.c.detail).where(
                t.sync_state.c.source == source.name, t.sync_state.c.stream == stream.name
            )
        ).all()
    cursor, detail = (state[0][0], json.loads(state[0][1] or "{}")) if state else (None, {})
    if detail.get("resume") and not full and since is None:
        window = Window(parse_instant(detail.get("since")), detail["resume"])
        report.resumed = True
    elif full:
        window = Window(parse_instant(source.start))
    elif since is not None:
        window = Window(since)
    elif cursor:
        window = Window(parse_instant(cursor) - timedelta(minutes=source.overlap_minutes))
    else:
        window = Window(parse_instant(source.start))
    newest = parse_instant(detail.get("max_seen")) if report.resumed else None
    bar = tqdm(desc=f"{source.name}/{stream.name}", unit=" records", disable=not progress)
    for batch in coalesce(stream.batches(window), source.commit_records):
        if batch.max_updated and (newest is None or batch.max_updated > newest):
            newest = batch.max_updated
        load_started = time.perf_counter()
        _commit(warehouse, source, stream.name, window, batch, newest, report, touched)
        timing.load_seconds += time.perf_counter() - load_started
        bar.update(batch.records)
        bar.set_postfix(batches=report.batches, quarantined=report.quarantined)
    bar.close()
    if reconcile_due(warehouse, source, stream.name, full=full):
        live = stream.live_keys()
        if live is not None:
            reconcile(warehouse, source, stream.name, live, TABLES[live.table], report)
            report.reconciled = True
    final = newest or (parse_instant(cursor) if cursor else None)
    with warehouse.writing() as conn:
        _save_state(
            conn,
            source.name,
            stream.name,
            cursor=final.isoformat() if final else None,
            detail={},
            rows=report.rows,
        )
    return report


def coalesce(batches, records: int):
    """Merge consecutive pages into batches of at least ``records`` vendor records, so the
    warehouse sees a few large transactions instead of one per page. The merged batch ends
    exactly as committing its pages one by one would: a later page's deletions also drop what
    earlier pages of the group would have written, and its loads clear their quarantines."""
    pending: Batch | None = None
    for batch in batches:
        pending = batch if pending is None else _merge(pending, batch)
        if pending.records >= records:
            yield pending
            pending = None
    if pending is not None:
        yield pending


def _merge(first: Batch, then: Batch) -> Batch:
    frames = dict(first.frames)
    for name, keys in then.deletions.items():
        if name in frames and keys:
            key = next(iter(TABLES[name].primary_key.columns)).name
            frames[name] = frames[name][~frames[name][key].astype(str).isin(set(keys))]
    for name, frame in then.frames.items():
        frames[name] = (
            pd.concat([frames[name], frame], ignore_index=True) if name in frames else frame
        )
    loaded = {
        str(k)
        for name, frame in then.frames.items()
        if len(frame)
        for k in frame[next(iter(TABLES[name].primary_key.columns)).name].dropna()
    }
    deletions = {n: list(k) for n, k in first.deletions.items()}
    for name, keys in then.deletions.items():
        deletions.setdefault(name, []).extend(keys)
    newest = [m for m in (first.max_updated, then.max_updated) if m is not None]
    return Batch(
        frames=frames,
        deletions=deletions,
        quarantined=[q for q in first.quarantined if q.record_key not in loaded] + then.quarantined,
        resume=then.resume,
        max_updated=max(newest) if newest else None,
        records=first.records + then.records,
    )


def _commit(warehouse, source, stream_name, window, batch: Batch, newest, report, touched):
    with warehouse.writing() as conn:
        # deletions first: a stream may replace a parent's children (delete by ticket, re-add)
        for name, keys in batch.deletions.items():
            if name == "tickets":
                gone = delete_tickets(conn, keys)
            else:
                gone = delete_rows(conn, TABLES[name], keys) if keys else 0
            report.deleted += gone
            if name not in REPLACED:
                report.removed += gone
        for name, frame in batch.frames.items():
            if name == "surveys" and len(frame):
                frame = frame.assign(sentiment=sentiment(frame["scale"], frame["rating"]))
            report.rows += upsert(conn, TABLES[name], frame)
            if "ticket_id" in frame:
                touched.update(frame["ticket_id"].dropna().astype(str))
        _clear_fixed(conn, source.name, stream_name, batch)
        if batch.quarantined:
            upsert(
                conn,
                t.quarantine,
                pd.DataFrame(
                    [
                        {
                            "source": source.name,
                            "stream": stream_name,
                            "record_key": q.record_key,
                            "reason": q.reason,
                            "payload": q.payload,
                            "seen_at": datetime.now(UTC),
                        }
                        for q in batch.quarantined
                    ]
                ),
            )
        detail = {
            "since": window.since.isoformat() if window.since else None,
            "resume": batch.resume,
            "max_seen": newest.isoformat() if newest else None,
        }
        _save_state(
            conn,
            source.name,
            stream_name,
            cursor=None,
            detail=detail,
            rows=report.rows,
            keep_cursor=True,
        )
        write_meta(conn, DIRTY_KEY, "1")
    report.records += batch.records
    report.quarantined += len(batch.quarantined)
    report.batches += 1


def _clear_fixed(conn, source_name: str, stream_name: str, batch: Batch) -> None:
    """A record quarantined earlier that has now loaded is fixed, and its quarantine row goes.
    A ticket's children (``<ticket>/note/<id>``...) are re-read with the ticket, so those not
    quarantined again in this batch are fixed too."""
    q = t.quarantine.c
    held = {
        key
        for (key,) in conn.execute(
            select(q.record_key).where(q.source == source_name, q.stream == stream_name)
        ).all()
    }
    if not held:
        return
    loaded: set[str] = set()
    for name, frame in batch.frames.items():
        key = next(iter(TABLES[name].primary_key.columns)).name
        if len(frame) and key in frame:
            loaded.update(frame[key].dropna().astype(str))
    fixed = {k for k in held if k in loaded or k.split("/", 1)[0] in loaded}
    fixed -= {x.record_key for x in batch.quarantined}
    for chunk in chunks(sorted(fixed)):
        conn.execute(
            delete(t.quarantine).where(
                q.source == source_name, q.stream == stream_name, q.record_key.in_(chunk)
            )
        )


def _save_state(conn, source, stream, *, cursor, detail, rows, keep_cursor=False) -> None:
    existing = conn.execute(
        select(t.sync_state.c.cursor, t.sync_state.c.last_success_at).where(
            t.sync_state.c.source == source, t.sync_state.c.stream == stream
        )
    ).all()
    succeeded = datetime.now(UTC)
    if keep_cursor:
        # a batch part-way through a run: the stream has not succeeded again yet, and "data as
        # of" must not move for a sync that may still fail
        cursor, succeeded = existing[0] if existing else (cursor, None)
    upsert(
        conn,
        t.sync_state,
        pd.DataFrame(
            [
                {
                    "source": source,
                    "stream": stream,
                    "cursor": cursor,
                    "last_success_at": succeeded,
                    "rows_loaded": rows,
                    "detail": json.dumps(detail),
                }
            ]
        ),
    )
