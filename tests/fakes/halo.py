"""A fake Halo PSA API over real HTTP, with a mutable, deterministic in-memory dataset.

Shapes follow the connector API notes, section 3:

- ``POST /auth/token`` takes a form-encoded client_credentials body and answers
  ``access_token``/``token_type``/``expires_in``; wrong credentials answer 401 ``invalid_client``;
- ``/api/...`` needs ``Authorization: Bearer <current token>``, else 401. A token stops
  working after ``token_uses`` API requests (None: never), so a sync sees it expire mid-way;
- ``/api/tickets``: ``pageinate=true`` with ``page_size`` (at most 100) and ``page_no`` (from
  1) answers ``{"page_no", "page_size", "record_count", "tickets"}``; ``lastupdatefromdate``
  keeps tickets with ``last_update`` at or after it; ``order=id`` sorts by id (ascending unless
  ``orderdesc=true``), otherwise by ``last_update`` descending, so a client that forgets
  ``order=id`` gets an unstable order; ``open_only=true`` keeps tickets not Closed;
  ``ticketidonly=true`` answers only the id fields (``id``, ``sla_id``, ``status_id``,
  ``client_id``, ``client_name``, as Halo's parameter notes list them);
- ``/api/actions?ticket_id=N`` answers ``{"record_count", "actions"}``; ``/api/status`` and
  ``/api/agent`` answer bare arrays; ``/api/client`` pages like tickets (key ``clients``);
- paths are matched case-insensitively (``/api/Tickets`` works too);
- dates are naive UTC strings; ``1900-01-01T00:00:00`` means "not set".

Choices the reference leaves open (not vendor facts): ticket list records carry ``status_id``
but no ``status_name`` (the connector must look statuses up); actions carry ``datetime``;
``ticketidonly`` with ``pageinate=true`` answers 400 (Halo calls them incompatible); an
unpaged list answers at most ``unpaged_limit`` records (None: all) with the full
``record_count``, to stand for a cap the reference cannot confirm either way.
"""

from __future__ import annotations

import copy
import random
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from fakes.server import FakeServer, Request, Response

CLIENT_ID = "halo-client-7f3a9c"
CLIENT_SECRET = "h4lo-S3CRET-0d9e8f7a6b5c"
ENV = {"HALO_CLIENT_ID": CLIENT_ID, "HALO_CLIENT_SECRET": CLIENT_SECRET}
SECRETS = {"client_id": "HALO_CLIENT_ID", "client_secret": "HALO_CLIENT_SECRET"}
EMPTY = "1900-01-01T00:00:00"
ID_FIELDS = ("id", "sla_id", "status_id", "client_id", "client_name")
CLOSED = 9
START = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
STATUSES = {1: "New", 2: "In Progress", 3: "Waiting on User", 9: "Closed"}
LIFECYCLE = (1, 2, 3, 2, 9)  # the life of a ticket, stopped at a random step
AGENTS = {1: ("Unassigned", None), 5: ("Kim Lee", "Service Desk"), 6: ("Sam Ortiz", "Tier 2")}


def iso(moment: datetime) -> str:
    """Halo's naive UTC text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


class FakeHalo:
    """``FakeHalo(tickets=N)`` generates clients, agents, N tickets with actions; mutate the
    dicts or use the helpers between syncs."""

    def __init__(self, tickets: int = 12, *, seed: int = 11, token_uses: int | None = None):
        self.rng = random.Random(seed)
        self.now = START
        self.token_uses = token_uses
        self.tokens_issued: list[str] = []
        self._token: str | None = None
        self._uses = 0
        self.statuses = [{"id": k, "name": v, "colour": "#000"} for k, v in STATUSES.items()]
        self.clients = {
            cid: {"id": cid, "name": name, "inactive": False}
            for cid, name in ((12, "Acme Dental"), (13, "Birch & Co"))
        }
        self.agents = {
            aid: {"id": aid, "name": name, "team": team, "email": f"a{aid}@msp.example"}
            for aid, (name, team) in AGENTS.items()
        }
        self.tickets: dict[int, dict] = {}
        self.actions: dict[int, list[dict]] = {}
        self.unpaged_limit: int | None = None
        self.add_tickets(tickets)
        self.server = FakeServer()
        self.server.guard = self._authenticate
        self.server.clock = lambda: self.now
        self._routes()

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> FakeHalo:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    # -- dataset ---------------------------------------------------------------------------
    def add_tickets(self, count: int, steps: int | None = None) -> list[int]:
        """Append ``count`` tickets (ids step by 2); ``steps`` fixes how far each one got
        through ``LIFECYCLE`` (1: still New and unassigned)."""
        start = max(self.tickets, default=100) + 2
        ids = [start + 2 * k for k in range(count)]
        for ticket_id in ids:
            self._generate(ticket_id, steps)
        return ids

    def _generate(self, ticket_id: int, steps: int | None = None) -> None:
        rng = self.rng
        created = self.now + timedelta(minutes=rng.randrange(0, 30))
        self.now += timedelta(hours=3)
        agent = rng.choice([5, 6])
        drawn = rng.randrange(1, len(LIFECYCLE) + 1)
        steps = steps or drawn
        moments = [created + timedelta(minutes=20 * k + rng.randrange(0, 10)) for k in range(steps)]
        moments[0] = created
        actions = [
            _action(1, created, who=0, new=1, old=0, note="Printer is on fire", direction="I")
        ]
        for k in range(1, steps):
            note, hidden, hours = {
                2: ("Looking into it", False, 0.5),
                3: ("Asked the user for the model", False, 0.0),
                9: ("Replaced the toner; closing", False, 0.25),
            }[LIFECYCLE[k]]
            actions.append(
                _action(
                    k + 1,
                    moments[k],
                    who=agent,
                    new=LIFECYCLE[k],
                    old=LIFECYCLE[k - 1],
                    note=note,
                    hidden=hidden,
                    hours=hours,
                )
            )
        if steps > 1:  # a private note a minute after the first response, with time on it
            actions.append(
                _action(
                    steps + 1,
                    moments[1] + timedelta(minutes=1),
                    who=agent,
                    note="internal: check warranty",
                    hidden=True,
                    hours=0.25,
                )
            )
        status = LIFECYCLE[steps - 1]
        at = {}
        for k in range(steps):
            at.setdefault(LIFECYCLE[k], moments[k])
        self.tickets[ticket_id] = {
            "id": ticket_id,
            "summary": f"Ticket {ticket_id}",
            "details": "...",
            "dateoccurred": iso(created),
            "status_id": status,
            "tickettype_id": 1,
            "client_id": rng.choice(list(self.clients)),
            "client_name": "x",
            "user_id": rng.choice([40, 41, 42]),
            "team": rng.choice(["Service Desk", "Projects"]),
            "agent_id": agent if steps > 1 else 1,
            "category_1": rng.choice(["Hardware", "Software"]),
            "category_2": rng.choice(["Printer", "Laptop"]),
            "category_3": rng.choice(["Toner", "Battery"]),
            "priority_id": rng.choice([1, 2, 3, 4]),
            "respondbydate": iso(created + timedelta(hours=1)),
            "fixbydate": iso(created + timedelta(hours=8)),
            "responsedate": iso(at[2]) if 2 in at else EMPTY,
            "dateclosed": iso(at[9]) if 9 in at else EMPTY,
            "deadlinedate": EMPTY,
            "last_update": iso(moments[-1] + timedelta(minutes=1)),
        }
        self.actions[ticket_id] = actions

    # -- mutations between syncs ------------------------------------------------------------
    def tick(self, hours: float = 24) -> str:
        self.now += timedelta(hours=hours)
        return iso(self.now)

    def delete_ticket(self, ticket_id: int) -> None:
        """Gone with its actions (its notes, status changes and time)."""
        del self.tickets[ticket_id], self.actions[ticket_id]

    def change_status(self, ticket_id: int, new: int, by: int = 6) -> None:
        ticket = self.tickets[ticket_id]
        old = ticket["status_id"]
        ticket["status_id"] = new
        ticket["last_update"] = self.tick()
        actions = self.actions[ticket_id]
        number = max(a["id"] for a in actions) + 1
        actions.append(_action(number, self.now, who=by, new=new, old=old, note="Status update"))

    # -- HTTP ------------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Response | None:
        if not request.path.lower().startswith("/api/"):
            return None
        expected = f"Bearer {self._token}" if self._token else None
        if expected is None or request.header("authorization") != expected:
            return Response(401, {"message": "Unauthorized"})
        self._uses += 1
        if self.token_uses is not None and self._uses > self.token_uses:
            self._token = None  # expired: every later call with it is refused
            return Response(401, {"message": "The access token expired"})
        return None

    def _issue(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if request.header("content-type", "").split(";")[0] != (
            "application/x-www-form-urlencoded"
        ):
            return Response(400, {"error": "invalid_request"})
        if form.get("grant_type") != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type"})
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return Response(401, {"error": "invalid_client"})
        self._token = "tok-" + secrets.token_hex(12)
        self._uses = 0
        self.tokens_issued.append(self._token)
        return Response(
            200, {"access_token": self._token, "token_type": "Bearer", "expires_in": 3600}
        )

    def _routes(self) -> None:
        route = self.server.add_route
        route("POST", "(?i)/auth/token", self._issue)
        route("GET", "(?i)/api/tickets", self._ticket_list)
        route("GET", "(?i)/api/actions", self._action_list)
        route("GET", "(?i)/api/status", lambda r: copy.deepcopy(self.statuses))
        route("GET", "(?i)/api/agent", lambda r: copy.deepcopy(list(self.agents.values())))
        route(
            "GET",
            "(?i)/api/client",
            lambda r: self._paged(r, list(self.clients.values()), "clients"),
        )

    def _ticket_list(self, request: Request) -> Response:
        rows = list(self.tickets.values())
        since = request.arg("lastupdatefromdate")
        if since:
            bound = datetime.fromisoformat(since)
            rows = [r for r in rows if datetime.fromisoformat(r["last_update"]) >= bound]
        if _flag(request, "open_only"):
            rows = [r for r in rows if r.get("status_id") != CLOSED]
        if (request.arg("order") or "").lower() == "id":
            desc = _flag(request, "orderdesc")
            rows.sort(key=lambda r: _sort_id(r), reverse=desc)
        else:
            rows.sort(key=lambda r: str(r.get("last_update")), reverse=True)
        if _flag(request, "ticketidonly"):
            if _flag(request, "pageinate"):
                return Response(400, {"message": "ticketidonly cannot be used with pagination"})
            rows = [{k: r[k] for k in ID_FIELDS if k in r} for r in rows]
        return self._paged(request, rows, "tickets")

    def _paged(self, request: Request, rows: list[dict], key: str) -> Response:
        if not _flag(request, "pageinate"):
            shown = rows if self.unpaged_limit is None else rows[: self.unpaged_limit]
            return Response(200, {"record_count": len(rows), key: copy.deepcopy(shown)})
        try:
            size = min(100, max(1, int(request.arg("page_size") or 50)))
            number = max(1, int(request.arg("page_no") or 1))
        except ValueError:
            return Response(400, {"message": "page_size and page_no must be numbers"})
        page = rows[(number - 1) * size : number * size]
        body = {"page_no": number, "page_size": size, "record_count": len(rows)}
        return Response(200, {**body, key: copy.deepcopy(page)})

    def _action_list(self, request: Request) -> Response:
        ticket = request.arg("ticket_id") or ""
        if not ticket.isdigit():
            return Response(400, {"message": "ticket_id is required"})
        actions = self.actions.get(int(ticket), [])
        return Response(200, {"record_count": len(actions), "actions": copy.deepcopy(actions)})

    # -- what the tests read ---------------------------------------------------------------
    def ticket_pages(self) -> list:
        """Answered pages of whole tickets: not the id listing nor its one-record count page."""
        return [
            r
            for r in self.server.requests("(?i)/api/tickets")
            if r.status == 200 and not _listing(r) and r.arg("page_size") != "1"
        ]

    def id_listings(self) -> list:
        """``ticketidonly`` requests (the live-id listing)."""
        return [r for r in self.server.requests("(?i)/api/tickets") if _listing(r)]

    def count_pages(self) -> list:
        """One-record pages: what a client reads ``record_count`` from."""
        return [r for r in self.server.requests("(?i)/api/tickets") if r.arg("page_size") == "1"]

    def requests_for(self, path: str) -> list:
        return self.server.requests("(?i)" + path)


def _flag(request: Request, name: str) -> bool:
    return (request.arg(name) or "").lower() == "true"


def _listing(logged) -> bool:
    return (logged.arg("ticketidonly") or "").lower() == "true"


def _sort_id(record: dict) -> int:
    value = record.get("id")
    return value if isinstance(value, int) else 0


def _action(
    id_: int,
    at: datetime,
    *,
    who: int,
    new: int = 0,
    old: int = 0,
    note: str = "",
    hidden: bool = False,
    hours: float = 0.0,
    direction: str = "",
) -> dict:
    return {
        "id": id_,
        "who": "User" if who == 0 else AGENTS[who][0],
        "who_agentid": who,
        "outcome": "Status Change" if new else "Note",
        "note": note,
        "hiddenfromuser": hidden,
        "emaildirection": direction,
        "datetime": iso(at),
        "actiondatecreated": iso(at),
        "actionarrivaldate": iso(at - timedelta(hours=hours)) if hours else EMPTY,
        "timetaken": hours,
        "actisbillable": hours > 0.3,
        "old_status": old,
        "new_status": new,
    }
