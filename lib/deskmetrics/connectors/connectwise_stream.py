"""The ConnectWise list stream every resource shares: forward-only pages in id order from
``lastUpdated``, resumable after the last id committed, optionally with an id listing for
records deleted at the source."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from deskmetrics.connectors.base import Batch, LiveKeys, Stream, Window
from deskmetrics.connectors.connectwise_api import MAX_PAGE_SIZE, Pager, all_of, updated_since
from deskmetrics.connectors.connectwise_fields import frame, instant, last_updated, map_page

SOURCE = "connectwise"  # the value of the canonical ``source`` column this connector owns


class ListStream(Stream):
    """One list endpoint, forward-only in id order, optionally from ``lastUpdated``.

    ``live_table``: the canonical table whose rows this endpoint's ids are; when set, the
    stream lists every id the server still holds (``fields=id``, 1000 a page) so the sync
    engine can remove records deleted at the source."""

    def __init__(
        self,
        name: str,
        table: str,
        path: str,
        convert: Callable[[dict], dict],
        pager: Pager,
        *,
        incremental: bool = True,
        conditions: str | None = None,
        live_table: str | None = None,
    ) -> None:
        self.name, self.table, self.path, self.convert = name, table, path, convert
        self.pager, self.incremental, self.conditions = pager, incremental, conditions
        self.live_table = live_table

    def batches(self, window: Window) -> Iterator[Batch]:
        """Pages in id order. ``max_updated`` never passes the server time of the window's
        first page (kept in the resume position): a record of an earlier page that changes
        while later pages are read is then read again by the next sync."""
        after = int(window.resume.get("after_id") or 0)
        started = window.resume.get("started")
        started = instant(started, "started").to_pydatetime() if started else None
        params = {"orderBy": "id asc"}
        conditions = all_of(
            updated_since(window.since) if self.incremental else None,
            self.conditions,
            f"id > {after}" if after else None,
        )
        if conditions:
            params["conditions"] = conditions
        for page, served_at in self.pager.forward(self.path, params):
            started = started or served_at
            batch = self.page_batch(page)
            ids = [r["id"] for r in page if isinstance(r.get("id"), int)]
            after = max([after, *ids])
            batch.resume = {"after_id": after, "started": started.isoformat() if started else None}
            stamps = [s.to_pydatetime() for s in map(last_updated, page) if s is not None]
            newest = max(stamps) if stamps else None
            batch.max_updated = min(newest, started) if newest and started else newest
            batch.records = len(page)
            yield batch

    def page_batch(self, page: list[dict]) -> Batch:
        rows, bad = map_page(page, self.convert)
        return Batch(frames={self.table: frame(self.table, rows)}, quarantined=bad)

    def live_keys(self) -> LiveKeys | None:
        """Every id in the stream's scope, ids only and 1000 a page; None without
        ``live_table``."""
        if self.live_table is None:
            return None
        params = {"orderBy": "id asc", "fields": "id"}
        if self.conditions:
            params["conditions"] = all_of(self.conditions)
        pages = self.pager.forward(self.path, params, page_size=MAX_PAGE_SIZE)
        ids = ([str(r["id"]) for r in page if is_id(r.get("id"))] for page, _ in pages)
        return LiveKeys(table=self.live_table, source=SOURCE, pages=ids)


def is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
