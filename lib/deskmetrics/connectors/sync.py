"""The sync engine: stream a source's pages into the warehouse, resumably.

Each batch commits together with the stream's position, so a sync killed at any point and run
again leaves the warehouse exactly as one clean run would. The stream's cursor (the newest
server-side update time it covered) advances only when the whole window is committed; the next
incremental sync starts a few minutes before it, and upserts make the overlap harmless.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import delete, select
from tqdm.auto import tqdm

from deskmetrics.config import Settings
from deskmetrics.connectors import get_connector
from deskmetrics.connectors.base import Batch, Connector, Window
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.schema import tables as t
from deskmetrics.schema.sentiment import sentiment
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.facts import refresh_facts
from deskmetrics.warehouse.load import ensure_schema, upsert

log = logging.getLogger(__name__)
TABLES = {table.name: table for table in t.CANONICAL_TABLES}
DIRTY_KEY = "facts_dirty"


@dataclass
class StreamReport:
    records: int = 0
    rows: int = 0
    quarantined: int = 0
    deleted: int = 0
    batches: int = 0
    resumed: bool = False


@dataclass
class SyncReport:
    source: str
    streams: dict[str, StreamReport] = field(default_factory=dict)

    @property
    def quarantined(self) -> int:
        return sum(s.quarantined for s in self.streams.values())


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
    connector = connector or get_connector(source.type)(source, settings)
    report = SyncReport(source.name)
    with warehouse.writing() as conn:
        ensure_schema(conn)
        was_dirty = _meta(conn, DIRTY_KEY) == "1"
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
            )
    finally:
        connector.close()
    with warehouse.writing() as conn:
        if was_dirty or touched:
            ids = None if was_dirty else pd.Series(sorted(touched))
            refresh_facts(conn, settings, ids)
        _set_meta(conn, DIRTY_KEY, "0")
    return report


def _sync_stream(warehouse, source, stream, *, full, since, touched, progress) -> StreamReport:
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
    for batch in stream.batches(window):
        if batch.max_updated and (newest is None or batch.max_updated > newest):
            newest = batch.max_updated
        _commit(warehouse, source, stream.name, window, batch, newest, report, touched)
        bar.update(batch.records)
        bar.set_postfix(batches=report.batches, quarantined=report.quarantined)
    bar.close()
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


def _commit(warehouse, source, stream_name, window, batch: Batch, newest, report, touched):
    with warehouse.writing() as conn:
        # deletions first: a stream may replace a parent's children (delete by ticket, re-add)
        for name, keys in batch.deletions.items():
            table = TABLES[name]
            key = next(iter(table.primary_key.columns))
            if keys:
                report.deleted += conn.execute(delete(table).where(key.in_(keys))).rowcount or 0
        for name, frame in batch.frames.items():
            if name == "surveys" and len(frame):
                frame = frame.assign(sentiment=sentiment(frame["scale"], frame["rating"]))
            report.rows += upsert(conn, TABLES[name], frame)
            if "ticket_id" in frame:
                touched.update(frame["ticket_id"].dropna().astype(str))
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
        _set_meta(conn, DIRTY_KEY, "1")
    report.records += batch.records
    report.quarantined += len(batch.quarantined)
    report.batches += 1


def _save_state(conn, source, stream, *, cursor, detail, rows, keep_cursor=False) -> None:
    existing = conn.execute(
        select(t.sync_state.c.cursor).where(
            t.sync_state.c.source == source, t.sync_state.c.stream == stream
        )
    ).all()
    if keep_cursor and existing:
        cursor = existing[0][0]
    upsert(
        conn,
        t.sync_state,
        pd.DataFrame(
            [
                {
                    "source": source,
                    "stream": stream,
                    "cursor": cursor,
                    "last_success_at": datetime.now(UTC),
                    "rows_loaded": rows,
                    "detail": json.dumps(detail),
                }
            ]
        ),
    )


def _meta(conn, key: str) -> str | None:
    rows = conn.execute(select(t.warehouse_meta.c.value).where(t.warehouse_meta.c.key == key)).all()
    return rows[0][0] if rows else None


def _set_meta(conn, key: str, value: str) -> None:
    upsert(conn, t.warehouse_meta, pd.DataFrame({"key": [key], "value": [value]}))
