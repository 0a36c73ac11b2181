"""A fake SmileBack Data Replication API v3 over real HTTP, with a mutable dataset.

Shapes follow the connector API notes, section 5:

- ``POST /api/token/`` with a form body (``grant_type=password``, ``username``, ``password``,
  ``client_id``, ``client_secret``) answers ``{"access_token", "token_type": "Bearer",
  "expires_in", "scope"}``; wrong credentials answer 401 ``{"error": "invalid_grant"}``;
- every ``/api/v3`` call needs ``Authorization: Bearer <token>``, else 401;
- ``GET /api/v3/reviews/`` takes ``modified_since`` (ISO, inclusive), ``include_unrated``
  (default false), ``limit`` (default 100, at most 1000) and ``offset``; the body is
  ``{"count", "next", "previous", "results"}`` with ``next`` null on the last page.

Choices the reference leaves open (not vendor facts): results are ordered by id; deleted reviews
stay in the listing with ``status: "deleted"`` and a new ``last_modified``.
"""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode

from fakes.server import FakeServer, Request, Response

API = "/api/v3"
USERNAME = "api-user@fakemsp.example"
PASSWORD = "sm1leback-PASSWORD-77"
CLIENT_ID = "sb-client-0f0f0f"
CLIENT_SECRET = "sb-SECRET-c1i3nt-5ecret"
ACCESS_TOKEN = "sb-access-T0KEN-abcdef123456"
ENV = {
    "SB_USERNAME": USERNAME,
    "SB_PASSWORD": PASSWORD,
    "SB_CLIENT_ID": CLIENT_ID,
    "SB_CLIENT_SECRET": CLIENT_SECRET,
}
SECRETS = {
    "username": "SB_USERNAME",
    "password": "SB_PASSWORD",
    "client_id": "SB_CLIENT_ID",
    "client_secret": "SB_CLIENT_SECRET",
}
START = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
AGENTS = ("AshK", "NiamhF", "TomB")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class FakeSmileBack:
    """``FakeSmileBack(reviews=N)``: N generated reviews (ids 501, 502...); mutate ``reviews``
    or use ``update_review`` / ``delete_review`` / ``add_review`` between syncs."""

    def __init__(self, reviews: int = 12, *, seed: int = 3) -> None:
        self.rng = random.Random(seed)
        self.now = START
        self.reviews: dict[int, dict] = {}
        self.tokens_issued = 0
        for _ in range(reviews):
            self.add_review()
        self.server = FakeServer()
        self.server.guard = self._authenticate
        self.server.clock = lambda: self.now
        self.server.add_route("POST", "/api/token/", self._token)
        self.server.add_route("GET", API + "/reviews/", self._reviews)

    @property
    def url(self) -> str:
        return self.server.url + API

    def __enter__(self) -> FakeSmileBack:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    # -- dataset ---------------------------------------------------------------------------
    def tick(self, minutes: float = 90) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def add_review(self, **fields) -> int:
        rng = self.rng
        review_id = max(self.reviews, default=500) + 1
        rated = self.tick()
        company = rng.choice([("250", "Acme Dental"), ("251", "Birch & Co")])
        self.reviews[review_id] = {
            "id": review_id,
            "rating": rng.choice([1, 1, 1, 0, -1]),
            "comment": rng.choice(["Great, thanks!", "", "Took a while", "Fast fix"]),
            "rated_on": iso(rated),
            "ticket": {
                "id": str(2864800 + review_id),
                "title": f"Ticket for review {review_id}",
                "closed_on": iso(rated - timedelta(hours=1)),
                "segment": {"id": 1, "name": "Help Desk"},
                "agents": [rng.choice(AGENTS)],
            },
            "contact": {"id": 40 + review_id % 3, "name": "Dana Fox", "email": "dana@fox.example"},
            "company": {"id": company[0], "name": company[1], "territory_name": "North"},
            "status": "done",
            "tags": [],
            "has_marketing_permission": False,
            "viewed_on": iso(rated),
            "permalink": f"https://app.smileback.io/r/{review_id}",
            "last_modified": iso(rated + timedelta(minutes=1)),
            **fields,
        }
        return review_id

    def update_review(self, review_id: int, **fields) -> None:
        self.reviews[review_id].update(copy.deepcopy(fields))
        self.reviews[review_id]["last_modified"] = iso(self.tick())

    def delete_review(self, review_id: int) -> None:
        self.update_review(review_id, status="deleted")

    # -- HTTP ------------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Response | None:
        if request.path == "/api/token/":
            return None
        if request.header("authorization") == f"Bearer {ACCESS_TOKEN}":
            return None
        return Response(401, {"detail": "Authentication credentials were not provided."})

    def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if (request.header("content-type") or "").split(";")[0] != (
            "application/x-www-form-urlencoded"
        ):
            return Response(400, {"error": "invalid_request"})
        expected = {
            "grant_type": "password",
            "username": USERNAME,
            "password": PASSWORD,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        if any(form.get(k) != v for k, v in expected.items()):
            return Response(401, {"error": "invalid_grant"})
        self.tokens_issued += 1
        body = {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 36000}
        return Response(200, {**body, "scope": form.get("scope", "read")})

    def _reviews(self, request: Request) -> Response:
        try:
            limit = max(1, min(int(request.arg("limit") or 100), 1000))
            offset = max(0, int(request.arg("offset") or 0))
            since = request.arg("modified_since")
            since_at = parse(since) if since else None
        except ValueError as exc:
            return Response(400, {"detail": str(exc)})
        unrated = (request.arg("include_unrated") or "false").lower() == "true"
        rows = []
        for key in sorted(self.reviews):
            review = self.reviews[key]
            if review.get("rating") is None and not unrated:
                continue
            stamp = review.get("last_modified")
            if since_at is not None and isinstance(stamp, str) and parse(stamp) < since_at:
                continue
            rows.append(review)
        page = rows[offset : offset + limit]

        def link(new_offset: int) -> str:
            query = {k: v[0] for k, v in request.query.items()}
            query.update(limit=str(limit), offset=str(new_offset))
            return f"{self.server.url}{request.path}?{urlencode(query)}"

        return Response(
            200,
            {
                "count": len(rows),
                "next": link(offset + limit) if offset + limit < len(rows) else None,
                "previous": link(max(0, offset - limit)) if offset else None,
                "results": copy.deepcopy(page),
            },
        )

    # -- what the tests read ---------------------------------------------------------------
    def review_pages(self) -> list:
        return self.server.requests(API + "/reviews/")
