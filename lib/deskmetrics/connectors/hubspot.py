"""HubSpot help desk (CRM tickets): owners, companies (clients), contacts, tickets with their
stage history, company and contact, and feedback submissions (CSAT, CES, NPS surveys) linked to
their ticket and client.

Companies, contacts, tickets and feedback submissions come from the CRM search API
(``POST .../search``), filtered on the last-modified property (``hs_lastmodifieddate``;
``lastmodifieddate`` for contacts) ``>= since`` and sorted by it then ``hs_object_id``. A search
cannot page past 10,000 results, so before reaching the cap the search starts again from the
last (modified, id) it read; that pair is also the resume position, so a sync stopped at any
page continues after the last page it committed (see ``hubspot_api``).

Ticket status is the pipeline stage's label and board the pipeline's label (from
``GET .../pipelines/tickets``, read once per sync). Stage history comes from the
``hs_v2_date_entered_<stage id>`` properties, requested in the same search: no extra call per
ticket, but only the latest entry into each stage is known (``propertiesWithHistory`` would
give every change but the search API does not offer it; a batch read per page would). Each
ticket's status changes are replaced whenever the ticket is read.

Search results carry no associations, so each page of tickets is followed by two batch reads
(tickets to companies, tickets to contacts) and each page of surveys by at most four (see
``hubspot_assoc``): a ticket's client is its primary company, else its lowest company id.

``sources.<name>.settings`` (all optional):

- ``mapping``: the mapping file (default ``parameters/mappings/hubspot.yaml``): priority
  values, the scale of each survey type and the company property that holds managed seats;
- ``api_prefix``: the path in front of ``objects/...``, ``pipelines/...`` and ``owners``
  (default ``crm/v3``), for proxies or newer API versions;
- ``associations_prefix``: the path in front of ``{from}/{to}/batch/read`` (default: from
  ``api_prefix``, its ``v3`` made ``v4/associations``, e.g. ``crm/v4/associations``; any other
  prefix gets ``/associations``); set ``crm/associations/2026-03`` for the dated API;
- ``ticket_filters``: extra search filters AND-ed to the ticket search, e.g.
  ``[{propertyName: hs_pipeline, operator: EQ, value: "0"}]`` (at most 8);
- ``stage_history`` / ``feedback`` / ``companies`` / ``contacts``: false skips the stage
  history / the surveys / the clients / the contacts (tickets keep their links either way);
- ``search_cap``: results one search query may page through (default 10,000).

The token is a private-app (or OAuth) access token, read from ``secrets.token``; it needs the
read scopes of tickets, companies, contacts and feedback submissions. HubSpot's
search API allows about 4 requests a second, so the connector paces itself at 240 a minute by
default (``per_minute`` on the source overrides it).
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable, Iterator

from deskmetrics.config import Settings
from deskmetrics.connectors import register
from deskmetrics.connectors.base import Batch, Connector, LiveKeys, Stream, Window
from deskmetrics.connectors.connectwise_fields import Malformed, frame, quarantined, record_key
from deskmetrics.connectors.http import HttpClient
from deskmetrics.connectors.hubspot_api import (
    MODIFIED,
    SEARCH_CAP,
    HubSpotClient,
    Searcher,
    hs_instant,
    iso_ms,
    position_of,
    search_filters,
)
from deskmetrics.connectors.hubspot_assoc import (
    Associations,
    associations_prefix,
    link_surveys,
    ticket_links,
)
from deskmetrics.connectors.hubspot_map import (
    COMPANY_PROPERTIES,
    CONTACT_PROPERTIES,
    FEEDBACK_PROPERTIES,
    TICKET_PROPERTIES,
    HsMapper,
    load_mapping,
    pipelines_from,
)
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.errors import ConfigError

SETTINGS = (
    "mapping",
    "api_prefix",
    "associations_prefix",
    "ticket_filters",
    "stage_history",
    "feedback",
    "companies",
    "contacts",
    "search_cap",
)
CREATED = "createdate"  # never changes, so a listing ordered on it misses nothing


class _SearchStream(Stream):
    """One CRM object through the search API, resumable at (modified, id)."""

    modified = MODIFIED  # the object's last-modified property

    def __init__(self, name: str, obj: str, connector: HubSpotConnector, extra=None) -> None:
        self.name, self.obj, self.connector, self.extra = name, obj, connector, extra or []

    @abstractmethod
    def properties(self) -> list[str]: ...

    @abstractmethod
    def page_batch(self, page: list[dict]) -> Batch: ...

    def batches(self, window: Window) -> Iterator[Batch]:
        position = None
        if window.resume.get("after_modified") and window.resume.get("after_id"):
            modified = hs_instant(window.resume["after_modified"], "after_modified")
            position = (modified, int(window.resume["after_id"]))
        searcher = self.connector.searcher()
        path = f"{self.connector.prefix}/objects/{self.obj}/search"
        pages = searcher.pages(
            path, self.properties(), window.since, position, self.extra, self.modified
        )
        for page, after in pages:
            batch = self.page_batch(page)
            stamps = [p[0] for p in (position_of(r, self.modified) for r in page) if p]
            batch.max_updated = max(stamps).to_pydatetime() if stamps else None
            batch.resume = (
                {"after_modified": iso_ms(after[0]), "after_id": str(after[1])} if after else {}
            )
            batch.records = len(page)
            yield batch


def _mapped(page: list[dict], convert: Callable[[dict], dict | None]) -> tuple[list, list]:
    """([(row, record)], quarantined) of one page; ``convert`` returns None to skip one."""
    pairs, bad = [], []
    for n, record in enumerate(page):
        try:
            row = convert(record)
        except Malformed as exc:
            bad.append(quarantined(_key(record, n), str(exc), record))
            continue
        if row is not None:
            pairs.append((row, record))
    return pairs, bad


class _EntityStream(_SearchStream):
    """Companies (clients) or contacts: one canonical row per record."""

    def __init__(
        self,
        connector: HubSpotConnector,
        obj: str,
        table: str,
        props: list[str],
        convert: Callable[[dict], dict],
        modified: str,
    ) -> None:
        super().__init__(obj, obj, connector)
        self.table, self.props, self.convert, self.modified = table, props, convert, modified

    def properties(self) -> list[str]:
        return list(self.props)

    def page_batch(self, page: list[dict]) -> Batch:
        pairs, bad = _mapped(page, self.convert)
        rows = [row for row, _ in pairs]
        return Batch(frames={self.table: frame(self.table, rows)}, quarantined=bad)


class _FeedbackStream(_SearchStream):
    """Feedback submissions as surveys, linked to their ticket, contact and client."""

    def __init__(self, connector: HubSpotConnector) -> None:
        super().__init__("feedback_submissions", "feedback_submissions", connector)

    def properties(self) -> list[str]:
        return list(FEEDBACK_PROPERTIES)

    def page_batch(self, page: list[dict]) -> Batch:
        pairs, bad = _mapped(page, self.connector.mapper().survey)
        rows = {row["response_id"].removeprefix("hubspot:"): row for row, _ in pairs}
        if rows:
            link_surveys(self.connector.associations(), rows)
        return Batch(frames={"surveys": frame("surveys", list(rows.values()))}, quarantined=bad)


class _TicketStream(_SearchStream):
    def __init__(self, connector: HubSpotConnector, extra: list[dict], history: bool) -> None:
        super().__init__("tickets", "tickets", connector, extra)
        self.history = history

    def properties(self) -> list[str]:
        stages = self.connector.mapper().stage_properties() if self.history else []
        return [*TICKET_PROPERTIES, *stages]

    def live_keys(self) -> LiveKeys:
        """Every ticket id the portal still holds (archived tickets drop out of search), in
        creation order so the moving cursor passes the search cap; same filters as the sync."""
        searcher = self.connector.searcher()
        path = f"{self.connector.prefix}/objects/tickets/search"
        pages = searcher.pages(path, [CREATED], None, None, self.extra, CREATED)
        return LiveKeys(
            "tickets", "hubspot", ([str(r.get("id")) for r in page] for page, _ in pages)
        )

    def page_batch(self, page: list[dict]) -> Batch:
        mapper = self.connector.mapper()
        pairs, bad = _mapped(page, mapper.ticket)
        tickets = [ticket for ticket, _ in pairs]
        links = ticket_links(self.connector.associations(), [t["ticket_id"] for t in tickets])
        changes = []
        for ticket, record in pairs:
            ticket.update(links[ticket["ticket_id"]])
            if self.history:
                rows, wrong = mapper.status_changes(ticket, record)
                changes += rows
                bad += wrong
        batch = Batch(frames={"tickets": frame("tickets", tickets)}, quarantined=bad)
        if self.history:
            batch.frames["status_changes"] = frame("status_changes", changes)
            batch.deletions["status_changes"] = [t["ticket_id"] for t in tickets]
        return batch


class _OwnerStream(Stream):
    """Every owner, active then archived (old tickets still name archived owners)."""

    name = "owners"

    def __init__(self, connector: HubSpotConnector) -> None:
        self.connector = connector

    def batches(self, window: Window) -> Iterator[Batch]:
        phases = ("false", "true")
        start = phases.index(window.resume.get("archived", "false"))
        after = window.resume.get("after")
        path = f"{self.connector.prefix}/owners"
        for archived in phases[start:]:
            params = {"archived": archived, **({"after": after} if after else {})}
            for page, after in self.connector.searcher().listing(path, params):
                rows, bad = [], []
                for n, record in enumerate(page):
                    try:
                        rows.append(HsMapper.technician(record))
                    except Malformed as exc:
                        bad.append(quarantined(_key(record, n), str(exc), record))
                resume = {"archived": archived, "after": after} if after else {}
                if not after and archived == "false":
                    resume = {"archived": "true"}
                yield Batch(
                    frames={"technicians": frame("technicians", rows)},
                    quarantined=bad,
                    resume=resume,
                    records=len(page),
                )
            after = None


@register("hubspot")
class HubSpotConnector(Connector):
    """HubSpot CRM over REST; ``sleep`` is injectable so tests skip retry waits."""

    default_per_minute = 240  # the search API: about 4 requests a second per token

    def __init__(
        self,
        source: SourceConfig,
        settings: Settings,
        client: HttpClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        options = source.settings
        source.check_settings(SETTINGS, "HubSpot")
        self._sleep = sleep
        self._token: str | None = None
        self.mapping = load_mapping(options.get("mapping"))
        self.prefix = "/" + str(options.get("api_prefix", "crm/v3")).strip("/")
        self.assoc_prefix = associations_prefix(self.prefix, options.get("associations_prefix"))
        self.filters = search_filters(source.name, options.get("ticket_filters"))
        cap = options.get("search_cap", SEARCH_CAP)
        if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= SEARCH_CAP:
            raise ConfigError(f"sources.{source.name}.settings.search_cap: use 1-{SEARCH_CAP}")
        self.cap = cap
        self._mapper: HsMapper | None = None
        self._searcher: Searcher | None = None
        self._associations: Associations | None = None
        super().__init__(source, settings, client)

    def auth_headers(self) -> dict[str, str]:
        if self._token is None:
            self._token = self.source.secret("token")
        return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}

    def make_client(self) -> HttpClient:
        self.auth_headers()  # a missing variable fails here, named, before any request
        base = self.source.base_url
        return HubSpotClient(
            base,
            auth_headers=self.auth_headers,
            per_minute=self.per_minute,
            sleep=self._sleep,
        )

    def searcher(self) -> Searcher:
        if self._searcher is None:
            variable = self.source.secrets.get("token", "token")
            hint = f"the access token in the environment variable {variable}"
            self._searcher = Searcher(self.client, self.source.page_size, self.cap, hint)
        return self._searcher

    def associations(self) -> Associations:
        if self._associations is None:
            self._associations = Associations(self.searcher(), self.assoc_prefix)
        return self._associations

    def mapper(self) -> HsMapper:
        """The mapper with this portal's pipelines, read once per connector."""
        if self._mapper is None:
            body = self.searcher().call("GET", f"{self.prefix}/pipelines/tickets")
            self._mapper = HsMapper(self.mapping, pipelines_from(body))
        return self._mapper

    def streams(self) -> list[Stream]:
        options = self.source.settings
        streams: list[Stream] = [_OwnerStream(self)]
        if options.get("companies", True):
            client = HsMapper(self.mapping, {}).client  # companies need no pipelines
            props = [*COMPANY_PROPERTIES, *filter(None, [self.mapping.seats_property])]
            streams.append(_EntityStream(self, "companies", "clients", props, client, MODIFIED))
        if options.get("contacts", True):
            contact, modified = HsMapper.contact, "lastmodifieddate"
            streams.append(
                _EntityStream(self, "contacts", "contacts", CONTACT_PROPERTIES, contact, modified)
            )
        history = bool(options.get("stage_history", True))
        streams.append(_TicketStream(self, self.filters, history))
        if options.get("feedback", True):
            streams.append(_FeedbackStream(self))
        return streams


def _key(record: dict, index: int) -> str:
    props = record.get("properties") if isinstance(record.get("properties"), dict) else {}
    value = record.get("id") or props.get("hs_object_id")
    return str(value) if value not in (None, "") else record_key(record, index)
