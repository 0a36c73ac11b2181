"""A fake HubSpot CRM API over real HTTP, with a mutable, deterministic in-memory dataset.

Shapes follow the connector API notes, section 4:

- every call needs ``Authorization: Bearer {TOKEN}``, else 401 with HubSpot's error body;
- routes live under a configurable prefix (default ``/crm/v3``): ``POST
  objects/{tickets|feedback_submissions|companies|contacts}/search``, ``GET pipelines/tickets``,
  ``GET owners``; associations under their own prefix (default ``/crm/v4/associations``):
  ``POST {from}/{to}/batch/read``;
- search honours ``filterGroups`` (groups OR-ed, filters AND-ed; EQ, NEQ, GT, GTE, LT, LTE, IN,
  NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY; datetimes compared as instants whether sent as ISO or
  milliseconds, digit strings as numbers), the documented limits (5 groups, 10 filters per
  group, 25 in all), ``sorts`` (every key, in order), ``limit`` (at most 200) and ``after``
  (an offset, answered in ``paging.next.after``), and only returns requested properties;
- a query cannot page past ``cap`` results (10,000 at HubSpot; smaller here so tests reach it
  cheaply): ``after >= cap`` answers 400, and results stop at the cap;
- owners page with ``limit``/``after`` and filter on ``archived``;
- association batch reads take at most 1,000 inputs, list each record's links with their
  ``associationTypes`` (HubSpot's default type ids; "Primary" next to the unlabeled type), page
  one record's links ``assoc_page`` at a time (``paging.next.after``, sent back with the id), and
  answer 207 with a ``NO_ASSOCIATIONS_FOUND`` error for each record without links;
- every change to a record, its associations included, moves its last-modified time (contacts
  keep theirs in ``lastmodifieddate``, the other objects in ``hs_lastmodifieddate``).

Property values are strings, datetimes ISO with milliseconds, as HubSpot sends them.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime, timedelta

from fakes.server import FakeServer, Request, Response

TOKEN = "pat-na1-11111111-2222-3333-4444-fakesecret99"
ENV = {"HUBSPOT_TOKEN": TOKEN}
SECRETS = {"token": "HUBSPOT_TOKEN"}
START = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
PIPELINES = [
    {
        "id": "0",
        "label": "Support Pipeline",
        "displayOrder": 0,
        "stages": [
            {"id": "1", "label": "New", "metadata": {"ticketState": "OPEN"}},
            {"id": "2", "label": "Waiting on contact", "metadata": {"ticketState": "OPEN"}},
            {"id": "3", "label": "Waiting on us", "metadata": {"ticketState": "OPEN"}},
            {"id": "4", "label": "Closed", "metadata": {"ticketState": "CLOSED"}},
        ],
    },
    {
        "id": "7001",
        "label": "IT Help Desk",
        "displayOrder": 1,
        "stages": [
            {"id": "7002", "label": "Triage", "metadata": {"ticketState": "OPEN"}},
            {"id": "7003", "label": "Resolved", "metadata": {"ticketState": "CLOSED"}},
        ],
    },
]
DEFAULT_PROPERTIES = {
    "hs_object_id",
    "createdate",
    "hs_lastmodifieddate",
    "hs_createdate",
    "lastmodifieddate",
}
OBJECTS = ("tickets", "feedback_submissions", "companies", "contacts")
# (from, to) -> (unlabeled type id, primary type id or None): HubSpot's defaults
TYPES = {
    ("tickets", "companies"): (339, 26),
    ("companies", "tickets"): (340, 25),
    ("tickets", "contacts"): (16, None),
    ("contacts", "tickets"): (15, None),
    ("contacts", "companies"): (279, 1),
    ("companies", "contacts"): (280, 2),
    ("feedback_submissions", "tickets"): (100, None),
    ("tickets", "feedback_submissions"): (99, None),
    ("feedback_submissions", "contacts"): (98, None),
    ("contacts", "feedback_submissions"): (97, None),
}
MAX_ASSOC_INPUTS = 1_000
COMPANIES = {9001: "Acme Dental", 9002: "Birch Legal", 9003: "Cobalt Freight", 9004: "Dune Labs"}
DATETIMES = ("date", "_at", "timestamp")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class FakeHubSpot:
    """``FakeHubSpot(tickets=N)`` builds owners, two pipelines, four companies with two contacts
    each, N tickets (three at a time share one ``hs_lastmodifieddate``, as a bulk update does)
    linked to a company and a contact, and feedback submissions linked to their ticket and
    contact."""

    def __init__(
        self,
        tickets: int = 12,
        *,
        seed: int = 5,
        prefix: str = "/crm/v3",
        cap: int = 10_000,
        assoc_prefix: str = "/crm/v4/associations",
        assoc_page: int = 100,
    ) -> None:
        self.rng = random.Random(seed)
        self.prefix, self.cap = "/" + prefix.strip("/"), cap
        self.assoc_prefix, self.assoc_page = "/" + assoc_prefix.strip("/"), assoc_page
        self.pipelines = copy.deepcopy(PIPELINES)
        self.owners: dict[str, dict] = {}
        self.tickets: dict[int, dict] = {}  # id -> properties
        self.feedback: dict[int, dict] = {}  # id -> properties
        self.companies: dict[int, dict] = {}  # id -> properties
        self.contacts: dict[int, dict] = {}  # id -> properties
        # (from, to) -> from id -> to id -> primary?
        self.links: dict[tuple[str, str], dict[int, dict[int, bool]]] = {p: {} for p in TYPES}
        self.searches: list[dict] = []  # {"object", "body", "status", "returned"}
        self._query_rows: dict[tuple, list[dict]] = {}
        self.assoc_reads: list[dict] = []  # {"from", "to", "inputs", "status"}
        self.now = START
        self._owners()
        self._companies()
        self.add_tickets(tickets)
        self.server = FakeServer()
        self.server.guard = self._authenticate
        self.server.clock = lambda: self.now
        route = self.server.add_route
        route(
            "POST", self.prefix + rf"/objects/(?P<object>{'|'.join(OBJECTS)})/search", self._search
        )
        route(
            "POST",
            self.assoc_prefix + r"/(?P<source>[^/]+)/(?P<target>[^/]+)/batch/read",
            self._assoc,
        )
        route("GET", self.prefix + "/pipelines/tickets", lambda r: {"results": self.pipelines})
        route("GET", self.prefix + "/owners", self._owner_list)

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> FakeHubSpot:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    # -- dataset ---------------------------------------------------------------------------
    def _owners(self) -> None:
        for oid, first, last, team, archived in (
            ("101", "Kim", "Lee", "Service Desk", False),
            ("102", "Sam", "Ortiz", "Escalations", False),
            ("103", "Old", "Timer", None, True),
        ):
            self.owners[oid] = {
                "id": oid,
                "email": f"{first.lower()}@msp.example",
                "type": "PERSON",
                "firstName": first,
                "lastName": last,
                "userId": int(oid) + 9000,
                "createdAt": iso(START - timedelta(days=90)),
                "updatedAt": iso(START - timedelta(days=9)),
                "archived": archived,
                "teams": [{"id": "1", "name": team, "primary": True}] if team else [],
            }

    def _companies(self) -> None:
        for n, (company_id, name) in enumerate(COMPANIES.items()):
            at = iso(START - timedelta(days=30 - n))
            self.companies[company_id] = {
                "hs_object_id": str(company_id),
                "name": name,
                "managed_seats": str(10 * (n + 1)),
                "createdate": at,
                "hs_lastmodifieddate": at,
            }
            for k in range(2):  # contacts 501, 502 at the first company, 503, 504 at the next...
                contact_id = 501 + 2 * n + k
                self.contacts[contact_id] = {
                    "hs_object_id": str(contact_id),
                    "firstname": ("Ana", "Ben")[k],
                    "lastname": name.split()[0],
                    "email": f"{('ana', 'ben')[k]}@{name.split()[0].lower()}.example",
                    "associatedcompanyid": str(company_id),
                    "createdate": at,
                    "lastmodifieddate": at,
                }
                self._link("contacts", contact_id, "companies", company_id, primary=True)

    def _link(self, source: str, source_id: int, target: str, target_id: int, primary=False):
        """One association, both ways (HubSpot keeps both directions)."""
        self.links[(source, target)].setdefault(source_id, {})[target_id] = primary
        self.links[(target, source)].setdefault(target_id, {})[source_id] = primary

    def _unlink(self, source: str, source_id: int, target: str) -> None:
        for target_id in self.links[(source, target)].pop(source_id, {}):
            self.links[(target, source)].get(target_id, {}).pop(source_id, None)

    def add_tickets(self, count: int) -> list[int]:
        start = max(self.tickets, default=1000)
        ids = [start + 1 + k for k in range(count)]
        for ticket_id in ids:
            self._generate(ticket_id)
        return ids

    def _generate(self, ticket_id: int) -> None:
        rng = self.rng
        if ticket_id % 3 == 0:
            self.now += timedelta(hours=2)
        created = self.now - timedelta(hours=1, minutes=rng.randrange(0, 50))
        pipeline = self.pipelines[0] if ticket_id % 4 else self.pipelines[1]
        steps = rng.randrange(1, len(pipeline["stages"]) + 1)
        path = pipeline["stages"][:steps]
        props = {
            "hs_object_id": str(ticket_id),
            "subject": f"Ticket {ticket_id}",
            "content": "printer on fire",
            "hs_pipeline": pipeline["id"],
            "hs_pipeline_stage": path[-1]["id"],
            "createdate": iso(created),
            "hs_lastmodifieddate": iso(self.now),  # three tickets at a time share it
            "hubspot_owner_id": rng.choice(["101", "102", "103"]),
            "hs_ticket_category": rng.choice(["PRODUCT_ISSUE", "BILLING_ISSUE", "GENERAL_INQUIRY"]),
            "hs_ticket_priority": rng.choice(["LOW", "MEDIUM", "HIGH"]),
            "source_type": rng.choice(["EMAIL", "CHAT", "PHONE", "FORM"]),
            "hs_time_to_close_sla_at": iso(created + timedelta(hours=24)),
        }
        for k, stage in enumerate(path):
            props[f"hs_v2_date_entered_{stage['id']}"] = iso(created + timedelta(minutes=10 * k))
        if steps > 1:
            props["first_agent_reply_date"] = iso(created + timedelta(minutes=10))
        if path[-1]["metadata"]["ticketState"] == "CLOSED":
            props["closed_date"] = props[f"hs_v2_date_entered_{path[-1]['id']}"]
            props["time_to_close"] = str(10 * (steps - 1) * 60_000)
        self.tickets[ticket_id] = props
        company = list(COMPANIES)[ticket_id % len(COMPANIES)]
        if ticket_id % 7:  # every seventh ticket belongs to no company
            self._link("tickets", ticket_id, "companies", company, primary=True)
            self._link("tickets", ticket_id, "contacts", 501 + 2 * (company - 9001))
        if ticket_id % 5 == 0 and company != 9001:  # a second, lower, non-primary company
            self._link("tickets", ticket_id, "companies", 9001)
        kind = ("CSAT", "NPS", "CES", "CUSTOM")[(ticket_id // 2) % 4]
        if ticket_id % 2:
            value = {"CSAT": rng.randint(1, 5), "NPS": rng.randint(0, 10), "CES": rng.randint(1, 7)}
            fid = 5000 + ticket_id
            self.feedback[fid] = {
                "hs_object_id": str(fid),
                "hs_createdate": iso(self.now),
                "hs_lastmodifieddate": iso(self.now),
                "hs_submission_timestamp": iso(self.now - timedelta(minutes=5)),
                "hs_survey_type": kind,
                "hs_survey_name": f"{kind} survey",
                "hs_value": str(value.get(kind, 3)),
                "hs_content": "thanks" if ticket_id % 3 else "",
                "hs_ticket_id": str(ticket_id),
                "hs_contact_id": "501",  # the properties disagree with the associations
            }
            self._link("feedback_submissions", fid, "tickets", ticket_id)
            contact = 502 + 2 * (company - 9001)
            self._link("feedback_submissions", fid, "contacts", contact)

    # -- mutations between syncs ------------------------------------------------------------
    def tick(self, minutes: float = 60) -> str:
        self.now += timedelta(minutes=minutes)
        return iso(self.now)

    def update_ticket(self, ticket_id: int, **props: str) -> None:
        self.tickets[ticket_id].update(props)
        self.tickets[ticket_id]["hs_lastmodifieddate"] = self.tick()

    def archive_ticket(self, ticket_id: int) -> None:
        """Archived (deleted) in HubSpot: gone from search, as the portal's UI delete does."""
        for target in ("companies", "contacts"):
            self._unlink("tickets", ticket_id, target)
        del self.tickets[ticket_id]

    def move_ticket(self, ticket_id: int, company_id: int) -> None:
        """The ticket now belongs (only) to ``company_id``, as its primary company."""
        self._unlink("tickets", ticket_id, "companies")
        self._link("tickets", ticket_id, "companies", company_id, primary=True)
        self.tickets[ticket_id]["hs_lastmodifieddate"] = self.tick()

    def add_company(self, name: str) -> int:
        company_id = max(self.companies) + 1
        at = self.tick()
        self.companies[company_id] = {
            "hs_object_id": str(company_id),
            "name": name,
            "createdate": at,
            "hs_lastmodifieddate": at,
        }
        return company_id

    def add_survey(self, kind: str, value: int, *, contact: int, ticket: int | None = None) -> int:
        """A submission linked by association only (its hs_ticket_id / hs_contact_id empty)."""
        fid = max(self.feedback, default=6000) + 1
        at = self.tick()
        self.feedback[fid] = {
            "hs_object_id": str(fid),
            "hs_createdate": at,
            "hs_lastmodifieddate": at,
            "hs_submission_timestamp": at,
            "hs_survey_type": kind,
            "hs_value": str(value),
        }
        self._link("feedback_submissions", fid, "contacts", contact)
        if ticket is not None:
            self._link("feedback_submissions", fid, "tickets", ticket)
        return fid

    def change_stage(self, ticket_id: int, stage_id: str) -> None:
        at = self.tick()
        props = self.tickets[ticket_id]
        props.update(
            {
                "hs_pipeline_stage": stage_id,
                f"hs_v2_date_entered_{stage_id}": at,
                "hs_lastmodifieddate": at,
            }
        )

    # -- HTTP ------------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Response | None:
        if request.header("authorization") == f"Bearer {TOKEN}":
            return None
        return Response(
            401,
            {
                "status": "error",
                "message": "Authentication credentials not found.",
                "category": "INVALID_AUTHENTICATION",
                "correlationId": "00000000-fake",
            },
        )

    def _search(self, request: Request) -> Response:
        obj = request.params["object"]
        body = request.json()
        entry = {"object": obj, "body": body, "status": 400, "returned": 0}
        self.searches.append(entry)
        store = {
            "tickets": self.tickets,
            "feedback_submissions": self.feedback,
            "companies": self.companies,
            "contacts": self.contacts,
        }[obj]
        try:
            keep = _matcher(body.get("filterGroups") or [])
            limit = int(body.get("limit", 10))
            after = int(body.get("after") or 0)
        except (ValueError, TypeError, AttributeError) as exc:
            return _bad(str(exc))
        if not 1 <= limit <= 200:
            return _bad("limit must be between 1 and 200")
        if after >= self.cap:
            return _bad(f"Cannot page past {self.cap} results")
        query = (obj, json.dumps(body.get("filterGroups"), sort_keys=True), str(body.get("sorts")))
        rows = self._query_rows.get(query) if after else None
        if rows is None:
            rows = [p for p in store.values() if keep(p)]
            for sort in reversed(body.get("sorts") or []):
                name = sort["propertyName"]
                rows.sort(
                    key=lambda p: _sort_value(name, p.get(name)),
                    reverse=sort.get("direction") == "DESCENDING",
                )
            # a big dataset (the benchmark's) keeps a query's matches for its next pages, so a
            # page costs its own size; small ones (the tests') re-run the query every page
            self._query_rows = {query: rows} if len(store) > 1000 else {}
        page = rows[after : min(after + limit, self.cap)]
        wanted = set(body.get("properties") or []) | DEFAULT_PROPERTIES
        results = [
            {
                "id": p.get("hs_object_id"),
                "properties": {k: v for k, v in p.items() if k in wanted},
                "createdAt": p.get("createdate") or p.get("hs_createdate"),
                "updatedAt": p.get("hs_lastmodifieddate") or p.get("lastmodifieddate"),
                "archived": False,
            }
            for p in copy.deepcopy(page)
        ]
        answer: dict = {"total": len(rows), "results": results}
        if after + limit < len(rows):
            answer["paging"] = {"next": {"after": str(after + limit)}}
        entry.update(status=200, returned=len(results))
        return Response(200, answer)

    def _assoc(self, request: Request) -> Response:
        pair = (request.params["source"], request.params["target"])
        body = request.json()
        inputs = body.get("inputs") if isinstance(body, dict) else None
        entry = {"from": pair[0], "to": pair[1], "inputs": inputs, "status": 400}
        self.assoc_reads.append(entry)
        if pair not in TYPES:
            return _bad(f"Unknown association between {pair[0]} and {pair[1]}")
        if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
            return _bad("Invalid input JSON: inputs must be a list of objects")
        if len(inputs) > MAX_ASSOC_INPUTS:
            return _bad(f"Batch read inputs may not exceed {MAX_ASSOC_INPUTS}")
        results, errors = [], []
        for item in inputs:
            source_id = str(item.get("id", ""))
            links = self.links[pair].get(int(source_id), {}) if source_id.isdigit() else {}
            if not links:
                errors.append(_no_links(pair, source_id))
                continue
            offset = int(item.get("after") or 0)
            ordered = sorted(links.items())
            result: dict = {
                "from": {"id": source_id},
                "to": [
                    {"toObjectId": int(to_id), "associationTypes": _types(pair, primary)}
                    for to_id, primary in ordered[offset : offset + self.assoc_page]
                ],
            }
            if offset + self.assoc_page < len(ordered):
                result["paging"] = {"next": {"after": str(offset + self.assoc_page)}}
            results.append(result)
        answer: dict = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": iso(self.now),
            "completedAt": iso(self.now),
        }
        if errors:
            answer.update(errors=errors, numErrors=len(errors))
        entry["status"] = 207 if errors else 200
        return Response(entry["status"], answer)

    def _owner_list(self, request: Request) -> Response:
        archived = (request.arg("archived") or "false").lower() == "true"
        limit, after = int(request.arg("limit") or 100), int(request.arg("after") or 0)
        rows = [o for o in self.owners.values() if o["archived"] == archived]
        answer: dict = {"results": copy.deepcopy(rows[after : after + limit])}
        if after + limit < len(rows):
            answer["paging"] = {"next": {"after": str(after + limit), "link": "?after=x"}}
        return Response(200, answer)

    # -- what the tests read ---------------------------------------------------------------
    def ticket_searches(self) -> list[dict]:
        """Searches that read tickets (not the id listings that look for deleted ones)."""
        return [s for s in self.searches if s["object"] == "tickets" and not _listing(s["body"])]

    def ticket_listings(self) -> list[dict]:
        return [s for s in self.searches if s["object"] == "tickets" and _listing(s["body"])]

    def primary_company(self, ticket_id: int) -> str | None:
        """The company a ticket's client_id should be: its primary one, else its lowest."""
        links = self.links[("tickets", "companies")].get(ticket_id, {})
        primary = [c for c, is_primary in links.items() if is_primary]
        return str(min(primary or links)) if links else None

    def linked(self, source: str, source_id: int, target: str) -> list[int]:
        return sorted(self.links[(source, target)].get(source_id, {}))


def _listing(body: dict) -> bool:
    return body.get("properties") == ["createdate"]


def rate_limit_body(policy: str = "TEN_SECONDLY_ROLLING") -> dict:
    return {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "00000000-fake",
        "policyName": policy,
        "category": "RATE_LIMITS",
    }


def _types(pair: tuple[str, str], primary: bool) -> list[dict]:
    """A link's types: the unlabeled one, and "Primary" before it when it is the primary."""
    plain, primary_type = TYPES[pair]
    kinds = [{"category": "HUBSPOT_DEFINED", "typeId": plain, "label": None}]
    if primary and primary_type:
        kinds.insert(0, {"category": "HUBSPOT_DEFINED", "typeId": primary_type, "label": "Primary"})
    return kinds


def _no_links(pair: tuple[str, str], source_id: str) -> dict:
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": f"No {pair[1]} is associated with {pair[0]} {source_id}.",
        "context": {"fromObjectId": [source_id], "fromObjectType": [pair[0]]},
    }


def _bad(message: str) -> Response:
    return Response(400, {"status": "error", "message": message, "category": "VALIDATION_ERROR"})


def _is_datetime(name: str) -> bool:
    return any(part in name for part in DATETIMES) or name in {"createdate", "closed_date"}


def _value(name: str, raw: object) -> object:
    """Comparable form: instants as ms for datetime properties, numbers for digit strings."""
    if raw is None or raw == "":
        return None
    text = str(raw)
    if _is_datetime(name):
        if text.isdigit():
            return int(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
    try:
        return float(text)
    except ValueError:
        return text.casefold()


def _sort_value(name: str, raw: object) -> tuple:
    try:
        value = _value(name, raw)
    except ValueError:
        value = None
    return (value is None, value if isinstance(value, int | float) else 0, str(value))


def _matcher(groups: list[dict]):
    if len(groups) > 5:
        raise ValueError("too many filterGroups (at most 5)")
    if sum(len(g.get("filters") or []) for g in groups) > 25:
        raise ValueError("too many filters (at most 25)")
    tests = []
    for group in groups:
        filters = group.get("filters") or []
        if len(filters) > 10:
            raise ValueError("too many filters in a group (at most 10)")
        tests.append([_filter(f) for f in filters])
    if not tests:
        return lambda props: True
    return lambda props: any(all(t(props) for t in group) for group in tests)


def _filter(spec: dict):
    name, op = spec["propertyName"], spec["operator"]
    if op in {"HAS_PROPERTY", "NOT_HAS_PROPERTY"}:
        return lambda p: (p.get(name) not in (None, "")) == (op == "HAS_PROPERTY")
    if op in {"IN", "NOT_IN"}:
        values = {_value(name, v) for v in spec["values"]}
        return lambda p: (_value(name, p.get(name)) in values) == (op == "IN")
    target = _value(name, spec["value"])
    compare = {
        "EQ": lambda a, b: a == b,
        "NEQ": lambda a, b: a != b,
        "GT": lambda a, b: a > b,
        "GTE": lambda a, b: a >= b,
        "LT": lambda a, b: a < b,
        "LTE": lambda a, b: a <= b,
    }.get(op)
    if compare is None:
        raise ValueError(f"unsupported operator {op}")

    def check(props: dict) -> bool:
        try:
            value = _value(name, props.get(name))
        except ValueError:
            return False
        if value is None:
            return op == "NEQ"
        try:
            return compare(value, target)
        except TypeError:
            return False

    return check
