"""Simplesat API v1: survey responses into ``surveys``.

``POST {base_url}/responses/search?page=N&page_size=M`` (base ``https://api.simplesat.io/api/v1``)
with the header ``X-Simplesat-Token``; the body is ``{"responses": [...], "next": url|null}`` and
the same JSON search body is re-posted for the ``next`` page. The question catalogue
(``GET /questions?metric=csat``) gives each CSAT question's number of choices, i.e. its scale.

Windows: an empty search returns only the last 30 days and longer explicit windows are
unconfirmed, so a sync splits ``[since, now)`` into consecutive windows of at most 30 days
(``modified_start_date``/``modified_end_date``: a response changed since the last sync is read
again). The resume position is the window and page reached (``{"until", "window", "page"}``),
so a stopped backfill continues where its last committed page left off, with the same windows.

One response becomes one ``surveys`` row (``simplesat:{id}``), rated by its first CSAT answer
with a choice (else its first NPS answer). Scales (metrics reference 5.2):

- 5-point CSAT: scale ``stars5``, rating = the choice 1..5;
- 2-, 3- and 4-point CSAT: mapped to sentiment and stored smileback-style on scale
  ``smileback`` (1 positive / 0 neutral / -1 negative): 2-pt low neg, high pos; 3-pt
  neg / neu / pos; 4-pt 1 neg, 2 neu, 3-4 pos. A fake "star" value is never invented;
- a CSAT question missing from the catalogue: the answer's own ``sentiment``, smileback-style;
- NPS: scale ``nps``, rating 0..10.

A response with no CSAT/NPS answer (CES or custom questions only) is skipped; one whose rating
cannot be read is quarantined. ``ticket_id`` is ``ticket.external_id`` (the PSA ticket number);
``tech_id`` is the ``external_id`` of the primary team member (else the first one);
``client_id`` is the customer's ``company`` (its ``external_id``/``id`` when it is an object;
the exact shape is UNCONFIRMED).

``sources.<name>.settings`` (all optional):

- ``window_days``: window length, 1-30 (default 30);
- ``window_field``: ``modified`` (default: ``modified_start_date``/``modified_end_date``) or
  ``created`` (``start_date``/``end_date``, for an account whose API lacks the modified filters).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from deskmetrics.config import Settings
from deskmetrics.connectors import register
from deskmetrics.connectors.base import Batch, Connector, LiveKeys, Stream, Window
from deskmetrics.connectors.csat_common import (
    MAX_PAGES,
    Malformed,
    instant,
    record_id,
    refused,
    submitted,
    survey_batch,
    text,
)
from deskmetrics.connectors.http import HttpClient, SourceError
from deskmetrics.connectors.smileback import iso
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.errors import ConfigError

SETTINGS = ("window_days", "window_field")
MAX_PAGE_SIZE = 250  # Simplesat's own client never asks for more on search
MAX_WINDOW_DAYS = 30
FIELDS = {
    "modified": ("modified_start_date", "modified_end_date"),
    "created": ("start_date", "end_date"),
}
SENTIMENT = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}
# position on a 2/3/4-point scale (1 = lowest) -> smileback-style sentiment value
SMALL_SCALES = {
    2: {1: -1.0, 2: 1.0},
    3: {1: -1.0, 2: 0.0, 3: 1.0},
    4: {1: -1.0, 2: 0.0, 3: 1.0, 4: 1.0},
}


def windows(since: datetime, until: datetime, days: int = MAX_WINDOW_DAYS) -> list[tuple]:
    """``[since, until)`` as consecutive windows of at most ``days`` days."""
    out, start = [], since
    while start < until:
        end = min(start + timedelta(days=days), until)
        out.append((start, end))
        start = end
    return out


def _choice_values(question: dict) -> list[str]:
    values = []
    for choice in question.get("choices") or []:
        if isinstance(choice, dict):
            choice = choice.get("value", choice.get("label"))
        values.append(str(choice).strip())
    return values


class SimplesatMapper:
    def __init__(self, scales: dict[str, list[str]]) -> None:
        self.scales = scales  # CSAT question id -> its choices, lowest first

    def response(self, record: dict) -> dict | None:
        response_id = record_id(record, "id")
        answers = record.get("answers")
        if not isinstance(answers, list):
            raise Malformed("answers is not a list")
        rated = [a for a in answers if isinstance(a, dict) and a.get("choice") not in (None, "")]
        metric = {id(a): str((a.get("question") or {}).get("metric") or "").lower() for a in rated}
        primary = next((a for a in rated if metric[id(a)] in ("csat", "5-star")), None)
        primary = primary or next((a for a in rated if metric[id(a)] == "nps"), None)
        if primary is None:
            return None  # CES or custom questions only: not a CSAT response
        if metric[id(primary)] == "nps":
            scale, rating = "nps", self._number(primary, range(0, 11))
        else:
            scale, rating = self._csat(primary)
        ticket = record.get("ticket") if isinstance(record.get("ticket"), dict) else {}
        customer = record.get("customer") if isinstance(record.get("customer"), dict) else {}
        company = customer.get("company")
        if isinstance(company, dict):
            company = company.get("external_id") or company.get("id")
        members = [m for m in record.get("team_members") or [] if isinstance(m, dict)]
        agent = next((m for m in members if m.get("is_primary")), members[0] if members else {})
        return {
            "response_id": f"simplesat:{response_id}",
            "source": "simplesat",
            "ticket_id": text(ticket.get("external_id")),
            "client_id": text(company),
            "tech_id": text(agent.get("external_id") or agent.get("id")),
            "submitted_at": submitted(record.get("created"), "created"),
            "rating": rating,
            "scale": scale,
            "comment": text(primary.get("comment")),
        }

    def _csat(self, answer: dict) -> tuple[str, float]:
        question_id = str((answer.get("question") or {}).get("id"))
        choices = self.scales.get(question_id)
        if not choices:  # unknown question: trust the answer's own sentiment
            feeling = str(answer.get("sentiment") or "").strip().lower()
            if feeling not in SENTIMENT:
                raise Malformed(
                    f"question {question_id} is not in the catalogue and has no sentiment"
                )
            return "smileback", SENTIMENT[feeling]
        choice = str(answer.get("choice")).strip()
        size = len(choices)
        if choice in choices and not all(c.isdigit() for c in choices):
            position = choices.index(choice) + 1
        else:
            position = int(self._number(answer, range(1, size + 1)))
        if size == 5:
            return "stars5", float(position)
        if size in SMALL_SCALES:
            return "smileback", SMALL_SCALES[size][position]
        raise Malformed(f"question {question_id} has {size} choices; expected 2 to 5")

    @staticmethod
    def _number(answer: dict, allowed: range) -> float:
        raw = answer.get("choice")
        try:
            value = float(str(raw).strip())
        except ValueError:
            value = None
        if value is None or value != int(value) or int(value) not in allowed:
            raise Malformed(
                f"choice is not a whole number {allowed.start}-{allowed.stop - 1}: {raw!r}"
            )
        return value


class _Responses(Stream):
    name = "surveys"

    def __init__(self, connector: SimplesatConnector) -> None:
        self.connector = connector
        self.page_size = max(1, min(connector.source.page_size, MAX_PAGE_SIZE))
        self.days = connector.window_days
        self.start_key, self.end_key = FIELDS[connector.window_field]

    def live_keys(self) -> LiveKeys:
        """Every response id Simplesat still holds: Simplesat reports no deletions, so the
        engine's periodic check re-reads the whole range (same windows, largest pages)."""
        listing = _Responses(self.connector)
        listing.page_size = MAX_PAGE_SIZE
        pages = (
            [str(k) for k in batch.frames["surveys"]["response_id"]]
            for batch in listing.batches(Window(None))
            if "surveys" in batch.frames
        )
        return LiveKeys("surveys", "simplesat", pages)

    def batches(self, window: Window) -> Iterator[Batch]:
        resume = window.resume
        since = window.since or _moment(self.connector.source.start)
        until = _moment(resume["until"]) if resume.get("until") else self.connector.now()
        spans = windows(since, until, self.days)
        first, page = int(resume.get("window") or 0), int(resume.get("page") or 1)
        mapper = SimplesatMapper(self.connector.scales())
        for number in range(first, len(spans)):
            start, end = spans[number]
            body = {self.start_key: iso(start), self.end_key: iso(end)}
            for _ in range(MAX_PAGES):
                data = self.connector.search(body, page, self.page_size)
                records = data.get("responses")
                if not isinstance(records, list):
                    raise SourceError(
                        "Simplesat answered responses/search without a responses list"
                    )
                batch = survey_batch(
                    records,
                    mapper.response,
                    lambda r: text(r.get("id")) or "",
                    "simplesat",
                    lambda r: r.get("modified"),
                )
                if batch.max_updated is not None:
                    batch.max_updated = min(batch.max_updated, until)
                following = _next_page(data.get("next"), page)
                position = (number, following) if following else (number + 1, 1)
                batch.resume = {"until": iso(until), "window": position[0], "page": position[1]}
                yield batch  # an empty page too: its commit records that the window is done
                if not following:
                    break
                page = following
            else:
                raise SourceError(f"responses/search: more than {MAX_PAGES} pages; stopping")
            page = 1


def _moment(value: str) -> datetime:
    return instant(value, "instant").to_pydatetime()


def _next_page(url: object, current: int) -> int | None:
    if not url:
        return None
    values = parse_qs(urlsplit(str(url)).query).get("page")
    if not values or not values[0].isdigit() or int(values[0]) <= current:
        raise SourceError("Simplesat sent a next URL without a later page number")
    return int(values[0])


@register("simplesat")
class SimplesatConnector(Connector):
    """Simplesat responses; ``sleep`` and ``now`` are injectable for tests."""

    def __init__(
        self,
        source: SourceConfig,
        settings: Settings,
        client: HttpClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        source.check_settings(SETTINGS, "Simplesat")
        days = source.settings.get("window_days", MAX_WINDOW_DAYS)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_WINDOW_DAYS:
            raise ConfigError(
                f"sources.{source.name}.settings.window_days: use a whole number 1-30"
            )
        field = source.settings.get("window_field", "modified")
        if field not in FIELDS:
            raise ConfigError(
                f"sources.{source.name}.settings.window_field: use modified or created"
            )
        self.window_days, self.window_field = days, field
        self._sleep, self.now = sleep, now
        self._key = source.secret("api_key")  # a missing variable fails here, named
        super().__init__(source, settings, client)

    def auth_headers(self) -> dict[str, str]:
        return {"X-Simplesat-Token": self._key, "Accept": "application/json"}

    def make_client(self) -> HttpClient:
        return HttpClient(
            self.source.base_url,
            auth_headers=self.auth_headers,
            per_minute=self.per_minute,
            sleep=self._sleep,
        )

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            body = self.client.request(method, path, **kwargs).json()
        except SourceError as exc:
            raise refused(exc, "Simplesat", path, self.source) from None
        except ValueError:
            raise SourceError(f"Simplesat answered {path} with a body that is not JSON") from None
        if not isinstance(body, dict):
            raise SourceError(
                f"Simplesat answered {path} with {type(body).__name__}, not an object"
            )
        return body

    def search(self, body: dict, page: int, page_size: int) -> dict:
        params = {"page": str(page), "page_size": str(page_size)}
        return self._call("POST", "responses/search", params=params, json=body)

    def scales(self) -> dict[str, list[str]]:
        """CSAT question id -> its choices, from the question catalogue (all pages)."""
        out: dict[str, list[str]] = {}
        page = 1
        for _ in range(MAX_PAGES):
            params = {"metric": "csat", "page": str(page), "page_size": "100"}
            data = self._call("GET", "questions", params=params)
            for question in data.get("questions") or []:
                if isinstance(question, dict) and question.get("id") is not None:
                    out[str(question["id"])] = _choice_values(question)
            following = _next_page(data.get("next"), page)
            if not following:
                return out
            page = following
        raise SourceError(f"questions: more than {MAX_PAGES} pages; stopping")

    def streams(self) -> list[Stream]:
        return [_Responses(self)]
