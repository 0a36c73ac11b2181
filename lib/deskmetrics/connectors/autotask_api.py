"""Autotask PSA REST v1.0 HTTP details: the three auth headers, zone discovery, JSON search
filters, ``pageDetails.nextPageUrl`` paging and picklists (reference section 2).

A query is ``GET {Entity}/query?search={json}``; the following pages are read by GETting the
absolute ``pageDetails.nextPageUrl`` until it is null (what the Anteris client does; whether a
POST query needs a POST continuation is UNCONFIRMED, so every query here is a GET). Every
search carries an ``id gt N`` filter: Autotask requires at least one filter, and a stopped
sync resumes after the last id it committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from deskmetrics.connectors.http import HttpClient, SourceError

MAX_RECORDS = 500  # Autotask's per-page maximum
MAX_PAGES = 100_000  # a loop guard, far above any real tenant
DISCOVERY_URL = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"
MAX_IN = 500  # assumed REST cap on OR/IN conditions (the SOAP cap; UNCONFIRMED for REST)


def at_instant(moment: datetime) -> str:
    """A filter value: ISO in UTC, to the second."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def since_filter(field: str, since: datetime | None) -> dict | None:
    """``field gt since`` including records stamped exactly at ``since``: ``gt`` is strict and
    to the second, so the bound is ``since`` floored to the second, minus one."""
    if since is None:
        return None
    floored = since.replace(microsecond=0) - timedelta(seconds=1)
    return {"op": "gt", "field": field, "value": at_instant(floored)}


def search(
    *conditions: dict | None, page_size: int = MAX_RECORDS, fields: list[str] | None = None
) -> dict:
    """The search JSON: top-level filter items are ANDed; ``fields`` trims each record to
    those fields (Autotask's ``IncludeFields``, which must hold ``id`` past one page)."""
    body: dict = {"filter": [c for c in conditions if c], "MaxRecords": page_size}
    if fields:
        body["IncludeFields"] = list(fields)
    return body


def zone_url(client: HttpClient, discovery_url: str, user: str) -> str:
    """``zoneInformation?user=`` -> the zone's REST root ending in ``/v1.0``."""
    try:
        body = client.request("GET", discovery_url, params={"user": user}).json()
    except SourceError as exc:
        raise SourceError(
            f"Autotask zone discovery failed (HTTP {exc.status}); check the API user name "
            "(Autotask answers 500 for an unknown user)",
            exc.status,
        ) from None
    except ValueError:
        raise SourceError("Autotask zone discovery did not answer JSON") from None
    url = body.get("url") if isinstance(body, dict) else None
    if not isinstance(url, str) or not url.startswith(("https://", "http://127.0.0.1")):
        raise SourceError("Autotask zone discovery answered without a usable zone url")
    root = url.rstrip("/")
    return root if root.lower().endswith("/v1.0") else root + "/v1.0"


class Pager:
    """Reads query results page by page through the shared HttpClient."""

    def __init__(self, client: HttpClient, page_size: int, credentials_hint: str) -> None:
        self.client = client
        self.page_size = max(1, min(page_size, MAX_RECORDS))
        self.hint = credentials_hint

    def query(
        self,
        entity: str,
        *conditions: dict | None,
        fields: list[str] | None = None,
        page_size: int | None = None,
    ) -> Iterator[tuple[list[dict], datetime]]:
        """Pages of ``{entity}/query`` for the ANDed conditions, each with the server's Date;
        ``fields`` and ``page_size`` narrow and widen a listing (see ``search``)."""
        size = max(1, min(page_size, MAX_RECORDS)) if page_size else self.page_size
        body = search(*conditions, page_size=size, fields=fields)
        path = f"{entity}/query"
        params: dict | None = {"search": json.dumps(body, separators=(",", ":"))}
        for _ in range(MAX_PAGES):
            page, following, served_at = self._get(entity, path, params)
            if page:
                yield page, served_at
            if not following or not page:
                return
            path, params = self._relative(following), None
        raise SourceError(f"{entity}: more than {MAX_PAGES} pages; stopping")

    def collect(self, entity: str, *conditions: dict | None) -> list[dict]:
        return [record for page, _ in self.query(entity, *conditions) for record in page]

    def picklists(self, entity: str) -> dict[str, dict[str, str]]:
        """``{entity}/entityInformation/fields`` -> {field name (lower case): {value: label}}."""
        body = self._json(entity, f"{entity}/entityInformation/fields", None)
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, list):
            raise SourceError(f"Autotask answered {entity}/entityInformation/fields without fields")
        lists: dict[str, dict[str, str]] = {}
        for field in fields:
            if not isinstance(field, dict) or not field.get("isPickList"):
                continue
            values = field.get("picklistValues") or []
            lists[str(field.get("name", "")).lower()] = {
                str(v.get("value")): str(v.get("label"))
                for v in values
                if isinstance(v, dict) and v.get("label") is not None
            }
        return lists

    def _relative(self, url: str) -> str:
        """``nextPageUrl`` is absolute; it must stay on the zone (the auth headers go with it)."""
        base = str(self.client._client.base_url)
        if url.startswith(base):
            return url[len(base) :]
        ours, theirs = urlsplit(base), urlsplit(url)
        if (ours.scheme, ours.netloc) != (theirs.scheme, theirs.netloc):
            raise SourceError(f"Autotask sent a nextPageUrl on another host ({theirs.netloc})")
        return url

    def _get(self, entity, path, params) -> tuple[list[dict], str | None, datetime | None]:
        response, body = self._response(entity, path, params)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise SourceError(f"Autotask answered {entity}/query without an items list")
        details = body.get("pageDetails") or {}
        following = details.get("nextPageUrl") if isinstance(details, dict) else None
        records = [r if isinstance(r, dict) else {"_raw": r} for r in items]
        return records, following, _server_time(response.headers.get("Date"))

    def _json(self, entity, path, params) -> object:
        return self._response(entity, path, params)[1]

    def _response(self, entity, path, params):
        try:
            response = self.client.request("GET", path, params=params)
        except SourceError as exc:
            if exc.status in {401, 403}:
                advice = (
                    f"check {self.hint}"
                    if exc.status == 401
                    else "the API user's security level does not allow this entity"
                )
                raise SourceError(
                    f"Autotask refused the request (HTTP {exc.status} on {entity}): {advice}",
                    exc.status,
                ) from None
            raise
        try:
            return response, response.json()
        except ValueError:
            raise SourceError(f"Autotask answered {entity} with a body that is not JSON") from None


def _server_time(value: str | None) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return moment.astimezone(UTC) if moment and moment.tzinfo else None
