"""Autotask PSA REST v1.0: companies, contacts, resources, tickets with their status history
and notes, time entries and native survey results.

Each ticket page commits together with the status changes parsed from each ticket's
TicketHistory and the events of its TicketNotes (one ``ticketID in [...]`` query per page), so
a stopped sync never leaves a ticket without them. Every stream pages in id order and resumes
after the last id it committed (an ``id gt N`` filter).

Deletions: on a full sync and every ``reconcile_days`` the tickets stream lists the ids
Autotask still holds (``Tickets/query``, ``IncludeFields: ["id"]``, 500 a page, the same
``ticket_filter``); the sync engine removes local tickets missing from it, with their status
changes, events and time. A ticket that leaves the filter's scope goes too, so filter on
queues, not status. ``DeletedTicketLogs`` (in public clients, not the connector notes; fields
and required permissions UNCONFIRMED) would be cheaper but misses tickets that left the scope.

``sources.<name>`` for Autotask: ``base_url`` is the zone's REST root, e.g.
``https://webservices5.autotask.net/atservicesrest/v1.0``; with
``https://webservices.autotask.net/atservicesrest/v1.0`` (the discovery host) or
``settings.zone_discovery_url`` the zone is looked up first (``zoneInformation?user=``).
Secrets (environment variable names): ``integration_code``, ``username``, ``secret``.

``settings`` (all optional):

- ``mapping``: the mapping file (default ``parameters/mappings/autotask.yaml``);
- ``zone_discovery_url``: the zoneInformation URL to ask for the zone;
- ``ticket_filter``: an extra Autotask filter item ANDed to the ticket query, e.g.
  ``{"op": "in", "field": "queueID", "value": [29683487]}`` (it bounds the id listing too);
- ``status_history`` / ``notes`` / ``surveys``: false skips TicketHistory (one call per
  ticket) / TicketNotes / SurveyResults;
- ``workers``: TicketHistory calls made in parallel (1-3; Autotask allows 3 threads per
  endpoint, default 3).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from deskmetrics.config import Settings
from deskmetrics.connectors import register
from deskmetrics.connectors.autotask_api import (
    DISCOVERY_URL,
    MAX_RECORDS,
    Pager,
    since_filter,
    zone_url,
)
from deskmetrics.connectors.autotask_map import AtMapper, load_mapping
from deskmetrics.connectors.base import Batch, Connector, LiveKeys, Quarantined, Stream, Window
from deskmetrics.connectors.connectwise_fields import (
    Malformed,
    frame,
    instant,
    map_page,
    quarantined,
)
from deskmetrics.connectors.http import HttpClient
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.errors import ConfigError

SETTINGS = (
    "mapping",
    "zone_discovery_url",
    "ticket_filter",
    "status_history",
    "notes",
    "surveys",
    "workers",
)
_ROLES = ("integration_code", "username", "secret")


class _QueryStream(Stream):
    """One entity query in id order, optionally from ``cursor_field gt since``."""

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
    ) -> None:
        self.name, self.table, self.entity, self.convert = name, table, entity, convert
        self.pager, self.cursor_field, self.condition = pager, cursor_field, condition

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


class _TicketStream(_QueryStream):
    """Tickets, each with its TicketHistory status changes and TicketNotes events."""

    def __init__(
        self, mapper: AtMapper, pager: Pager, *, history: bool, notes: bool, workers: int, **kw
    ) -> None:
        super().__init__(
            "tickets",
            "tickets",
            "Tickets",
            mapper.ticket,
            pager,
            cursor_field="lastActivityDate",
            **kw,
        )
        self.mapper, self.history, self.notes, self.workers = mapper, history, notes, workers

    def batches(self, window: Window) -> Iterator[Batch]:
        if not self.mapper.picklists:  # fetched once per sync, before the first ticket page
            self.mapper.picklists["Tickets"] = self.pager.picklists("Tickets")
            if self.notes:
                self.mapper.picklists["TicketNotes"] = self.pager.picklists("TicketNotes")
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            self._pool = pool
            yield from super().batches(window)

    def live_keys(self) -> LiveKeys:
        """Every ticket id within ``ticket_filter``, ids only and 500 a page."""
        every = {"op": "gt", "field": "id", "value": 0}  # Autotask requires one filter
        pages = self.pager.query(
            self.entity, every, self.condition, fields=["id"], page_size=MAX_RECORDS
        )
        ids = ([str(r["id"]) for r in page if _is_id(r.get("id"))] for page, _ in pages)
        return LiveKeys(table="tickets", source="autotask", pages=ids)

    def page_batch(self, page: list[dict]) -> Batch:
        rows, bad = map_page(page, self.convert)
        changes, events = [], []
        if self.history:
            for ticket_changes, ticket_bad in self._pool.map(self._history, rows):
                changes += ticket_changes
                bad += ticket_bad
        if self.notes and rows:
            ids = [int(r["ticket_id"]) for r in rows]
            in_page = {"op": "in", "field": "ticketID", "value": ids}
            notes = self.pager.collect("TicketNotes", in_page)
            for n, note in enumerate(sorted(notes, key=lambda x: str(x.get("id")))):
                try:
                    events.append(self.mapper.event(note))
                except Malformed as exc:
                    key = f"{note.get('ticketID')}/note/{note.get('id', n)}"
                    bad.append(quarantined(key, f"note: {exc}", note))
        return Batch(
            frames={
                "tickets": frame("tickets", rows),
                "status_changes": frame("status_changes", changes),
                "ticket_events": frame("ticket_events", events),
            },
            quarantined=bad,
        )

    def _history(self, ticket: dict) -> tuple[list[dict], list[Quarantined]]:
        # TicketHistory accepts only one ``ticketID eq`` filter (reference 2.3)
        only = {"op": "eq", "field": "ticketID", "value": int(ticket["ticket_id"])}
        return self.mapper.status_changes(ticket, self.pager.collect("TicketHistory", only))


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@register("autotask")
class AutotaskConnector(Connector):
    """Autotask over REST; ``sleep`` is injectable so tests skip retry waits."""

    default_per_minute = 150  # 10,000 requests an hour per database, shared

    def __init__(
        self,
        source: SourceConfig,
        settings: Settings,
        client: HttpClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        source.check_settings(SETTINGS, "Autotask")
        self._sleep = sleep
        self._headers: dict[str, str] | None = None
        self.mapping = load_mapping(source.settings.get("mapping"))
        workers = source.settings.get("workers", 3)
        if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= 3:
            raise ConfigError(f"sources.{source.name}.settings.workers: use a whole number 1-3")
        extra = source.settings.get("ticket_filter")
        if extra is not None and not (isinstance(extra, dict) and "op" in extra):
            raise ConfigError(
                f"sources.{source.name}.settings.ticket_filter: use one Autotask filter item "
                'such as {"op": "eq", "field": "queueID", "value": 1}'
            )
        self.workers = workers
        super().__init__(source, settings, client)

    def auth_headers(self) -> dict[str, str]:
        """The three Autotask headers; secrets are read once, from the environment."""
        if self._headers is None:
            secret = self.source.secret
            self._headers = {
                "ApiIntegrationCode": secret("integration_code"),
                "UserName": secret("username"),
                "Secret": secret("secret"),
                "Accept": "application/json",
            }
        return self._headers

    def make_client(self, base_url: str | None = None) -> HttpClient:
        self.auth_headers()  # a missing variable fails here, named, before any request
        return HttpClient(
            base_url or self.source.base_url,
            auth_headers=self.auth_headers,
            per_minute=self.per_minute,
            sleep=self._sleep,
        )

    def discover_zone(self) -> None:
        """Point the client at the tenant's zone when the source asks for discovery."""
        url = self.source.settings.get("zone_discovery_url")
        base = self.source.base_url.lower().rstrip("/")
        if url is None and base.removesuffix("/v1.0") == DISCOVERY_URL.lower().rsplit("/", 2)[0]:
            url = DISCOVERY_URL
        if url is None:
            return
        zone = zone_url(self.client, url, self.auth_headers()["UserName"])
        self.client.close()
        self.client = self.make_client(zone)

    def streams(self) -> list[Stream]:
        self.discover_zone()
        names = ", ".join(self.source.secrets.get(role, role) for role in _ROLES)
        pager = Pager(self.client, self.source.page_size, f"the API user in {names}")
        mapper = AtMapper(self.mapping, {})
        options = self.source.settings
        streams: list[Stream] = [
            # no modification-time field of these is confirmed: always read them all
            _QueryStream("companies", "clients", "Companies", mapper.client, pager),
            _QueryStream("contacts", "contacts", "Contacts", mapper.contact, pager),
            _QueryStream("resources", "technicians", "Resources", mapper.technician, pager),
            _TicketStream(
                mapper,
                pager,
                history=bool(options.get("status_history", True)),
                notes=bool(options.get("notes", True)),
                workers=self.workers,
                condition=options.get("ticket_filter"),
            ),
            _QueryStream(
                "time_entries",
                "time_entries",
                "TimeEntries",
                mapper.time_entry,
                pager,
                cursor_field="lastModifiedDateTime",
                condition={"op": "exist", "field": "ticketID"},
            ),
        ]
        if options.get("surveys", True):
            streams.append(
                _QueryStream(
                    "surveys",
                    "surveys",
                    "SurveyResults",
                    mapper.survey,
                    pager,
                    cursor_field="completeDate",
                )
            )
        return streams
