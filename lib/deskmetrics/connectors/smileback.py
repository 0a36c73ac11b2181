"""SmileBack Data Replication API v3: CSAT reviews into ``surveys``.

Auth is the OAuth2 resource-owner password grant: ``POST {token_url}`` with a form body
(``grant_type=password``, ``username``, ``password``, ``scope``, ``client_id``,
``client_secret``); data calls send ``Authorization: Bearer``. The token is fetched lazily,
renewed shortly before ``expires_in`` runs out and once more when a data call answers 401.

``GET /reviews/`` pages with ``limit``/``offset`` and a ``next`` URL; incremental syncs pass
``modified_since``. A review whose ``status`` is ``deleted`` is removed locally (a deletion in
the batch); unrated reviews are not requested (``include_unrated`` is left false) and are
skipped if they appear. Ratings stay on SmileBack's own scale ``smileback`` (1 / 0 / -1).

Secrets (roles in ``sources.<name>.secrets``): ``username``, ``password``, ``client_id``,
``client_secret``. ``sources.<name>.settings`` (all optional):

- ``token_url``: default ``{scheme}://{host}/api/token/`` of ``base_url``
  (``https://app.smileback.io/api/v3`` -> ``https://app.smileback.io/api/token/``);
- ``scope``: default ``read``.

The review order of the API is unconfirmed; resuming after a crash restarts at the offset of
the next uncommitted page of the same ``modified_since`` window, and the 5-minute overlap of the
next incremental sync re-reads anything that moved between pages. SmileBack allows 30 requests
a minute per customer, so the connector paces itself at that by default (``per_minute`` on the
source overrides it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from deskmetrics.config import Settings
from deskmetrics.connectors import register
from deskmetrics.connectors.base import Batch, Connector, Stream, Window
from deskmetrics.connectors.csat_common import (
    DELETE,
    MAX_PAGES,
    Malformed,
    record_id,
    refused,
    submitted,
    survey_batch,
    text,
)
from deskmetrics.connectors.http import (
    RETRY_STATUSES,
    HttpClient,
    RetryableStatus,
    SourceError,
    retry_after_seconds,
)
from deskmetrics.connectors.sources import SourceConfig

SETTINGS = ("token_url", "scope")
ROLES = ("username", "password", "client_id", "client_secret")
MAX_LIMIT = 1000
RATINGS = {1: 1.0, 0: 0.0, -1: -1.0}


class _Form:
    """A form-encoded body for HttpClient (which sends JSON bodies otherwise)."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields


class _TokenClient(HttpClient):
    """HttpClient whose ``_Form`` bodies go out as application/x-www-form-urlencoded, with the
    same retries and secret-free errors."""

    def _send(self, method, path, route, params, json, headers) -> httpx.Response:
        if not isinstance(json, _Form):
            return super()._send(method, path, route, params, json, headers)
        self.pacer.wait()
        merged = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        self.requests += 1
        response = self._client.request(
            method, path, params=params, content=urlencode(json.fields), headers=merged
        )
        if response.status_code in RETRY_STATUSES:
            raise RetryableStatus(response.status_code, retry_after_seconds(response), route)
        if response.status_code >= 400:
            raise SourceError(f"HTTP {response.status_code} from {route}", response.status_code)
        return response


def iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def token_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}/api/token/"


def review(record: dict) -> dict | object | None:
    """One review as a ``surveys`` row; DELETE for a deleted review, None for an unrated one."""
    review_id = record_id(record, "id")
    if str(record.get("status") or "").lower() == "deleted":
        return DELETE
    rating = record.get("rating")
    if rating is None:
        return None  # unrated: not a response
    if isinstance(rating, bool) or rating not in RATINGS:
        raise Malformed(f"rating is not 1, 0 or -1: {rating!r}")
    ticket = record.get("ticket") if isinstance(record.get("ticket"), dict) else {}
    company = record.get("company") if isinstance(record.get("company"), dict) else {}
    agents = ticket.get("agents") if isinstance(ticket.get("agents"), list) else []
    return {
        "response_id": f"smileback:{review_id}",
        "source": "smileback",
        "ticket_id": text(ticket.get("id")),
        "client_id": text(company.get("id")),
        "tech_id": text(agents[0]) if agents else None,
        "submitted_at": submitted(record.get("rated_on"), "rated_on"),
        "rating": RATINGS[rating],
        "scale": "smileback",
        "comment": text(record.get("comment")),
    }


class _Reviews(Stream):
    name = "surveys"

    def __init__(self, connector: SmileBackConnector) -> None:
        self.connector = connector
        self.limit = max(1, min(connector.source.page_size, MAX_LIMIT))

    def batches(self, window: Window) -> Iterator[Batch]:
        offset = int(window.resume.get("offset") or 0)
        params: dict[str, str] = {"limit": str(self.limit), "offset": str(offset)}
        if window.since is not None:
            params["modified_since"] = iso(window.since)
        for _ in range(MAX_PAGES):
            body = self.connector.get("reviews/", params)
            results = body.get("results")
            if not isinstance(results, list):
                raise SourceError("SmileBack answered reviews/ without a results list")
            batch = survey_batch(
                results,
                review,
                lambda r: text(r.get("id")) or "",
                "smileback",
                lambda r: r.get("last_modified"),
            )
            following = body.get("next")
            if following:
                query = {k: v[-1] for k, v in parse_qs(urlsplit(following).query).items()}
                if "offset" not in query:
                    raise SourceError("SmileBack sent a next URL without an offset")
                if int(query["offset"]) <= offset:
                    raise SourceError(f"SmileBack repeated offset {query['offset']} on reviews/")
                params = {**params, **query}
                offset = int(query["offset"])
            batch.resume = {"offset": offset}
            if results or not following:
                yield batch
            if not following:
                return
        raise SourceError(f"reviews/: more than {MAX_PAGES} pages; stopping")


@register("smileback")
class SmileBackConnector(Connector):
    """SmileBack reviews; ``sleep`` and ``clock`` are injectable for tests."""

    default_per_minute = 30  # 30 requests a minute per customer

    def __init__(
        self,
        source: SourceConfig,
        settings: Settings,
        client: HttpClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        source.check_settings(SETTINGS, "SmileBack")
        self._sleep, self._clock = sleep, clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self._form = {
            "grant_type": "password",
            "scope": str(source.settings.get("scope", "read")),
            **{role: source.secret(role) for role in ROLES},  # a missing variable fails here
        }
        self.token_url = source.settings.get("token_url") or token_url(source.base_url)
        self._auth = _TokenClient(self.token_url, sleep=sleep)
        super().__init__(source, settings, client)

    def auth_headers(self) -> dict[str, str]:
        with self._lock:
            if self._token is None or self._clock() >= self._expires:
                self._token, self._expires = self._fetch_token()
            return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}

    def _fetch_token(self) -> tuple[str, float]:
        try:
            response = self._auth.request("POST", "", json=_Form(self._form))
        except SourceError as exc:
            if exc.status in (400, 401, 403):
                names = ", ".join(self.source.secrets.get(role, role) for role in ROLES)
                raise SourceError(
                    f"SmileBack refused the login (HTTP {exc.status} from the token endpoint): "
                    f"check the credentials in the environment variables {names}",
                    exc.status,
                ) from None
            raise
        try:
            body = response.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise SourceError(
                "SmileBack's token endpoint answered without an access_token"
            ) from None
        lifetime = body.get("expires_in") if isinstance(body, dict) else None
        lifetime = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
        return str(token), self._clock() + max(0.0, lifetime - 60)

    def make_client(self) -> HttpClient:
        return HttpClient(
            self.source.base_url,
            auth_headers=self.auth_headers,
            per_minute=self.per_minute,
            sleep=self._sleep,
        )

    def get(self, path: str, params: dict[str, str]) -> dict:
        for attempt in (1, 2):
            try:
                body = self.client.get_json(path, params=params)
                break
            except SourceError as exc:
                if exc.status == 401 and attempt == 1:  # the token expired early: renew once
                    with self._lock:
                        self._token = None
                    continue
                raise refused(exc, "SmileBack", path, self.source) from None
            except ValueError:
                raise SourceError(
                    f"SmileBack answered {path} with a body that is not JSON"
                ) from None
        if not isinstance(body, dict):
            raise SourceError(
                f"SmileBack answered {path} with {type(body).__name__}, not an object"
            )
        return body

    def streams(self) -> list[Stream]:
        return [_Reviews(self)]

    def close(self) -> None:
        super().close()
        self._auth.close()
