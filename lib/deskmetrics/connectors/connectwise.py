"""ConnectWise Manage (PSA) REST v3.0: companies, contacts, members, tickets with their status
history and notes, and time entries; optionally the business entities (agreements, projects,
invoices, configurations, opportunities: ``connectwise_business``).

Each ticket page commits together with the status changes parsed from each ticket's audit
trail and the events of its notes, so a stopped sync never leaves a ticket without them. List
streams page forward-only in id order and resume after the last id they committed.

Deletions: ConnectWise has no feed of deleted tickets, so the tickets stream lists the ids the
server still holds (``fields=id``, 1000 a page, forward-only) on a full sync and every
``reconcile_days``; the sync engine removes local tickets missing from that list, with their
status changes, events and time. The listing applies ``ticket_conditions`` as the sync does:
a ticket that leaves that scope (moved to another board) is removed like a deleted one, so a
condition on status (``closedFlag=false``) would remove every ticket that closes.

``sources.<name>.settings`` (all optional):

- ``mapping``: the mapping file (default ``parameters/mappings/connectwise.yaml``): priority
  names, the audit-trail status pattern, seats and technician team/tier fields;
- ``ticket_conditions``: an extra ConnectWise condition on tickets, e.g.
  ``board/name in ("Help Desk","Tier 2")`` (it also bounds the deletion listing, see above);
- ``status_history`` / ``notes``: false skips the per-ticket audit-trail / notes calls;
- ``workers``: per-ticket calls made in parallel (default 4);
- ``api_version``: pin the API version, e.g. ``"2025.1"``;
- ``business_streams``: the business streams to sync after the service ones: ``true`` (all),
  ``false`` (none; the default when left out, which keeps a ticket-only source as it was) or
  a list of ``agreements``, ``projects``, ``invoices`` (revenue lines), ``configurations``
  (devices) and ``opportunities`` (with their stages); see ``connectwise_business``. Their
  vendor names (agreement types, billing cycles, statuses, fields) are mapped in the
  ``business:`` section of the mapping file;
- ``device_coverage``: false skips the per-agreement configuration listing that tells which
  devices are covered (default true).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from deskmetrics.config import Settings
from deskmetrics.connectors import register
from deskmetrics.connectors.base import Batch, Connector, LiveKeys, Quarantined, Stream, Window
from deskmetrics.connectors.connectwise_api import MAX_PAGE_SIZE, Pager, all_of, basic_auth
from deskmetrics.connectors.connectwise_business import BUSINESS, business_streams, chosen_streams
from deskmetrics.connectors.connectwise_business_config import CW_BUSINESS, CW_KEYS, load_business
from deskmetrics.connectors.connectwise_business_map import CwBusinessMapper
from deskmetrics.connectors.connectwise_config import DEFAULT_MAPPING, load_mapping
from deskmetrics.connectors.connectwise_fields import Malformed, frame, map_page, quarantined
from deskmetrics.connectors.connectwise_map import CwMapper
from deskmetrics.connectors.connectwise_stream import ListStream, is_id
from deskmetrics.connectors.http import HttpClient
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.errors import ConfigError

SETTINGS = (
    "mapping",
    "ticket_conditions",
    "status_history",
    "notes",
    "workers",
    "api_version",
    "business_streams",
    "device_coverage",
)
SERVICE_TICKETS = 'chargeToType="ServiceTicket"'


class _TicketStream(ListStream):
    """Tickets, each with its audit-trail status changes and its notes, in one batch."""

    def __init__(
        self, mapper: CwMapper, pager: Pager, *, history: bool, notes: bool, workers: int, **kw
    ) -> None:
        super().__init__("tickets", "tickets", "service/tickets", mapper.ticket, pager, **kw)
        self.mapper, self.history, self.notes, self.workers = mapper, history, notes, workers

    def batches(self, window: Window) -> Iterator[Batch]:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            self._pool = pool
            yield from super().batches(window)

    def live_keys(self) -> LiveKeys:
        """Every ticket id in the sync's scope, ids only and 1000 a page: the cheapest listing
        ConnectWise offers, and the only way to learn of deleted tickets."""
        params = {"orderBy": "id asc", "fields": "id"}
        if self.conditions:
            params["conditions"] = all_of(self.conditions)
        pages = self.pager.forward(self.path, params, page_size=MAX_PAGE_SIZE)
        ids = ([str(r["id"]) for r in page if is_id(r.get("id"))] for page, _ in pages)
        return LiveKeys(table="tickets", source="connectwise", pages=ids)

    def page_batch(self, page: list[dict]) -> Batch:
        rows, bad = map_page(page, self.convert)
        changes, events = [], []
        for ticket_changes, ticket_events, ticket_bad in self._pool.map(self._children, rows):
            changes += ticket_changes
            events += ticket_events
            bad += ticket_bad
        return Batch(
            frames={
                "tickets": frame("tickets", rows),
                "status_changes": frame("status_changes", changes),
                "ticket_events": frame("ticket_events", events),
            },
            quarantined=bad,
        )

    def _children(self, ticket: dict) -> tuple[list[dict], list[dict], list[Quarantined]]:
        ticket_id = ticket["ticket_id"]
        changes: list[dict] = []
        events: list[dict] = []
        bad: list[Quarantined] = []
        if self.history:
            params = {"type": "Ticket", "id": ticket_id}
            entries = self.pager.collect("system/audittrail", params)
            changes, bad = self.mapper.status_changes(ticket, entries)
        if self.notes:
            notes = self.pager.collect(f"service/tickets/{ticket_id}/notes", {"orderBy": "id asc"})
            for n, note in enumerate(notes):
                try:
                    events.append(self.mapper.event(ticket_id, note))
                except Malformed as exc:
                    key = f"{ticket_id}/note/{note.get('id', n)}"
                    bad.append(quarantined(key, f"note: {exc}", note))
        return changes, events, bad


@register("connectwise")
class ConnectWiseConnector(Connector):
    """ConnectWise Manage over REST; ``sleep`` is injectable so tests skip retry waits."""

    def __init__(
        self,
        source: SourceConfig,
        settings: Settings,
        client: HttpClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        source.check_settings(SETTINGS, "ConnectWise")
        self._sleep = sleep
        self._headers: dict[str, str] | None = None
        self.mapping = load_mapping(source.settings.get("mapping"))
        self.business = load_business(
            source.settings.get("mapping") or DEFAULT_MAPPING, CW_BUSINESS, CW_KEYS
        )
        self.business_names = chosen_streams(
            source.settings.get("business_streams"), source.name, tuple(BUSINESS)
        )
        workers = source.settings.get("workers", 4)
        if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= 32:
            raise ConfigError(f"sources.{source.name}.settings.workers: use a whole number 1-32")
        self.workers = workers
        super().__init__(source, settings, client)

    def auth_headers(self) -> dict[str, str]:
        """Basic auth plus the clientId header; secrets are read once, from the environment."""
        if self._headers is None:
            secret = self.source.secret
            version = self.source.settings.get("api_version")
            accept = (
                f"application/vnd.connectwise.com+json; version={version}"
                if version
                else "application/json"
            )
            self._headers = {
                "Authorization": basic_auth(
                    secret("company_id"), secret("public_key"), secret("private_key")
                ),
                "clientId": secret("client_id"),
                "Accept": accept,
            }
        return self._headers

    def make_client(self) -> HttpClient:
        self.auth_headers()  # a missing variable fails here, named, before any request
        return HttpClient(
            self.source.base_url,
            auth_headers=self.auth_headers,
            per_minute=self.per_minute,
            sleep=self._sleep,
        )

    def streams(self) -> list[Stream]:
        names = ", ".join(self.source.secrets.get(role, role) for role in _ROLES)
        hint = f"the API keys and clientId in the environment variables {names}"
        pager = Pager(self.client, self.source.page_size, hint)
        mapper = CwMapper(self.mapping)
        options = self.source.settings
        tickets = _TicketStream(
            mapper,
            pager,
            history=bool(options.get("status_history", True)),
            notes=bool(options.get("notes", True)),
            workers=self.workers,
            conditions=options.get("ticket_conditions"),
        )
        service: list[Stream] = [
            ListStream("companies", "clients", "company/companies", mapper.client, pager),
            ListStream("contacts", "contacts", "company/contacts", mapper.contact, pager),
            # members are few and their lastUpdated filter is unverified: always read them all
            ListStream(
                "members",
                "technicians",
                "system/members",
                mapper.technician,
                pager,
                incremental=False,
            ),
            tickets,
            ListStream(
                "time_entries",
                "time_entries",
                "time/entries",
                mapper.time_entry,
                pager,
                conditions=SERVICE_TICKETS,
            ),
        ]
        return service + business_streams(
            self.business_names,
            CwBusinessMapper(self.business),
            pager,
            coverage=bool(options.get("device_coverage", True)),
        )


_ROLES = ("company_id", "public_key", "private_key", "client_id")
