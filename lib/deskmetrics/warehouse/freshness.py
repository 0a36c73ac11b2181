"""How current each source's data is: "data as of" per source, read from ``sync_state``.

A source is only as fresh as its stalest stream (tickets synced a minute ago do not make the
surveys current), so a source's time is its oldest stream's last success; the newest is kept
too. A stream whose first sync never finished (no cursor yet, a resume position pending) has
partial data and is listed as never succeeded instead. A warehouse without any sync rows
(loaded before sync_state existed) is as fresh as its newest ticket change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Connection, func, inspect, select

from deskmetrics.schema.tables import sync_state, tickets

IMPORTED = "imported"  # the one entry of a warehouse without sync rows


@dataclass(frozen=True)
class SourceFreshness:
    """One source's freshness; times are aware UTC, None when no stream ever succeeded."""

    name: str
    last_success_at: datetime | None  # the oldest stream's last success: what readers can rely on
    newest_success_at: datetime | None
    streams: int
    never_succeeded: tuple[str, ...] = ()


def source_freshness(conn: Connection) -> list[SourceFreshness]:
    """One entry per source, sorted by name; [] for a warehouse with no data at all."""
    if not _has_table(conn, sync_state.name):
        return []
    rows = conn.execute(
        select(
            sync_state.c.source,
            sync_state.c.stream,
            sync_state.c.cursor,
            sync_state.c.last_success_at,
            sync_state.c.detail,
        ).order_by(sync_state.c.source, sync_state.c.stream)
    ).all()
    if not rows:
        return _imported(conn)
    by_source: dict[str, list[tuple[str, datetime | None]]] = {}
    for source, stream, cursor, last, detail in rows:
        succeeded = last is not None and not (cursor is None and _resuming(detail))
        by_source.setdefault(source, []).append((stream, as_utc(last) if succeeded else None))
    return [_entry(name, streams) for name, streams in sorted(by_source.items())]


def _entry(name: str, streams: list[tuple[str, datetime | None]]) -> SourceFreshness:
    times = [when for _, when in streams if when is not None]
    return SourceFreshness(
        name=name,
        last_success_at=min(times) if times else None,
        newest_success_at=max(times) if times else None,
        streams=len(streams),
        never_succeeded=tuple(stream for stream, when in streams if when is None),
    )


def _imported(conn: Connection) -> list[SourceFreshness]:
    if not _has_table(conn, tickets.name):
        return []
    latest = conn.execute(
        select(func.max(func.coalesce(tickets.c.updated_at, tickets.c.created_at)))
    ).scalar()
    if latest is None:
        return []
    when = as_utc(latest)
    return [SourceFreshness(IMPORTED, when, when, streams=1)]


def _resuming(detail: str | None) -> bool:
    """A stream mid-way through a sync keeps its resume position in ``detail``."""
    try:
        parsed = json.loads(detail or "{}")
    except ValueError:
        return False
    return isinstance(parsed, dict) and bool(parsed.get("resume"))


def _has_table(conn: Connection, name: str) -> bool:
    return inspect(conn).has_table(name)


def as_utc(value: datetime | str) -> datetime:
    """Warehouse instants are naive UTC (SQLite may hand back text); make them aware UTC."""
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    return stamp.to_pydatetime()
