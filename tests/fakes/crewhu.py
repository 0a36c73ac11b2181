"""A fake Crewhu Open API over real HTTP, with a mutable dataset.

Shapes follow the connector API notes, section 6:

- every call needs the header ``X_CREWHU_APITOKEN: <token>``, else 401;
- ``GET /api/v1/survey`` answers a bare JSON array of surveys (``_id``, ``rating`` as the
  strings "5" / "0" / "-5", ``rating_label``, ``comment``, ``closed``, ``ticket_num``,
  ``customer_data``, ``employees``, ``inactive``, ``_created_at``, ``_updated_at``...).

Choices the reference leaves open (not vendor facts, matching the connector's defaults):
``limit`` (default 100, at most 1000) and ``step`` as a 1-based page number (``step_mode =
"offset"``: a 0-based record offset); the incremental
filter ``_updated_at[$gte]=ISO`` (inclusive); surveys ordered by ``_id``; a deleted survey stays
listed with ``inactive: true``. ``GET /api/v1/user`` lists employees.
"""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta

from fakes.server import FakeServer, Request, Response

API = "/api"
TOKEN = "crewhu-API-T0KEN-5e5e5e5e"
ENV = {"CREWHU_TOKEN": TOKEN}
SECRETS = {"api_token": "CREWHU_TOKEN"}
START = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)
EMPLOYEES = ("5f1e0c0000000000000000a1", "5f1e0c0000000000000000a2")
LABELS = {"5": "POSITIVE", "0": "NEUTRAL", "-5": "NEGATIVE"}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class FakeCrewhu:
    """``FakeCrewhu(surveys=N)``; mutate ``surveys`` or use the helpers between syncs."""

    def __init__(self, surveys: int = 12, *, seed: int = 5) -> None:
        self.rng = random.Random(seed)
        self.now = START
        self.surveys: dict[str, dict] = {}
        self.step_mode = "page"  # or "offset": ``step`` counts records from 0
        for _ in range(surveys):
            self.add_survey()
        self.server = FakeServer()
        self.server.guard = self._authenticate
        self.server.clock = lambda: self.now
        self.server.add_route("GET", API + "/v1/survey", self._list_surveys)
        self.server.add_route("GET", API + "/v1/user", self._users)

    @property
    def url(self) -> str:
        return self.server.url + API

    def __enter__(self) -> FakeCrewhu:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    # -- dataset ---------------------------------------------------------------------------
    def tick(self, minutes: float = 75) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def add_survey(self, **fields) -> str:
        rng = self.rng
        number = len(self.surveys) + 1
        survey_id = f"65a0{number:020x}"
        clicked = self.tick()
        rating = rng.choice(["5", "5", "5", "0", "-5"])
        self.surveys[survey_id] = {
            "_id": survey_id,
            "rating": rating,
            "rating_label": LABELS[rating],
            "comment": rng.choice(["Super quick", "", "Meh", "Thanks Kim!"]),
            "closed": iso(clicked + timedelta(minutes=2)),
            "survey_type_code": "typResolved",
            "ticket_num": str(77100 + number),
            "summary": f"Ticket {77100 + number}",
            "customer_data": {
                "company_id": rng.choice(["250", "251"]),
                "company_name": "Acme Dental",
                "contact_name": "Dana Fox",
                "email": "dana@fox.example",
            },
            "employees": [rng.choice(EMPLOYEES)],
            "surveyTagsCustomer": [],
            "surveyTagsCompany": [],
            "reviewed": False,
            "inactive": False,
            "ip_address": "203.0.113.9",
            "_created_at": iso(clicked),
            "_updated_at": iso(clicked + timedelta(minutes=3)),
            **fields,
        }
        return survey_id

    def update_survey(self, survey_id: str, **fields) -> None:
        self.surveys[survey_id].update(copy.deepcopy(fields))
        self.surveys[survey_id]["_updated_at"] = iso(self.tick())

    # -- HTTP ------------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Response | None:
        if request.header("x_crewhu_apitoken") == TOKEN:
            return None
        return Response(401, {"message": "Invalid API token"})

    def _users(self, request: Request) -> list:
        return [{"_id": e, "name": f"Employee {k}"} for k, e in enumerate(EMPLOYEES)]

    def _list_surveys(self, request: Request) -> Response:
        try:
            limit = max(1, min(int(request.arg("limit") or 100), 1000))
            first = 1 if self.step_mode == "page" else 0
            step = int(request.arg("step") or first)
            since = request.arg("_updated_at[$gte]")
            since_at = parse(since) if since else None
        except ValueError as exc:
            return Response(400, {"message": str(exc)})
        if step < first:
            return Response(400, {"message": f"step starts at {first}"})
        rows = [
            s
            for _, s in sorted(self.surveys.items())
            if since_at is None
            or not isinstance(s.get("_updated_at"), str)
            or parse(s["_updated_at"]) >= since_at
        ]
        start = (step - 1) * limit if self.step_mode == "page" else step
        page = rows[start : start + limit]
        return Response(200, copy.deepcopy(page))

    # -- what the tests read ---------------------------------------------------------------
    def survey_pages(self) -> list:
        return self.server.requests(API + "/v1/survey")
