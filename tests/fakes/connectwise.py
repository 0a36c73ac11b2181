"""A fake ConnectWise Manage REST API (v3.0) over real HTTP, with a mutable in-memory dataset.

Shapes follow the connector API notes, section 1:

- base path ``/v4_6_release/apis/3.0``; every call needs ``Authorization: Basic
  base64("{company}+{public}:{private}")`` and a ``clientId`` header, else 401 with the
  documented error body (``code``/``message``/``errors``);
- list bodies are bare JSON arrays; navigable paging with ``page``/``pageSize`` (default 25,
  at most 1000) and a ``Link`` header (first/prev/next/last); forward-only paging when the
  request has ``pagination-type: forward-only``: ``pageId`` means ``id > pageId`` and the
  ``Link`` header carries only the next URL, absent on the last page;
- ``fields=a,b/c`` answers only those fields (paths as in conditions) of each record;
- ``conditions`` supports comparisons (``= != < <= > >=``, ``contains``, ``like``) on paths
  such as ``lastUpdated``, ``_info/lastUpdated``, ``board/name`` or ``chargeToType``, with
  ``[ISO]`` dates, ``"strings"``, numbers and booleans, combined with and/or/parentheses;
  anything else answers 400 so a connector's malformed condition fails loudly;
- the ``Date`` header follows the fake clock ``now`` (moved on by ``tick``/``update_ticket``).

The business endpoints (agreements, invoices, configurations, projects, opportunities) are
served from ``self.business`` (``fakes.connectwise_business``).

Choices the reference leaves open (documented, not vendor facts): forward-only is refused
(400) on ``/system/audittrail`` and ticket notes; audit-trail status text reads
``Status changed from "A" to "B"``; records keep the order of their ids.
"""

from __future__ import annotations

import base64
import copy
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from fakes.connectwise_business import CwBusiness
from fakes.server import FakeServer, Request, Response

API = "/v4_6_release/apis/3.0"
COMPANY_ID = "fakemsp"
PUBLIC_KEY = "pubK3y0123456789"
PRIVATE_KEY = "pr1vate-S3CRET-k3y-9f8e7d"
CLIENT_ID = "6b3b7c3e-0000-4a5b-9c1d-fakeclient01"
ENV = {
    "CW_COMPANY_ID": COMPANY_ID,
    "CW_PUBLIC_KEY": PUBLIC_KEY,
    "CW_PRIVATE_KEY": PRIVATE_KEY,
    "CW_CLIENT_ID": CLIENT_ID,
}
SECRETS = {
    "company_id": "CW_COMPANY_ID",
    "public_key": "CW_PUBLIC_KEY",
    "private_key": "CW_PRIVATE_KEY",
    "client_id": "CW_CLIENT_ID",
}
PRIORITIES = (
    "Priority 1 - Emergency Response",
    "Priority 2 - Quick Response",
    "Priority 3 - Normal Response",
    "Priority 4 - Schedule Maintenance",
)
# the life of a ticket: it stops at a random step
LIFECYCLE = ("New", "In Progress", "Waiting Customer", "In Progress", "Resolved", "Closed")
START = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ref(id_: int, name: str, **extra) -> dict:
    return {"id": id_, "name": name, **extra, "_info": {"href": f"https://fake/{id_}"}}


class FakeConnectWise:
    """``FakeConnectWise(tickets=N)`` generates companies, contacts, members, N tickets with
    audit trails, notes and time entries; mutate the dicts or use the helpers between syncs."""

    def __init__(self, tickets: int = 12, *, seed: int = 7, workday_hours: int = 3) -> None:
        self.rng = random.Random(seed)
        self.spacing = timedelta(hours=workday_hours)
        self.companies: dict[int, dict] = {}
        self.contacts: dict[int, dict] = {}
        self.members: dict[int, dict] = {}
        self.tickets: dict[int, dict] = {}
        self.audit: dict[int, list[dict]] = {}
        self.notes: dict[int, list[dict]] = {}
        self.time_entries: dict[int, dict] = {}
        self.now = START
        self._build_reference()
        self.add_tickets(tickets)
        # agreements, invoices, configurations, projects, opportunities (fakes/connectwise_business)
        self.business = CwBusiness(self.tick)
        self.server = FakeServer()
        self.server.guard = self._authenticate
        self.server.clock = lambda: self.now  # the Date header follows the fake clock
        self._routes()

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.server.url + API

    def __enter__(self) -> FakeConnectWise:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    # -- dataset ---------------------------------------------------------------------------
    def _build_reference(self) -> None:
        for cid, name, seats in ((250, "Acme Dental", 25), (251, "Birch & Co", 40)):
            self.companies[cid] = {
                "id": cid,
                "identifier": name.split()[0],
                "name": name,
                "numberOfEmployees": seats + 5,
                "customFields": [{"id": 9, "caption": "Managed Seats", "value": seats}],
                "_info": {"lastUpdated": iso(START - timedelta(days=30))},
            }
        for k, (first, last, cid) in enumerate(
            (("Dana", "Fox", 250), ("Ari", "Cole", 250), ("Lee", "Park", 251))
        ):
            self.contacts[300 + k] = {
                "id": 300 + k,
                "firstName": first,
                "lastName": last,
                "company": ref(cid, self.companies[cid]["name"]),
                "communicationItems": [
                    {"type": ref(1, "Direct"), "value": "555-0100", "communicationType": "Phone"},
                    {
                        "type": ref(2, "Email"),
                        "value": f"{first.lower()}@{last.lower()}.example",
                        "defaultFlag": True,
                        "communicationType": "Email",
                    },
                ],
                "_info": {"lastUpdated": iso(START - timedelta(days=20))},
            }
        for mid, ident, first, last, dept, role in (
            (170, "klee", "Kim", "Lee", "Service Desk", "Tier 1 Technician"),
            (171, "sortiz", "Sam", "Ortiz", "Escalations", "Tier 2 Engineer"),
        ):
            self.members[mid] = {
                "id": mid,
                "identifier": ident,
                "firstName": first,
                "lastName": last,
                "defaultDepartment": ref(10, dept, identifier=dept),
                "workRole": ref(20, role),
                "_info": {"lastUpdated": iso(START - timedelta(days=60))},
            }

    def add_tickets(self, count: int) -> list[int]:
        """Append ``count`` generated tickets (ids step by 3, like a shared id sequence)."""
        start_id = max(self.tickets, default=1000) + 3
        ids = [start_id + 3 * k for k in range(count)]
        for ticket_id in ids:
            self._generate(ticket_id)
        return ids

    def _generate(self, ticket_id: int) -> None:
        rng = self.rng
        created = self.now + timedelta(minutes=rng.randrange(0, 30))
        self.now += self.spacing
        cid = rng.choice(list(self.companies))
        contact = rng.choice([c for c in self.contacts.values() if c["company"]["id"] == cid])
        member = rng.choice(list(self.members.values()))
        owner = {"id": member["id"], "identifier": member["identifier"], "name": _name(member)}
        steps = rng.randrange(1, len(LIFECYCLE) + 1)
        moments = [created + timedelta(minutes=20 * k + rng.randrange(0, 10)) for k in range(steps)]
        moments[0] = created
        audit = [_audit("Ticket has been created.", created, "Portal", "Ticket")]
        for k in range(1, steps):
            text = f'Status changed from "{LIFECYCLE[k - 1]}" to "{LIFECYCLE[k]}"'
            audit.append(_audit(text, moments[k], member["identifier"], "Status"))
        audit.insert(1, _audit('Summary changed from "x" to "y"', created, "klee", "Summary"))
        status = LIFECYCLE[steps - 1]
        at: dict[str, datetime] = {}
        for k, name in enumerate(LIFECYCLE[:steps]):
            at.setdefault(name, moments[k])
        notes = [
            _note(1, created, contact=ref(contact["id"], _name(contact)), detail=True),
        ]
        if "In Progress" in at:
            notes.append(_note(2, at["In Progress"], member=owner, detail=True, external=True))
            notes.append(
                _note(3, at["In Progress"] + timedelta(minutes=1), member=owner, internal=True)
            )
        last = moments[-1] + timedelta(minutes=1)
        self.tickets[ticket_id] = {
            "id": ticket_id,
            "summary": f"Ticket {ticket_id}",
            "recordType": "ServiceTicket",
            "board": ref(1, rng.choice(["Help Desk", "Tier 2"])),
            "status": ref(LIFECYCLE.index(status) + 1, status, Sort=0),
            "company": ref(cid, self.companies[cid]["name"], identifier="x"),
            "contact": ref(contact["id"], _name(contact)),
            "type": ref(30, rng.choice(["Hardware", "Software", "Network"])),
            "subType": ref(31, rng.choice(["Laptop", "Email", "VPN"])),
            "item": ref(32, rng.choice(["Battery", "Outlook", "Firewall"])),
            "priority": ref(4, rng.choice(PRIORITIES), sort=1),
            "source": ref(2, rng.choice(["Phone", "Email", "Portal"])),
            "owner": owner,
            "closedFlag": status == "Closed",
            "closedDate": iso(at["Closed"]) if "Closed" in at else None,
            "dateResponded": iso(at["In Progress"]) if "In Progress" in at else None,
            "dateResolved": iso(at["Resolved"]) if "Resolved" in at else None,
            "_info": {"dateEntered": iso(created), "lastUpdated": iso(last), "enteredBy": "x"},
        }
        self.audit[ticket_id] = audit
        self.notes[ticket_id] = notes
        for k in range(rng.randrange(0, 3)):
            self._add_time_entry(ticket_id, member, moments[-1] + timedelta(minutes=5 * k))

    def _add_time_entry(self, ticket_id: int, member: dict, start: datetime, **extra) -> int:
        entry_id = max(self.time_entries, default=5000) + 1
        hours = self.rng.choice([0.25, 0.5, 1.0, 1.5])
        self.time_entries[entry_id] = {
            "id": entry_id,
            "chargeToId": ticket_id,
            "chargeToType": "ServiceTicket",
            "member": {"id": member["id"], "identifier": member["identifier"]},
            "timeStart": iso(start),
            "timeEnd": iso(start + timedelta(hours=hours)),
            "actualHours": hours,
            "hoursDeduct": 0.0,
            "billableOption": self.rng.choice(["Billable", "DoNotBill", "NoCharge"]),
            "_info": {"lastUpdated": iso(start + timedelta(hours=hours, minutes=1))},
            **extra,
        }
        return entry_id

    # -- mutations between syncs ------------------------------------------------------------
    def tick(self, hours: float = 24) -> str:
        """Move the fake clock on; returns the new time as CW text."""
        self.now += timedelta(hours=hours)
        return iso(self.now)

    def update_ticket(self, ticket_id: int, **fields) -> None:
        ticket = self.tickets[ticket_id]
        ticket.update(copy.deepcopy(fields))
        ticket["_info"] = {**ticket["_info"], "lastUpdated": self.tick()}

    def change_status(self, ticket_id: int, new: str, by: str = "sortiz") -> None:
        old = self.tickets[ticket_id]["status"]["name"]
        self.update_ticket(ticket_id, status=ref(9, new))
        text = f'Status changed from "{old}" to "{new}"'
        self.audit[ticket_id].append(_audit(text, self.now, by, "Status"))

    def delete_ticket(self, ticket_id: int) -> None:
        """Gone with its audit trail, notes and time (ConnectWise lists none of them after)."""
        for store in (self.tickets, self.audit, self.notes):
            store.pop(ticket_id, None)
        for entry_id, entry in list(self.time_entries.items()):
            if entry["chargeToId"] == ticket_id and entry["chargeToType"] == "ServiceTicket":
                del self.time_entries[entry_id]

    def add_charge_code_entry(self) -> int:
        member = next(iter(self.members.values()))
        return self._add_time_entry(0, member, self.now, chargeToType="ChargeCode")

    # -- HTTP ------------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Response | None:
        token = base64.b64encode(f"{COMPANY_ID}+{PUBLIC_KEY}:{PRIVATE_KEY}".encode()).decode()
        if request.header("authorization") == f"Basic {token}" and request.header("clientid") == (
            CLIENT_ID
        ):
            return None
        body = {"code": "Unauthorized", "message": "UserNotAuthenticated", "errors": None}
        return Response(401, body)

    def _routes(self) -> None:
        route = self.server.add_route
        route("GET", API + "/company/companies", lambda r: self._list(r, self.companies))
        route("GET", API + "/company/contacts", lambda r: self._list(r, self.contacts))
        route("GET", API + "/system/members", lambda r: self._list(r, self.members))
        route("GET", API + "/service/tickets", lambda r: self._list(r, self.tickets))
        route("GET", API + "/time/entries", lambda r: self._list(r, self.time_entries))
        route("GET", API + "/service/tickets/count", self._count)
        route("GET", API + r"/service/tickets/(?P<id>\d+)/notes", self._notes)
        route("GET", API + "/system/audittrail", self._audit_trail)
        self.business.add_routes(API, route, self._list)

    def _count(self, request: Request) -> Response:
        keep = parse_conditions(request.arg("conditions") or "")
        return Response(200, {"count": sum(1 for r in self.tickets.values() if keep(r))})

    def _notes(self, request: Request) -> Response:
        ticket_id = int(request.params["id"])
        if ticket_id not in self.tickets:
            return Response(404, {"code": "NotFound", "message": "Ticket not found"})
        return self._list(request, dict(enumerate(self.notes[ticket_id])), forward=False)

    def _audit_trail(self, request: Request) -> Response:
        if request.arg("type") != "Ticket" or not (request.arg("id") or "").isdigit():
            return _bad("type=Ticket and a numeric id are required")
        entries = self.audit.get(int(request.arg("id")), [])
        return self._list(request, dict(enumerate(entries)), forward=False)

    def _list(self, request: Request, store: dict, *, forward: bool = True) -> Response:
        try:
            keep = parse_conditions(request.arg("conditions") or "")
            size = int(request.arg("pageSize") or 25)
        except ValueError as exc:
            return _bad(str(exc))
        fields = [f.strip() for f in (request.arg("fields") or "").split(",") if f.strip()]
        size = max(1, min(size, 1000))
        # records sort by id; one without a usable id (a malformed record) by its store key
        rows = sorted(
            ((_sort_key(key, r), r) for key, r in store.items() if keep(r)),
            key=lambda pair: pair[0],
        )
        mode = (request.header("pagination-type") or "").lower()
        if mode == "forward-only":
            if not forward:
                return _bad("Forward-only pagination is not supported on this endpoint")
            if request.arg("page"):
                return _bad("page cannot be used with forward-only pagination")
            after = int(request.arg("pageId") or 0)
            rows = [(key, r) for key, r in rows if key > after]
            page = rows[:size]
            headers = {}
            if len(rows) > size:
                headers["Link"] = f'<{self._link(request, pageId=page[-1][0])}>; rel="next"'
            return Response(200, [_project(r, fields) for _, r in page], headers)
        number = int(request.arg("page") or 1)
        pages = max(1, -(-len(rows) // size))
        page = rows[(number - 1) * size : number * size]
        links = [f'<{self._link(request, page=1)}>; rel="first"']
        if number > 1:
            links.append(f'<{self._link(request, page=number - 1)}>; rel="prev"')
        if number < pages:
            links.append(f'<{self._link(request, page=number + 1)}>; rel="next"')
        links.append(f'<{self._link(request, page=pages)}>; rel="last"')
        body = [_project(r, fields) for _, r in page]
        return Response(200, body, {"Link": ", ".join(links)})

    def _link(self, request: Request, **changes) -> str:
        query = {k: v[0] for k, v in request.query.items()}
        query.update({k: str(v) for k, v in changes.items()})
        return f"{self.server.url}{request.path}?{urlencode(query)}"

    # -- what the tests read ---------------------------------------------------------------
    def ticket_pages(self) -> list:
        """Logged GETs of whole tickets from the ticket list (not notes, not id listings)."""
        return [r for r in self.server.requests(API + "/service/tickets") if not r.arg("fields")]

    def id_listings(self) -> list:
        """Logged GETs of the ticket list that asked for some fields only (the live-id list)."""
        return [r for r in self.server.requests(API + "/service/tickets") if r.arg("fields")]

    def requests_for(self, path: str) -> list:
        return self.server.requests(API + path)


def _project(record: dict, fields: list[str]) -> dict:
    """The record cut down to ``fields`` (all of it when none are asked for)."""
    if not fields:
        return copy.deepcopy(record)
    out: dict = {}
    for path in fields:
        parts = path.split("/")
        value: object = record
        for part in parts:
            value = _get(value, part)
        if value is None:
            continue
        target = out
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = copy.deepcopy(value)
    return out


def _sort_key(key: int, record: dict) -> int:
    value = record.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else key


def _name(record: dict) -> str:
    return f"{record['firstName']} {record['lastName']}"


def _audit(text: str, at: datetime, by: str, sub_type: str) -> dict:
    return {
        "text": text,
        "enteredDate": iso(at),
        "enteredBy": by,
        "auditType": "Ticket",
        "auditSubType": sub_type,
        "auditSource": "Web",
    }


def _note(
    id_: int,
    at: datetime,
    *,
    member: dict | None = None,
    contact: dict | None = None,
    detail: bool = False,
    internal: bool = False,
    external: bool = False,
) -> dict:
    return {
        "id": id_,
        "text": "...",
        "detailDescriptionFlag": detail,
        "internalAnalysisFlag": internal,
        "resolutionFlag": False,
        "member": member,
        "contact": contact,
        "dateCreated": iso(at),
        "createdBy": member["identifier"] if member else "contact",
        "internalFlag": internal,
        "externalFlag": external,
    }


def _bad(message: str) -> Response:
    return Response(400, {"code": "InvalidObject", "message": message, "errors": None})


# -- conditions ----------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:(?P<date>\[[^\]]*\])|(?P<string>"[^"]*")|(?P<op>>=|<=|!=|=|<|>|\(|\))
    |(?P<word>[A-Za-z_][\w/.]*)|(?P<number>-?\d+(?:\.\d+)?))""",
    re.VERBOSE,
)
_ALIASES = {"lastupdated": "_info/lastUpdated", "dateentered": "_info/dateEntered"}


def parse_conditions(text: str) -> Callable[[dict], bool]:
    """A predicate for a ConnectWise ``conditions`` string; ValueError on anything unsupported."""
    tokens = _tokenize(text)
    if not tokens:
        return lambda record: True
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal position
        if position >= len(tokens):
            raise ValueError(f"conditions end too early: {text!r}")
        position += 1
        return tokens[position - 1]

    def expression():
        parts = [term()]
        while (nxt := peek()) and nxt == ("word", "or"):
            take()
            parts.append(term())
        return lambda r: any(p(r) for p in parts)

    def term():
        parts = [factor()]
        while (nxt := peek()) and nxt == ("word", "and"):
            take()
            parts.append(factor())
        return lambda r: all(p(r) for p in parts)

    def factor():
        if peek() == ("op", "("):
            take()
            inner = expression()
            if take() != ("op", ")"):
                raise ValueError(f"unbalanced parentheses in {text!r}")
            return inner
        kind, field = take()
        if kind != "word":
            raise ValueError(f"expected a field name in {text!r}")
        kind, op = take()
        if kind == "word" and op in {"contains", "like"}:
            pass
        elif kind != "op" or op in {"(", ")"}:
            raise ValueError(f"expected an operator after {field} in {text!r}")
        return _comparison(field, op, _literal(take(), text))

    predicate = expression()
    if position != len(tokens):
        raise ValueError(f"unexpected {tokens[position][1]!r} in conditions {text!r}")
    return predicate


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if not match:
            raise ValueError(f"cannot parse conditions at {text[position:]!r}")
        kind = match.lastgroup
        value = match.group(kind)
        tokens.append((kind, value.lower() if kind == "word" else value))
        position = match.end()
    return tokens


def _literal(token: tuple[str, str], text: str) -> object:
    kind, value = token
    if kind == "date":
        return datetime.fromisoformat(value[1:-1].replace("Z", "+00:00"))
    if kind == "string":
        return value[1:-1].casefold()
    if kind == "number":
        return float(value)
    if kind == "word" and value in {"true", "false", "null"}:
        return {"true": True, "false": False, "null": None}[value]
    raise ValueError(f"expected a value, got {value!r} in {text!r}")


def _comparison(field: str, op: str, literal: object) -> Callable[[dict], bool]:
    path = _ALIASES.get(field, field).split("/")
    ops = {
        "=": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "contains": lambda a, b: b in a,
        "like": lambda a, b: re.fullmatch(re.escape(b).replace("%", ".*"), a) is not None,
    }
    compare = ops[op]

    def check(record: dict) -> bool:
        value: object = record
        for part in path:
            value = _get(value, part)
        if value is None or literal is None:
            return compare(value, literal) if op in {"=", "!="} else False
        try:
            if isinstance(literal, datetime):
                value = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            elif isinstance(literal, str):
                value = str(value).casefold()
            elif isinstance(literal, float):
                value = float(value)
            return compare(value, literal)
        except (TypeError, ValueError):
            return False

    return check


def _get(value: object, key: str) -> object:
    if not isinstance(value, dict):
        return None
    for name, item in value.items():
        if name.lower() == key.lower():
            return item
    return None
