"""Records deleted at the source, removed here with what belongs to them: by a batch that says
so (feeds that report deletions), or by reconciling with the vendor's list of the ids it still
holds (vendors that do not), every ``reconcile_days``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from deskmetrics.connectors.base import LiveKeys
from deskmetrics.schema import business_tables as bt
from deskmetrics.schema import tables as t
from deskmetrics.warehouse.meta import read_meta, write_meta

log = logging.getLogger(__name__)
# the children that go with a ticket deleted at the source
TICKET_CHILDREN = (t.status_changes, t.ticket_events, t.time_entries)
# the children that go with another record deleted at the source, keyed by the parent's key
CHILDREN = {"opportunities": (bt.opportunity_stages,)}


def delete_tickets(conn, ids) -> int:
    """Tickets deleted at the source go with their status history, events and time."""
    deleted = 0
    for chunk in chunks(sorted(set(ids))):
        for child in TICKET_CHILDREN:
            conn.execute(delete(child).where(child.c.ticket_id.in_(chunk)))
        deleted += conn.execute(delete(t.tickets).where(t.tickets.c.ticket_id.in_(chunk))).rowcount
    return deleted


def delete_rows(conn, table, keys) -> int:
    """Rows of ``table`` by their (first) key column, with their children (``CHILDREN``)."""
    key = next(iter(table.primary_key.columns))
    for child in CHILDREN.get(table.name, ()):
        conn.execute(delete(child).where(child.c[key.name].in_(keys)))
    return conn.execute(delete(table).where(key.in_(keys))).rowcount or 0


def chunks(values: list[str], size: int = 1000):
    """``values`` in slices: an IN list of every id would be one huge statement."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


def reconcile_due(warehouse, source, stream_name: str, *, full: bool) -> bool:
    """Whether this sync lists the vendor's ids: on --full, or ``reconcile_days`` after the last."""
    if full or source.reconcile_days == 0:
        return True
    with warehouse.reading() as conn:
        last = read_meta(conn, _reconcile_key(source.name, stream_name))
    if last is None:
        return True
    return datetime.now(UTC) - datetime.fromisoformat(last) >= timedelta(days=source.reconcile_days)


def _reconcile_key(source_name: str, stream_name: str) -> str:
    return f"reconciled:{source_name}:{stream_name}"


def reconcile(warehouse, source, stream_name, live: LiveKeys, table, report) -> None:
    """Remove local rows the vendor no longer holds. The whole key list is read before anything
    is deleted, so a listing that fails part-way deletes nothing."""
    keys: set[str] = set()
    for page in live.pages:
        keys.update(str(k) for k in page)
    key = next(iter(table.primary_key.columns))
    with warehouse.writing() as conn:
        local = {
            str(k) for (k,) in conn.execute(select(key).where(table.c.source == live.source)).all()
        }
        gone = sorted(local - keys)
        if gone and not keys:
            # an empty listing against a full warehouse is a permissions or filter problem,
            # not a vendor that deleted everything
            log.warning(
                "%s/%s: the source listed no %s; nothing removed",
                source.name,
                stream_name,
                live.table,
            )
            return
        removed = 0
        if live.table == "tickets":
            removed = delete_tickets(conn, gone)
        else:
            for chunk in chunks(gone):
                removed += delete_rows(conn, table, chunk)
        report.deleted += removed
        report.removed += removed
        if gone:
            log.info("%s/%s: removed %d deleted at the source", source.name, stream_name, len(gone))
        write_meta(conn, _reconcile_key(source.name, stream_name), datetime.now(UTC).isoformat())
