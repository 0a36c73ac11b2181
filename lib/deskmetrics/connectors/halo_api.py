"""Halo PSA HTTP details: the OAuth2 client_credentials token, ``pageinate`` paging and the
list of ticket ids still held.

The token is fetched once (form-encoded POST to ``{base}/auth/token``), sent as ``Bearer``, and
fetched again shortly before ``expires_in`` runs out or when an API call answers 401 (one
retry per call). Neither the client secret nor a token ever appears in an error or a log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

from deskmetrics.connectors.http import RETRY_STATUSES, HttpClient, SourceError

log = logging.getLogger(__name__)
MAX_PAGE_SIZE = 100  # Halo's documented maximum for page_size
MAX_PAGES = 100_000
EARLY_SECONDS = 60.0  # refresh this long before the token's stated expiry


class HaloToken:
    """A client_credentials bearer token, refreshed on expiry or when told it was refused."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str = "all",
        hint: str = "",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = 4,
    ) -> None:
        self._url, self._form = (
            token_url,
            {
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
                "scope": scope,
            },
        )
        self._hint, self._clock, self._sleep, self._attempts = hint, clock, sleep, attempts
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._token is None or self._clock() >= self._expires:
                self._fetch()
            return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}

    def invalidate(self, refused: Mapping[str, str] | None = None) -> None:
        """Drop the token (unless another thread already replaced the refused one)."""
        with self._lock:
            if refused is None or refused.get("Authorization") == f"Bearer {self._token}":
                self._token = None

    def _fetch(self) -> None:
        for attempt in range(1, self._attempts + 1):
            try:
                response = httpx.post(self._url, data=self._form, timeout=30.0)
            except httpx.TransportError as exc:
                if attempt == self._attempts:
                    name = type(exc).__name__
                    raise SourceError(f"cannot reach the Halo token endpoint: {name}") from None
                self._sleep(min(30.0, 2.0**attempt))
                continue
            if response.status_code in RETRY_STATUSES and attempt < self._attempts:
                wait = response.headers.get("Retry-After")
                self._sleep(min(30.0, float(wait) if _number(wait) else 2.0**attempt))
                continue
            if response.status_code >= 400:
                raise SourceError(
                    f"HTTP {response.status_code} from the Halo token endpoint: check {self._hint}",
                    response.status_code,
                )
            try:
                body = response.json()
                token = str(body["access_token"])
                lifetime = float(body.get("expires_in") or 3600)
            except (ValueError, KeyError, TypeError):
                raise SourceError("the Halo token endpoint sent no access_token") from None
            self._token = token
            self._expires = self._clock() + max(0.0, lifetime - min(EARLY_SECONDS, lifetime / 2))
            self.fetches += 1
            return


def _number(value: str | None) -> bool:
    try:
        return value is not None and float(value) >= 0
    except ValueError:
        return False


class HaloApi:
    """GETs through the shared HttpClient, with one token refresh and retry on a 401."""

    def __init__(self, client: HttpClient, token: HaloToken, page_size: int) -> None:
        self.client, self.token = client, token
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))

    def get(self, path: str, params: Mapping | None = None) -> httpx.Response:
        try:
            return self.client.request("GET", path, params=params)
        except SourceError as exc:
            if exc.status != 401:
                raise
        self.token.invalidate()
        return self.client.request("GET", path, params=params)

    def json(self, path: str, params: Mapping | None = None) -> object:
        try:
            return self.get(path, params).json()
        except ValueError:
            raise SourceError(f"/{path} did not answer JSON") from None

    def records(self, path: str, key: str, params: Mapping | None = None) -> list[dict]:
        """An endpoint answering a bare array or ``{key: [...]}``, unpaged."""
        return _records(self.json(path, params), key, path)

    def pages(
        self, path: str, key: str, params: Mapping, first: int = 1, page_size: int | None = None
    ) -> Iterator[tuple[int, list[dict], int, datetime | None]]:
        """(page_no, records, record_count, server time) from ``page_no=first`` up to
        ceil(record_count / page_size); ``page_size`` overrides the source's."""
        size = max(1, min(page_size, MAX_PAGE_SIZE)) if page_size else self.page_size
        for number in range(first, first + MAX_PAGES):
            query = {
                **params,
                "pageinate": "true",
                "page_size": str(size),
                "page_no": str(number),
            }
            response = self.get(path, query)
            try:
                body = response.json()
            except ValueError:
                raise SourceError(f"/{path} did not answer JSON") from None
            records = _records(body, key, path)
            count = body.get("record_count") if isinstance(body, dict) else None
            if not isinstance(count, int):
                count = (number - 1) * size + len(records)
            yield number, records, count, _served_at(response)
            if not records or number * size >= count:
                return
        raise SourceError(f"/{path}: more than {MAX_PAGES} pages; stopping")

    def ticket_ids(self, params: Mapping) -> Iterator[list[str]]:
        """Every ticket id the list holds for ``params``, to find tickets deleted at the source.

        ``ticketidonly=true`` answers only the id fields, in one call; Halo documents it as
        incompatible with pagination, and whether an unpaged answer is capped is UNCONFIRMED.
        So a one-record page reads the total (``record_count``) first, and an id-only answer
        short of it is not trusted: the ids are then read from whole pages."""
        total = self._total(params)
        body = self.json("api/tickets", {**params, "ticketidonly": "true"})
        listed = _ids(_records(body, "tickets", "api/tickets"))
        if total is not None and len(set(listed)) >= total:
            yield listed
            return
        log.warning(
            "Halo's ticketidonly list held %d ids of %s tickets; reading whole pages instead",
            len(listed),
            total if total is not None else "an unknown number of",
        )
        yield from self._paged_ids(params)

    def _total(self, params: Mapping) -> int | None:
        query = {**params, "pageinate": "true", "page_size": "1", "page_no": "1"}
        body = self.json("api/tickets", query)
        count = body.get("record_count") if isinstance(body, dict) else None
        return count if _is_int(count) else None

    def _paged_ids(self, params: Mapping) -> Iterator[list[str]]:
        """Ids from whole pages in id order. Page numbers are offsets: a ticket deleted while
        they are read shifts the rest left, and one live id would be skipped (and removed), so
        a falling ``record_count`` stops the listing before anything is removed."""
        ordered = {**params, "order": "id", "orderdesc": "false"}
        first_count = None
        for _, records, count, _ in self.pages(
            "api/tickets", "tickets", ordered, page_size=MAX_PAGE_SIZE
        ):
            first_count = count if first_count is None else first_count
            if count < first_count:
                raise SourceError(
                    "Halo's ticket count fell while the ticket ids were read; nothing was "
                    "removed, and the next sync reads them again"
                )
            yield _ids(records)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ids(records: list[dict]) -> list[str]:
    return [str(r["id"]) for r in records if _is_int(r.get("id"))]


def _records(body: object, key: str, path: str) -> list[dict]:
    if isinstance(body, dict):
        body = next((v for k, v in body.items() if k.lower() == key.lower()), None)
    if not isinstance(body, list):
        raise SourceError(f"/{path} answered neither a list nor an object with {key!r}")
    return [r for r in body if isinstance(r, dict)]


def _served_at(response: httpx.Response) -> datetime | None:
    try:
        return parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return None
