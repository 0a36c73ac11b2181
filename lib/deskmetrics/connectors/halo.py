"""Halo PSA REST API: clients, agents, and tickets with the status changes, conversation events
and time entries read from each ticket's actions.

Tickets are read with ``pageinate=true`` in id order (``order=id``) from ``lastupdatefromdate``;
each page commits together with the children of its tickets (replacing their earlier status
changes and events), and a stopped sync resumes at the next page, skipping ids it committed.
Statuses are looked up once (``/api/status``) to name ``status_id``/``new_status``.

Deletions: Halo reports none, so on a full sync and every ``reconcile_days`` the tickets
stream lists the ids Halo still holds and the sync engine removes local tickets missing from
it, with their status changes, events and time. The list is one ``ticketidonly=true`` call,
checked against ``record_count`` read from a one-record page; if it falls short (whether an
unpaged answer is capped is UNCONFIRMED) the ids are read from whole pages of 100 instead.
With ``open_only`` the listing still covers every ticket, open or closed: a ticket that
closed after it was synced has left the synced scope but not Halo, and is kept (as last
synced, since ``open_only`` syncs never see it close).

``sources.<name>.settings`` (all optional):

- ``mapping``: the mapping file (default ``parameters/mappings/halo.yaml``);
- ``tenant``: hosted Halo's tenant, sent as ``?tenant=`` to the token endpoint;
- ``token_url``: the token endpoint when it is not ``{base_url}/auth/token``;
- ``scope``: the OAuth scope (default ``all``);
- ``actions``: false skips the per-ticket ``/api/actions`` calls;
- ``open_only``: true reads open tickets only (the deletion listing still reads them all).

Secrets (``sources.<name>.secrets``): ``client_id`` and ``client_secret``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from deskmetrics.config import Settings
from deskmetrics.connectors import register
from deskmetrics.connectors.base import Batch, Connector, LiveKeys, Stream, Window
from deskmetrics.connectors.connectwise_fields import frame, instant, map_page
from deskmetrics.connectors.halo_api import HaloApi, HaloToken
from deskmetrics.connectors.halo_map import HaloMapper, halo_instant, load_mapping
from deskmetrics.connectors.http import HttpClient
from deskmetrics.connectors.sources import SourceConfig

SETTINGS = ("mapping", "tenant", "token_url", "scope", "actions", "open_only")
ROLES = ("client_id", "client_secret")


def halo_date(moment: datetime) -> str:
    """``lastupdatefromdate`` text: naive UTC, floored to the second (Halo compares inclusively
    to the second at best; the sync engine's overlap and upserts absorb repeats)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


class _LookupStream(Stream):
    """A small lookup list (clients, agents), read whole on every sync in one batch per page."""

    def __init__(self, name, table, path, key, convert, api: HaloApi, paged: bool) -> None:
        self.name, self.table, self.path, self.key = name, table, path, key
        self.convert, self.api, self.paged = convert, api, paged

    def batches(self, window: Window) -> Iterator[Batch]:
        if self.paged:
            pages = (r for _, r, _, _ in self.api.pages(self.path, self.key, {}))
        else:
            pages = iter([self.api.records(self.path, self.key)])
        for records in pages:
            rows, bad = map_page(records, self.convert)
            yield Batch(
                frames={self.table: frame(self.table, rows)}, quarantined=bad, records=len(records)
            )


class _TicketStream(Stream):
    name = "tickets"

    def __init__(self, api: HaloApi, mapper: HaloMapper, *, actions: bool, open_only: bool):
        self.api, self.mapper, self.actions, self.open_only = api, mapper, actions, open_only

    def batches(self, window: Window) -> Iterator[Batch]:
        """Resume position: the last committed page, the last id on it, the ``record_count``
        then seen and the server time of the window's first page. If the count has dropped
        (tickets deleted, pages shifted), the pages are read again from the first, skipping
        committed ids, rather than risk skipping a record. ``max_updated`` never passes the
        first page's server time, so a ticket changed while later pages are read is read
        again by the next sync."""
        resume = window.resume
        after = int(resume.get("after_id") or 0)
        started = resume.get("started")
        started = instant(started, "started").to_pydatetime() if started else None
        self.mapper.statuses = self._statuses()
        params = {"order": "id", "orderdesc": "false"}
        if window.since is not None:
            params["lastupdatefromdate"] = halo_date(window.since)
        if self.open_only:
            params["open_only"] = "true"
        first = int(resume.get("page_no") or 0) + 1
        seen_count = resume.get("record_count")
        for number, records, count, served_at in self.api.pages(
            "api/tickets", "tickets", params, first
        ):
            if number == first > 1 and isinstance(seen_count, int) and count < seen_count:
                yield from self._restart(params, after, started)
                return
            started = started or served_at
            yield self._batch(records, number, count, after, started)
            after = max([after, *(r["id"] for r in records if _is_id(r.get("id")))])

    def _restart(self, params, after, started) -> Iterator[Batch]:
        for number, records, count, served_at in self.api.pages("api/tickets", "tickets", params):
            started = started or served_at
            fresh = [r for r in records if not (_is_id(r.get("id")) and r["id"] <= after)]
            yield self._batch(fresh, number, count, after, started, read=len(records))
            after = max([after, *(r["id"] for r in records if _is_id(r.get("id")))])

    def _batch(self, records, number, count, after, started, read=None) -> Batch:
        records = [r for r in records if not (_is_id(r.get("id")) and r["id"] <= after)]
        tickets, bad = map_page(records, self.mapper.ticket)
        changes, events, entries = [], [], []
        for ticket in tickets if self.actions else []:
            actions = self.api.records("api/actions", "actions", {"ticket_id": ticket["ticket_id"]})
            c, e, t, b = self.mapper.actions(ticket, actions)
            changes, events, entries, bad = changes + c, events + e, entries + t, bad + b
        ids = [r["id"] for r in records if _is_id(r.get("id"))]
        stamps = [s for s in map(_last_update, records) if s is not None]
        newest = max(stamps).to_pydatetime() if stamps else None
        done = [t["ticket_id"] for t in tickets]
        frames = {"tickets": frame("tickets", tickets)}
        deletions = {}
        if self.actions:
            frames |= {
                "status_changes": frame("status_changes", changes),
                "ticket_events": frame("ticket_events", events),
                "time_entries": frame("time_entries", entries),
            }
            deletions = {"status_changes": done, "ticket_events": done}
        return Batch(
            frames=frames,
            deletions=deletions,
            quarantined=bad,
            resume={
                "page_no": number,
                "after_id": max([after, *ids]),
                "record_count": count,
                "started": started.isoformat() if started else None,
            },
            max_updated=min(newest, started) if newest and started else newest,
            records=len(records) if read is None else read,
        )

    def live_keys(self) -> LiveKeys:
        """Every ticket id Halo holds. ``open_only`` is left out on purpose: tickets leave
        that scope by closing, and a closed ticket is not a deleted one."""
        return LiveKeys(table="tickets", source="halo", pages=self.api.ticket_ids({}))

    def _statuses(self) -> dict[int, str]:
        names = {}
        for status in self.api.records("api/status", "status"):
            if _is_id(status.get("id")) and str(status.get("name") or "").strip():
                names[status["id"]] = str(status["name"]).strip()
        return names


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _last_update(record: dict):
    try:
        return halo_instant(record.get("last_update"), "last_update")
    except ValueError:
        return None


@register("halo")
class HaloConnector(Connector):
    """Halo PSA over REST; ``sleep`` and ``clock`` are injectable so tests skip waits."""

    default_per_minute = 55  # hosted Halo: 300 requests per rolling 5 minutes (UNCONFIRMED)

    def __init__(
        self,
        source: SourceConfig,
        settings: Settings,
        client: HttpClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        source.check_settings(SETTINGS, "Halo")
        self._sleep = sleep
        self.mapping = load_mapping(source.settings.get("mapping"))
        options = source.settings
        token_url = options.get("token_url") or f"{source.base_url}/auth/token"
        if options.get("tenant"):
            token_url += f"?tenant={options['tenant']}"
        names = " and ".join(source.secrets.get(role, role) for role in ROLES)
        self.token = HaloToken(
            token_url,
            source.secret("client_id"),  # a missing variable fails here, named
            source.secret("client_secret"),
            scope=str(options.get("scope") or "all"),
            hint=f"the client id and secret in the environment variables {names}",
            clock=clock,
            sleep=sleep,
        )
        super().__init__(source, settings, client)

    def make_client(self) -> HttpClient:
        return HttpClient(
            self.source.base_url,
            auth_headers=self.token.headers,
            per_minute=self.per_minute,
            sleep=self._sleep,
        )

    def streams(self) -> list[Stream]:
        api = HaloApi(self.client, self.token, self.source.page_size)
        mapper = HaloMapper(self.mapping)
        options = self.source.settings
        return [
            _LookupStream("clients", "clients", "api/client", "clients", mapper.client, api, True),
            _LookupStream(
                "agents", "technicians", "api/agent", "agents", mapper.technician, api, False
            ),
            _TicketStream(
                api,
                mapper,
                actions=bool(options.get("actions", True)),
                open_only=bool(options.get("open_only", False)),
            ),
        ]


__all__ = ["HaloConnector", "halo_date"]
