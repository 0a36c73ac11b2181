"""HubSpot associations: the company and contact of each ticket, and the ticket, contact and
company behind each feedback submission. The CRM search API returns no associations, so each
page of records is followed by batch reads (``POST {prefix}/{from}/{to}/batch/read``,
associations API v4): a constant number of requests per page, never one per record.

What the connector relies on (connector API notes; how sure each fact is):

- the body is ``{"inputs": [{"id": "..."}]}``; each result is ``{"from": {"id"}, "to":
  [{"toObjectId", "associationTypes": [{"category", "typeId", "label"}]}]}``, with
  ``paging.next.after`` when one record has more links, sent back as ``{"id", "after"}``
  [doc: associations v4 reference];
- at most 1,000 inputs per request since 2025-02-10 [doc: changelog "Batch Read Limit"]; an
  earlier notice said 100, so batches stay at 100 (a search page never holds more anyway);
- a record with no links comes back in ``errors`` with the subcategory
  ``crm.associations.NO_ASSOCIATIONS_FOUND`` and HTTP 207 [lib: public sync code]; any other
  error stops the sync, because a link read as empty would overwrite a known client;
- "Primary" is HubSpot's label for the main company (ticket to primary company is type 26,
  contact to primary company type 1) [lib: hubspot-api-ruby ``AssociationType``];
- whether changing an association moves the record's ``hs_lastmodifieddate`` is not documented
  (UNCONFIRMED): if it does not, only a ``--full`` sync sees a ticket moved to another company.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from deskmetrics.connectors.connectwise_fields import text
from deskmetrics.connectors.http import SourceError
from deskmetrics.connectors.hubspot_api import Searcher

ASSOC_BATCH = 100
MAX_ROUNDS = 1_000  # per-record paging rounds: a loop guard far above any real record
NO_LINKS = "NO_ASSOCIATIONS_FOUND"
PRIMARY_TYPES = {("tickets", "companies"): 26, ("contacts", "companies"): 1}


def associations_prefix(api_prefix: str, override: object = None) -> str:
    """The path in front of ``{from}/{to}/batch/read``: the setting when given, else derived
    from the objects prefix, ``/crm/v3`` -> ``/crm/v4/associations`` (a proxy in front keeps
    its path) and any other prefix ``P`` -> ``P/associations``."""
    if override not in (None, ""):
        return "/" + str(override).strip("/")
    head, _, last = api_prefix.rstrip("/").rpartition("/")
    return f"{head}/v4/associations" if last == "v3" else f"{api_prefix}/associations"


@dataclass(frozen=True)
class Link:
    to_id: str
    primary: bool


def pick(links: list[Link]) -> str | None:
    """The primary link, else the lowest id: the same answer whatever order HubSpot lists."""
    if not links:
        return None
    primary = [link.to_id for link in links if link.primary]
    return min(primary or [link.to_id for link in links], key=_order)


def _order(value: str) -> tuple[int, int | str]:
    return (0, int(value)) if value.isdigit() else (1, value)


class Associations:
    """Batch reads of one association direction for many records at a time."""

    def __init__(self, searcher: Searcher, prefix: str, batch: int = ASSOC_BATCH) -> None:
        self.searcher, self.prefix, self.batch = searcher, prefix.rstrip("/"), batch

    def read(self, source: str, target: str, ids: Iterable[str]) -> dict[str, list[Link]]:
        """{record id: its links to ``target``}; records without links are left out."""
        path = f"{self.prefix}/{source}/{target}/batch/read"
        links: dict[str, list[Link]] = {}
        pending = [{"id": i} for i in dict.fromkeys(str(i) for i in ids if i)]
        for _ in range(MAX_ROUNDS):
            if not pending:
                return links
            following: list[dict] = []
            for start in range(0, len(pending), self.batch):
                inputs = pending[start : start + self.batch]
                body = self.searcher.call("POST", path, json={"inputs": inputs})
                following += _absorb(body, path, (source, target), links)
            pending = following
        raise SourceError(f"{path}: more than {MAX_ROUNDS} pages of associations; stopping")


def _absorb(body: object, path: str, pair: tuple[str, str], links: dict) -> list[dict]:
    """Adds one answer's links to ``links``; returns the inputs that have more to read."""
    if not isinstance(body, dict) or not isinstance(body.get("results", []), list):
        raise SourceError(f"HubSpot answered {path} without a results list")
    for error in body.get("errors") or []:
        if not isinstance(error, dict) or NO_LINKS not in str(error.get("subCategory", "")):
            what = error.get("category") if isinstance(error, dict) else error
            raise SourceError(f"HubSpot could not read the associations on {path}: {what}")
    primary_type = PRIMARY_TYPES.get(pair)
    more = []
    for result in body.get("results") or []:
        source_id = text((result.get("from") or {}).get("id")) if isinstance(result, dict) else None
        if source_id is None:
            raise SourceError(f"HubSpot answered {path} with a result that names no record")
        found = links.setdefault(source_id, [])
        for target in result.get("to") or []:
            to_id = text(target.get("toObjectId")) if isinstance(target, dict) else None
            if to_id is None:
                continue
            kinds = [k for k in target.get("associationTypes") or [] if isinstance(k, dict)]
            primary = any(
                str(k.get("label") or "").casefold() == "primary"
                or (primary_type is not None and k.get("typeId") == primary_type)
                for k in kinds
            )
            found.append(Link(to_id, primary))
        after = ((result.get("paging") or {}).get("next") or {}).get("after")
        if after not in (None, ""):
            more.append({"id": source_id, "after": str(after)})
    return more


def ticket_links(assoc: Associations, ticket_ids: list[str]) -> dict[str, dict[str, str | None]]:
    """{ticket id: {"client_id", "contact_id"}} for one page: two requests."""
    companies = assoc.read("tickets", "companies", ticket_ids)
    contacts = assoc.read("tickets", "contacts", ticket_ids)
    return {
        t: {"client_id": pick(companies.get(t, [])), "contact_id": pick(contacts.get(t, []))}
        for t in ticket_ids
    }


def link_surveys(assoc: Associations, rows: dict[str, dict]) -> None:
    """Fills ``ticket_id``, ``contact_id`` and ``client_id`` of one page of survey rows (keyed
    by submission id) in place: the submission's ticket and contact (their associations, else
    the ``hs_ticket_id`` / ``hs_contact_id`` already in the row), then the client of that
    ticket, else the primary company of that contact. At most four requests per page."""
    tickets = assoc.read("feedback_submissions", "tickets", list(rows))
    people = assoc.read("feedback_submissions", "contacts", list(rows))
    for key, row in rows.items():
        row["ticket_id"] = pick(tickets.get(key, [])) or row.get("ticket_id")
        row["contact_id"] = pick(people.get(key, [])) or row.get("contact_id")
    for field, source in (("ticket_id", "tickets"), ("contact_id", "contacts")):
        wanting = [r[field] for r in rows.values() if r[field] and not r.get("client_id")]
        if not wanting:
            continue
        companies = assoc.read(source, "companies", wanting)
        for row in rows.values():
            if not row.get("client_id") and row[field]:
                row["client_id"] = pick(companies.get(row[field], []))
