"""Autotask PSA REST v1.0: companies, contacts, resources, tickets with their status history
and notes, time entries and native survey results; optionally the business entities
(Contracts, Projects, Invoices, ConfigurationItems, Opportunities: ``autotask_business``).

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
  endpoint, default 3);
- ``business_streams``: the business streams to sync after the service ones: ``true`` (all),
  ``false`` (none; the default when left out, which keeps a ticket-only source as it was) or
  a list of ``contracts`` (agreements), ``projects``, ``invoices`` (revenue lines),
  ``configuration_items`` (devices) and ``opportunities`` (with their stages); see
  ``autotask_business``. Picklist labels that decide canonical values are mapped in the
  ``business:`` section of the mapping file;
- ``cursor_fields``: the update-time field of a business entity, by stream name, e.g.
  ``{contracts: lastModifiedDateTime}``; null reads the whole entity every sync (the
  defaults are in ``autotask_business``; all UNCONFIRMED).
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
    zone_url,
)
from deskmetrics.connectors.autotask_business import BUSINESS, business_streams, cursor_fields
from deskmetrics.connectors.autotask_business_map import AtBusinessMapper
from deskmetrics.connectors.autotask_map import DEFAULT_MAPPING, AtMapper, load_mapping
from deskmetrics.connectors.autotask_stream import QueryStream, is_id
from deskmetrics.connectors.base import Batch, Connector, LiveKeys, Quarantined, Stream, Window
from deskmetrics.connectors.connectwise_business import chosen_streams
from deskmetrics.connectors.connectwise_business_config import AT_BUSINESS, AT_KEYS, load_business
from deskmetrics.connectors.connectwise_fields import (
    Malformed,
    frame,
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
    "business_streams",
    "cursor_fields",
)
_ROLES = ("integration_code", "username", "secret")


class _TicketStream(QueryStream):
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
        ids = ([str(r["id"]) for r in page if is_id(r.get("id"))] for page, _ in pages)
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
        self.business = load_business(
            source.settings.get("mapping") or DEFAULT_MAPPING, AT_BUSINESS, AT_KEYS
        )
        self.business_names = chosen_streams(
            source.settings.get("business_streams"), source.name, tuple(BUSINESS)
        )
        self.cursors = cursor_fields(source.settings.get("cursor_fields"), source.name)
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
            QueryStream("companies", "clients", "Companies", mapper.client, pager),
            QueryStream("contacts", "contacts", "Contacts", mapper.contact, pager),
            QueryStream("resources", "technicians", "Resources", mapper.technician, pager),
            _TicketStream(
                mapper,
                pager,
                history=bool(options.get("status_history", True)),
                notes=bool(options.get("notes", True)),
                workers=self.workers,
                condition=options.get("ticket_filter"),
            ),
            QueryStream(
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
                QueryStream(
                    "surveys",
                    "surveys",
                    "SurveyResults",
                    mapper.survey,
                    pager,
                    cursor_field="completeDate",
                )
            )
        stamps = {BUSINESS[name][0]: field for name, field in self.cursors.items()}
        business = AtBusinessMapper(self.business, stamps)
        return streams + business_streams(self.business_names, business, pager, self.cursors)
