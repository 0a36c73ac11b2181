"""The Autotask query stream every entity shares: pages in id order (an ``id gt N`` filter,
which Autotask's required filter and the resume position both use), optionally from
``cursor_field gt since``, optionally with an id listing for records deleted at the source."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from deskmetrics.connectors.autotask_api import MAX_RECORDS, Pager, since_filter
from deskmetrics.connectors.base import Batch, LiveKeys, Stream, Window
from deskmetrics.connectors.connectwise_fields import Malformed, frame, instant, map_page

SOURCE = "autotask"  # the value of the canonical ``source`` column this connector owns


class QueryStream(Stream):
    """One entity query in id order, optionally from ``cursor_field gt since``.

    ``live_table``: the canonical table whose rows this entity's ids are; when set, the stream
    lists every id Autotask still holds (``IncludeFields: ["id"]``, 500 a page) so the sync
    engine can remove records deleted at the source."""

    def __init__(
        self,
        name: str,
        table: str,
        entity: str,
        convert: Callable[[dict], dict],
        pager: Pager,
        *,
        cursor_field: str | None = None,
        condition: dict | None = None,
        live_table: str | None = None,
    ) -> None:
        self.name, self.table, self.entity, self.convert = name, table, entity, convert
        self.pager, self.cursor_field, self.condition = pager, cursor_field, condition
        self.live_table = live_table

    def batches(self, window: Window) -> Iterator[Batch]:
        """Pages in id order. ``max_updated`` never passes the server time of the window's
        first page (kept in the resume position): a record of an earlier page that changes
        while later pages are read is then read again by the next sync."""
        after = int(window.resume.get("after_id") or 0)
        started = window.resume.get("started")
        started = instant(started, "started").to_pydatetime() if started else None
        since = since_filter(self.cursor_field, window.since) if self.cursor_field else None
        by_id = {"op": "gt", "field": "id", "value": after}
        for page, served_at in self.pager.query(self.entity, since, self.condition, by_id):
            started = started or served_at
            batch = self.page_batch(page)
            ids = [r["id"] for r in page if isinstance(r.get("id"), int)]
            after = max([after, *ids])
            batch.resume = {"after_id": after, "started": started.isoformat() if started else None}
            stamps = [s.to_pydatetime() for s in map(self._stamp, page) if s is not None]
            newest = max(stamps) if stamps else None
            batch.max_updated = min(newest, started) if newest and started else newest
            batch.records = len(page)
            yield batch

    def _stamp(self, record: dict):
        if not self.cursor_field:
            return None
        try:
            return instant(record.get(self.cursor_field), self.cursor_field)
        except Malformed:
            return None

    def page_batch(self, page: list[dict]) -> Batch:
        rows, bad = map_page(page, self.convert)
        return Batch(frames={self.table: frame(self.table, rows)}, quarantined=bad)

    def live_keys(self) -> LiveKeys | None:
        """Every id within ``condition``, ids only and 500 a page; None without
        ``live_table``."""
        if self.live_table is None:
            return None
        every = {"op": "gt", "field": "id", "value": 0}  # Autotask requires one filter
        pages = self.pager.query(
            self.entity, every, self.condition, fields=["id"], page_size=MAX_RECORDS
        )
        ids = ([str(r["id"]) for r in page if is_id(r.get("id"))] for page, _ in pages)
        return LiveKeys(table=self.live_table, source=SOURCE, pages=ids)


def is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
