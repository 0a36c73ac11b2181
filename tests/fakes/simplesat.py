"""A fake Simplesat API v1 over real HTTP, with a mutable dataset.

Shapes follow the connector API notes, section 7:

- every call needs ``X-Simplesat-Token: <key>``, else 401;
- ``POST /api/v1/responses/search?page=N&page_size=M`` (default 100, at most 250) takes a JSON
  body with ``modified_start_date``/``modified_end_date`` or ``start_date``/``end_date``; the
  answer is ``{"responses": [...], "count", "next", "previous"}``;
- ``GET /api/v1/questions?metric=csat`` is the question catalogue (``choices``,
  ``rating_scale``), paged the same way.

Choices the reference leaves open (not vendor facts): a window is ``start <= t < end`` on the
chosen field; a window longer than 30 days answers 400; a body without dates means the last 30
days; responses are ordered by id. Every search body is kept in ``searches`` (with its page).
"""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from fakes.server import FakeServer, Request, Response

API = "/api/v1"
KEY = "simplesat-K3Y-0a1b2c3d4e5f"
ENV = {"SIMPLESAT_KEY": KEY}
SECRETS = {"api_key": "SIMPLESAT_KEY"}
NOW = datetime(2024, 9, 30, 12, 0, tzinfo=UTC)
# question id -> (metric, choices lowest first)
QUESTIONS = {
    11: ("csat", ["1", "2", "3", "4", "5"]),
    12: ("csat", ["Bad", "OK", "Good"]),
    13: ("csat", ["1", "2", "3", "4"]),
    14: ("csat", ["Thumbs down", "Thumbs up"]),
    21: ("nps", [str(n) for n in range(11)]),
    31: ("ces", [str(n) for n in range(1, 8)]),
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


LISTING_PAGE_SIZE = 250  # the connector lists ids with its largest page


class FakeSimplesat:
    """``FakeSimplesat(responses=N, days=D)``: N responses spread over the D days before
    ``NOW``; mutate ``responses`` or use ``add_response`` / ``update_response``."""

    def __init__(self, responses: int = 12, *, days: int = 100, seed: int = 9) -> None:
        self.rng = random.Random(seed)
        self.now = NOW
        self.responses: dict[int, dict] = {}
        self.searches: list[tuple[int, dict]] = []
        self.listings: list[dict] = []
        step = timedelta(days=days) / max(responses, 1)
        for k in range(responses):
            self.add_response(at=NOW - timedelta(days=days) + step * k + timedelta(hours=1))
        self.server = FakeServer()
        self.server.guard = self._authenticate
        self.server.clock = lambda: self.now
        self.server.add_route("POST", API + "/responses/search", self._search)
        self.server.add_route("GET", API + "/questions", self._questions)

    @property
    def url(self) -> str:
        return self.server.url + API

    def __enter__(self) -> FakeSimplesat:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    # -- dataset ---------------------------------------------------------------------------
    def add_response(self, *, at: datetime | None = None, question: int | None = None) -> int:
        rng = self.rng
        response_id = max(self.responses, default=9000) + 1
        at = at or self.now
        question = question or rng.choice([11, 11, 11, 12, 13, 14, 21])
        metric, choices = QUESTIONS[question]
        choice = rng.choice(choices)
        answers = [self._answer(response_id, question, choice, at)]
        if rng.random() < 0.5:
            answers.append(self._answer(response_id, 31, "6", at))  # a CES follow-up
        self.responses[response_id] = {
            "id": response_id,
            "survey": {"id": 5, "name": "Ticket closed"},
            "tags": [],
            "created": iso(at),
            "modified": iso(at + timedelta(seconds=30)),
            "ticket": {
                "id": 700 + response_id,
                "external_id": str(48000 + response_id),
                "subject": f"Ticket {48000 + response_id}",
                "custom_attributes": {},
            },
            "team_members": [
                {"id": 3, "external_id": "sortiz", "name": "Sam Ortiz", "is_primary": False},
                {"id": 2, "external_id": "klee", "name": "Kim Lee", "is_primary": True},
            ],
            "customer": {
                "id": 80,
                "external_id": "301",
                "name": "Dana Fox",
                "email": "dana@fox.example",
                "company": {"id": 4, "external_id": rng.choice(["250", "251"]), "name": "Acme"},
            },
            "answers": answers,
        }
        return response_id

    def _answer(self, response_id: int, question: int, choice: str, at: datetime) -> dict:
        metric, choices = QUESTIONS[question]
        position = choices.index(choice) + 1
        size = len(choices)
        feeling = (
            "positive" if position > size * 0.6 else "negative" if position <= 1 else "neutral"
        )
        return {
            "id": response_id * 10 + question,
            "response_id": response_id,
            "choice": choice,
            "choice_label": choice,
            "sentiment": feeling,
            "comment": self.rng.choice(["", "Quick and friendly", "Slow"]),
            "question": {"id": question, "text": f"Q{question}", "metric": metric},
            "created": iso(at),
            "modified": iso(at),
        }

    def delete_response(self, response_id: int) -> None:
        """Deleted in Simplesat: it simply stops appearing (the API reports no deletions)."""
        del self.responses[response_id]

    def update_response(self, response_id: int, choice: str) -> None:
        self.now += timedelta(hours=2)
        response = self.responses[response_id]
        response["answers"][0]["choice"] = choice
        response["modified"] = iso(self.now)
        self.now += timedelta(minutes=1)  # the clock moves on past the change

    # -- HTTP ------------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Response | None:
        if request.header("x-simplesat-token") == KEY:
            return None
        return Response(401, {"detail": "Invalid token."})

    def _paged(self, request: Request, key: str, rows: list) -> Response:
        try:
            page = int(request.arg("page") or 1)
            size = max(1, min(int(request.arg("page_size") or 100), 250))
        except ValueError as exc:
            return Response(400, {"detail": str(exc)})
        chunk = rows[(page - 1) * size : page * size]

        def link(number: int) -> str:
            query = {k: v[0] for k, v in request.query.items()}
            query["page"] = str(number)
            return f"{self.server.url}{request.path}?{urlencode(query)}"

        return Response(
            200,
            {
                key: copy.deepcopy(chunk),
                "count": len(rows),
                "next": link(page + 1) if page * size < len(rows) else None,
                "previous": link(page - 1) if page > 1 else None,
            },
        )

    def _search(self, request: Request) -> Response:
        body = request.json() or {}
        if not isinstance(body, dict):
            return Response(400, {"detail": "body must be an object"})
        if request.arg("page_size") == str(LISTING_PAGE_SIZE):
            self.listings.append(body)  # the connector's id listing, apart from its sync
        else:
            self.searches.append((int(request.arg("page") or 1), body))
        field, start_key, end_key = "modified", "modified_start_date", "modified_end_date"
        if start_key not in body and end_key not in body:
            field, start_key, end_key = "created", "start_date", "end_date"
        try:
            end = parse(body[end_key]) if body.get(end_key) else self.now
            start = parse(body[start_key]) if body.get(start_key) else end - timedelta(days=30)
        except ValueError as exc:
            return Response(400, {"detail": str(exc)})
        if end - start > timedelta(days=30):
            return Response(400, {"detail": "date range cannot exceed 30 days"})
        rows = [
            r
            for _, r in sorted(self.responses.items())
            if not isinstance(r.get(field), str) or start <= parse(r[field]) < end
        ]
        return self._paged(request, "responses", rows)

    def _questions(self, request: Request) -> Response:
        metric = request.arg("metric")
        rows = [
            {"id": q, "text": f"Q{q}", "metric": m, "choices": c, "rating_scale": True}
            for q, (m, c) in QUESTIONS.items()
            if metric in (None, m)
        ]
        return self._paged(request, "questions", rows)

    # -- what the tests read ---------------------------------------------------------------
    def search_pages(self) -> list:
        return [
            r
            for r in self.server.requests(API + "/responses/search")
            if r.arg("page_size") != str(LISTING_PAGE_SIZE)
        ]

    def windows(self) -> list[tuple[str, str, int]]:
        return [
            (b.get("modified_start_date"), b.get("modified_end_date"), p) for p, b in self.searches
        ]
