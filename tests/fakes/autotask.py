"""A fake Autotask PSA REST API (v1.0) over real HTTP, with a mutable in-memory dataset.

Shapes follow the connector API notes, section 2:

- ``GET /atservicesrest/v1.0/zoneInformation?user=`` answers ``zoneName``/``url``/``webUrl``/
  ``ci`` with ``url`` pointing back at this fake; an unknown user gets HTTP 500 (as Autotask
  does). Every other call needs the ``ApiIntegrationCode``, ``UserName`` and ``Secret``
  headers, else 401 with an ``errors`` body;
- ``{Entity}/query`` by GET (``search`` = URL-encoded JSON) or POST (JSON body): ``filter``
  items ANDed, ``and``/``or`` groups with ``items``, ops eq noteq gt gte lt lte in notIn exist
  notExist contains beginsWith endsWith; field names case-insensitive; ``MaxRecords`` 1-500
  (default and cap 500); an empty filter answers 400 (Autotask requires one);
  ``IncludeFields`` trims each record to those fields (names case-insensitive) and must
  hold ``id`` when the results run past one page (else 400);
- results are ``{"items": [...], "pageDetails": {count, requestCount, prevPageUrl,
  nextPageUrl}}``; ``nextPageUrl`` is an absolute GET URL back to this fake;
- ``{Entity}/entityInformation/fields`` lists picklists (``picklistValues`` with string
  ``value``, ``label``, ``isActive``);
- ``TicketHistory/query`` accepts only one ``ticketID eq`` filter (else 400);
- timestamps are naive UTC with milliseconds; the ``Date`` header follows the fake clock.

The business entities (Contracts, Invoices, ConfigurationItems, Projects, Opportunities) and
their picklists come from ``fakes.autotask_business`` (``self.business``).

Choices the reference leaves open (fake facts, not vendor facts): results come in id order;
history ``detail`` reads ``Status changed from "A" to "B"``; a note written by a contact has
``createdByContactID``; ``publish`` 1 = "All Autotask Users", 2 = "Internal Only".
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from fakes import autotask_business
from fakes.server import FakeServer, Request, Response

API = "/atservicesrest/v1.0"
INTEGRATION_CODE = "FAKE-TRACKING-ID-7Q2W9E"
USERNAME = "api-user@fakemsp.example"
SECRET = "s3cr3t-AT-p4ss-zx81!"
ENV = {"AT_INTEGRATION_CODE": INTEGRATION_CODE, "AT_USERNAME": USERNAME, "AT_SECRET": SECRET}
SECRETS = {
    "integration_code": "AT_INTEGRATION_CODE",
    "username": "AT_USERNAME",
    "secret": "AT_SECRET",
}
PICKLISTS = {
    "Tickets": {
        "status": {1: "New", 8: "In Progress", 7: "Waiting Customer", 5: "Complete"},
        "priority": {1: "High", 2: "Medium", 3: "Low", 4: "Critical"},  # Autotask's defaults
        "queueID": {29683487: "Level I Support", 29683488: "Level II Support"},
        "issueType": {10: "Hardware", 11: "Software"},
        "subIssueType": {100: "Laptop", 101: "Email", 102: "VPN"},
        "source": {2: "Phone", 4: "Email", 11: "Client Portal"},
    },
    "TicketNotes": {
        "publish": {1: "All Autotask Users", 2: "Internal Only"},
        "noteType": {1: "Task Summary", 3: "Task Detail"},
    },
}
PICKLISTS.update(autotask_business.PICKLISTS)  # Contracts, Projects, ConfigurationItems...
STATUS_ID = {label: value for value, label in PICKLISTS["Tickets"]["status"].items()}
LIFECYCLE = ("New", "In Progress", "Waiting Customer", "In Progress", "Complete")
START = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
ENTITIES = (
    "Companies",
    "Contacts",
    "Resources",
    "Tickets",
    "TicketNotes",
    "TicketHistory",
    "TimeEntries",
    "SurveyResults",
    *autotask_business.ENTITIES,
)


def iso(moment: datetime) -> str:
    """Autotask style: naive UTC with milliseconds."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    )


class FakeAutotask:
    """``FakeAutotask(tickets=N)``: companies, contacts, resources, N tickets with history,
    notes, time entries and survey results; mutate ``data`` or use the helpers between syncs."""

    def __init__(self, tickets: int = 12, *, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.data: dict[str, dict[int, dict]] = {name: {} for name in ENTITIES}
        self.now = START
        self._ids = 900_000
        self._reference()
        self.add_tickets(tickets)
        # Contracts, Invoices, ConfigurationItems, Projects, Opportunities (fakes/autotask_business)
        self.business = autotask_business.AtBusiness(self.data, self.tick)
        self.server = FakeServer()
        self.server.guard = self._authenticate
        self.server.clock = lambda: self.now
        self._routes()

    @property
    def url(self) -> str:
        return self.server.url + API

    @property
    def tickets(self) -> dict[int, dict]:
        return self.data["Tickets"]

    def __enter__(self) -> FakeAutotask:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    # -- dataset ---------------------------------------------------------------------------
    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def _reference(self) -> None:
        old = iso(START - timedelta(days=30))
        for cid, name in ((29683001, "Acme Dental"), (29683002, "Birch & Co")):
            self.data["Companies"][cid] = {"id": cid, "companyName": name, "lastActivityDate": old}
        for k, (first, last, cid) in enumerate(
            (("Dana", "Fox", 29683001), ("Ari", "Cole", 29683001), ("Lee", "Park", 29683002))
        ):
            self.data["Contacts"][30682001 + k] = {
                "id": 30682001 + k,
                "companyID": cid,
                "firstName": first,
                "lastName": last,
                "emailAddress": f"{first.lower()}@{last.lower()}.example",
                "lastModifiedDate": old,
            }
        for rid, first, last in ((29682885, "Kim", "Lee"), (29682886, "Sam", "Ortiz")):
            self.data["Resources"][rid] = {
                "id": rid,
                "firstName": first,
                "lastName": last,
                "email": f"{first.lower()}@fakemsp.example",
                "isActive": True,
            }

    def add_tickets(self, count: int) -> list[int]:
        start_id = max(self.tickets, default=8000) + 3
        ids = [start_id + 3 * k for k in range(count)]
        for ticket_id in ids:
            self._generate(ticket_id)
        return ids

    def _generate(self, ticket_id: int) -> None:
        rng = self.rng
        created = self.now + timedelta(minutes=rng.randrange(0, 30), milliseconds=563)
        self.now += timedelta(hours=3)
        contact = rng.choice(list(self.data["Contacts"].values()))
        resource = rng.choice(list(self.data["Resources"]))
        steps = rng.randrange(1, len(LIFECYCLE) + 1)
        moments = [created + timedelta(minutes=20 * k + rng.randrange(0, 10)) for k in range(steps)]
        moments[0] = created
        self._history(ticket_id, "Ticket created", created, resource)
        for k in range(1, steps):
            detail = f'Status changed from "{LIFECYCLE[k - 1]}" to "{LIFECYCLE[k]}"'
            self._history(ticket_id, detail, moments[k], resource)
        status = LIFECYCLE[steps - 1]
        at: dict[str, datetime] = {}
        for k, name in enumerate(LIFECYCLE[:steps]):
            at.setdefault(name, moments[k])
        self._note(ticket_id, created, contact=contact["id"], publish=1)
        if "In Progress" in at:
            self._note(ticket_id, at["In Progress"], resource=resource, publish=1)
            self._note(
                ticket_id, at["In Progress"] + timedelta(minutes=1), resource=resource, publish=2
            )
        pick = PICKLISTS["Tickets"]
        self.tickets[ticket_id] = {
            "id": ticket_id,
            "ticketNumber": f"T{created:%Y%m%d}.{ticket_id % 10000:04d}",
            "title": f"Ticket {ticket_id}",
            "createDate": iso(created),
            "status": STATUS_ID[status],
            "priority": rng.choice(list(pick["priority"])),
            "queueID": rng.choice(list(pick["queueID"])),
            "issueType": rng.choice(list(pick["issueType"])),
            "subIssueType": rng.choice(list(pick["subIssueType"])),
            "source": rng.choice(list(pick["source"])),
            "companyID": contact["companyID"],
            "contactID": contact["id"],
            "assignedResourceID": resource,
            "firstResponseDateTime": iso(at["In Progress"]) if "In Progress" in at else None,
            "firstResponseDueDateTime": iso(created + timedelta(hours=1)),
            "resolvedDateTime": iso(at["Complete"]) if "Complete" in at else None,
            "resolvedDueDateTime": iso(created + timedelta(hours=24)),
            "completedDate": iso(at["Complete"]) if "Complete" in at else None,
            "lastActivityDate": iso(moments[-1] + timedelta(minutes=1)),
        }
        for k in range(rng.randrange(0, 3)):
            self._time_entry(ticket_id, resource, moments[-1] + timedelta(minutes=5 * k))
        if status == "Complete":
            survey_id = self._next_id()
            self.data["SurveyResults"][survey_id] = {
                "id": survey_id,
                "surveyID": 1,
                "ticketID": ticket_id,
                "companyID": contact["companyID"],
                "contactID": contact["id"],
                "surveyRating": float(rng.randrange(1, 6)),
                "sendDate": iso(at["Complete"]),
                "completeDate": iso(at["Complete"] + timedelta(hours=2)),
            }

    def _history(self, ticket_id: int, detail: str, at: datetime, resource: int) -> None:
        hid = self._next_id()
        self.data["TicketHistory"][hid] = {
            "id": hid,
            "ticketID": ticket_id,
            "action": "Edit",
            "detail": detail,
            "date": iso(at),
            "resourceID": resource,
        }

    def _note(self, ticket_id, at, *, publish, resource=None, contact=None) -> int:
        nid = self._next_id()
        self.data["TicketNotes"][nid] = {
            "id": nid,
            "ticketID": ticket_id,
            "noteType": 1,
            "publish": publish,
            "title": "note",
            "description": "...",
            "createDateTime": iso(at),
            "lastActivityDate": iso(at),
            "creatorResourceID": resource,
            "createdByContactID": contact,
        }
        return nid

    def _time_entry(self, ticket_id: int, resource: int, start: datetime) -> int:
        eid = self._next_id()
        hours = self.rng.choice([0.25, 0.5, 1.0, 1.5])
        self.data["TimeEntries"][eid] = {
            "id": eid,
            "ticketID": ticket_id,
            "taskID": None,
            "resourceID": resource,
            "dateWorked": iso(start.replace(hour=0, minute=0, second=0, microsecond=0)),
            "startDateTime": iso(start),
            "endDateTime": iso(start + timedelta(hours=hours)),
            "hoursWorked": hours,
            "isNonBillable": self.rng.random() < 0.3,
            "lastModifiedDateTime": iso(start + timedelta(hours=hours, minutes=1)),
        }
        return eid

    # -- mutations between syncs -----------------------------------------------------------
    def tick(self, hours: float = 24) -> str:
        self.now += timedelta(hours=hours)
        return iso(self.now)

    def update_ticket(self, ticket_id: int, **fields) -> None:
        self.tickets[ticket_id].update(copy.deepcopy(fields))
        self.tickets[ticket_id]["lastActivityDate"] = self.tick()

    def delete_ticket(self, ticket_id: int) -> None:
        """Gone with its history, notes and time entries; survey results stay, as Autotask
        keeps them."""
        self.tickets.pop(ticket_id)
        for entity in ("TicketHistory", "TicketNotes", "TimeEntries"):
            store = self.data[entity]
            for key in [k for k, r in store.items() if r.get("ticketID") == ticket_id]:
                del store[key]

    def change_status(self, ticket_id: int, new: str, by: int = 29682886) -> None:
        old = PICKLISTS["Tickets"]["status"][self.tickets[ticket_id]["status"]]
        self.update_ticket(ticket_id, status=STATUS_ID[new])
        self._history(ticket_id, f'Status changed from "{old}" to "{new}"', self.now, by)

    # -- HTTP ------------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Response | None:
        if request.path == API + "/zoneInformation":
            return None  # django-autotask calls it without headers
        sent = (request.header("apiintegrationcode"), request.header("username"))
        if sent == (INTEGRATION_CODE, USERNAME) and request.header("secret") == SECRET:
            return None
        return Response(401, {"errors": ["Authentication failed"]})

    def _routes(self) -> None:
        route = self.server.add_route
        route("GET", API + "/zoneInformation", self._zone)
        pattern = API + r"/(?P<entity>[A-Za-z]+)/query"
        route("GET", pattern, self._query)
        route("POST", pattern, self._query)
        route("GET", API + r"/(?P<entity>[A-Za-z]+)/entityInformation/fields", self._fields)

    def _zone(self, request: Request) -> Response:
        if request.arg("user") != USERNAME:
            return Response(500, {"errors": ["Zone information could not be determined"]})
        return Response(
            200,
            {
                "zoneName": "Fake Zone",
                "url": self.server.url + "/atservicesrest/",
                "webUrl": "https://ww5.autotask.net/",
                "ci": 5,
            },
        )

    def _fields(self, request: Request) -> Response:
        entity = request.params["entity"]
        if entity not in PICKLISTS:
            return Response(404, {"errors": [f"no entity {entity}"]})
        fields = [
            {
                "name": name,
                "dataType": "integer",
                "isPickList": True,
                "picklistValues": [
                    {"value": str(v), "label": label, "isActive": True, "sortOrder": n}
                    for n, (v, label) in enumerate(values.items())
                ],
            }
            for name, values in PICKLISTS[entity].items()
        ]
        fields.insert(0, {"name": "id", "dataType": "long", "isPickList": False})
        return Response(200, {"fields": fields})

    def _query(self, request: Request) -> Response:
        entity = request.params["entity"]
        if entity not in self.data:
            return Response(404, {"errors": [f"no entity {entity}"]})
        try:
            body = (
                request.json()
                if request.method == "POST"
                else json.loads(request.arg("search") or "")
            )
            if not isinstance(body, dict) or not body.get("filter"):
                raise ValueError("a query needs at least one filter")
            if entity == "TicketHistory" and not _single_ticket_eq(body["filter"]):
                raise ValueError("TicketHistory accepts only one ticketID eq filter")
            keep = _all(body["filter"])
            size = int(body.get("MaxRecords") or 500)
            if not 1 <= size <= 500:
                raise ValueError("MaxRecords must be 1-500")
            fields = [str(f).lower() for f in body.get("IncludeFields") or []]
        except (ValueError, TypeError, KeyError) as exc:
            return Response(400, {"errors": [str(exc)]})
        after = int(request.arg("after") or 0)
        rows = sorted(
            (r for key, r in self.data[entity].items() if _key(key, r) > after and keep(r)),
            key=lambda r: _key(0, r),
        )
        if fields and "id" not in fields and len(rows) > size:
            return Response(400, {"errors": ["IncludeFields must contain id past one page"]})
        page = [_only(r, fields) for r in rows[:size]]
        following = None
        if len(rows) > size:
            query = {"search": json.dumps(body), "after": str(_key(0, page[-1]))}
            following = f"{self.server.url}{API}/{entity}/query?{urlencode(query)}"
        details = {
            "count": len(page),
            "requestCount": size,
            "prevPageUrl": None,
            "nextPageUrl": following,
        }
        return Response(200, {"items": copy.deepcopy(page), "pageDetails": details})

    # -- what the tests read ---------------------------------------------------------------
    def queries(self, entity: str) -> list:
        return self.server.requests(f"{API}/{entity}/query")

    def ticket_pages(self) -> list:
        """Ticket queries for whole records (continuations included), not id listings."""
        return [r for r in self.queries("Tickets") if not _fields_of(r)]

    def id_listings(self) -> list:
        """Ticket queries that asked for some fields only (the live-id listing)."""
        return [r for r in self.queries("Tickets") if _fields_of(r)]

    @staticmethod
    def search_of(logged) -> dict:
        return json.loads(logged.arg("search"))


def _fields_of(logged) -> list:
    return json.loads(logged.arg("search") or "{}").get("IncludeFields") or []


def _only(record: dict, fields: list[str]) -> dict:
    """The record cut down to the lower-cased ``fields`` (all of it when none are asked)."""
    return {k: v for k, v in record.items() if not fields or k.lower() in fields}


def _key(store_key: int, record: dict) -> int:
    value = record.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else store_key


def _single_ticket_eq(items: list) -> bool:
    return (
        len(items) == 1
        and isinstance(items[0], dict)
        and items[0].get("op") == "eq"
        and str(items[0].get("field", "")).lower() == "ticketid"
    )


def _all(items: list) -> Callable[[dict], bool]:
    checks = [_condition(item) for item in items]
    return lambda r: all(c(r) for c in checks)


def _condition(item: dict) -> Callable[[dict], bool]:
    op = str(item["op"])
    if op in {"and", "or"}:
        checks = [_condition(i) for i in item["items"]]
        combine = all if op == "and" else any
        return lambda r: combine(c(r) for c in checks)
    field = str(item["field"]).lower()
    value = item.get("value")
    compare = {
        "eq": lambda a, b: a == b,
        "noteq": lambda a, b: a != b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
        "in": lambda a, b: a in b,
        "notIn": lambda a, b: a not in b,
        "contains": lambda a, b: str(b).lower() in str(a).lower(),
        "beginsWith": lambda a, b: str(a).lower().startswith(str(b).lower()),
        "endsWith": lambda a, b: str(a).lower().endswith(str(b).lower()),
    }
    if op not in compare and op not in {"exist", "notExist"}:
        raise ValueError(f"unknown operator {op!r}")
    if op in {"in", "notIn"} and not isinstance(value, list):
        raise ValueError(f"{op} needs a list value")

    def check(record: dict) -> bool:
        actual = next((v for k, v in record.items() if k.lower() == field), None)
        if op == "exist":
            return actual not in (None, "")
        if op == "notExist":
            return actual in (None, "")
        if actual is None:
            return op in {"noteq", "notIn"}
        try:
            if isinstance(value, str) and isinstance(actual, str) and value[:1].isdigit():
                return compare[op](_when(actual), _when(value))
            return compare[op](actual, value)
        except (TypeError, ValueError):
            return False

    return check


def _when(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
