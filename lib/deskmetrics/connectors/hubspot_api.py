"""HubSpot HTTP details: a client that understands HubSpot's 429 bodies, and the CRM search
pager that walks past the 10,000-result cap by restarting from the last record it saw.

Search pages are sorted by the object's last-modified property (``hs_lastmodifieddate``; contacts
keep theirs in ``lastmodifieddate``) then ``hs_object_id``, ascending. A position is the pair
(modified, id) of the last record read; a search that continues from it asks for
``modified > M`` OR (``modified = M`` AND ``hs_object_id > I``), so records sharing one
timestamp are neither skipped nor read twice, however many of them there are. The same
position is the stream's resume point after a crash. That HubSpot honours the second sort key
is not documented (reference 4.2); the fake honours it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import httpx
import pandas as pd

from deskmetrics.connectors.connectwise_fields import Malformed, instant
from deskmetrics.connectors.http import (
    RETRY_STATUSES,
    HttpClient,
    RetryableStatus,
    SourceError,
    retry_after_seconds,
    safe_message,
)
from deskmetrics.errors import ConfigError

MAX_SEARCH_PAGE = 100  # HubSpot documents up to 200; 100 keeps each page's payload modest
SEARCH_CAP = 10_000  # a search query cannot page past this many results (HTTP 400)
MAX_QUERIES = 100_000  # a loop guard, far above any real portal
MODIFIED, OBJECT_ID = "hs_lastmodifieddate", "hs_object_id"
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY"}
# waits when a 429 carries no Retry-After: the official Node SDK's choices (reference 4.5)
POLICY_WAIT = {"TEN_SECONDLY_ROLLING": 10.0, "SECONDLY": 1.0}


class HubSpotClient(HttpClient):
    """HttpClient whose 429 wait follows the body's ``policyName`` when there is no
    Retry-After header; a DAILY limit fails at once (retrying within a sync cannot help)."""

    def check(self, response: httpx.Response, route: str) -> httpx.Response:
        status = response.status_code
        if status == 429:
            policy = _policy(response)
            if policy == "DAILY":
                raise SourceError(
                    f"HTTP 429 from {route}: HubSpot's daily API limit is used up", 429
                )
            wait = retry_after_seconds(response)
            if wait is None:
                wait = POLICY_WAIT.get(policy or "")
            raise RetryableStatus(429, wait, route)
        if status in RETRY_STATUSES:
            raise RetryableStatus(status, retry_after_seconds(response), route)
        if status >= 400:
            raise SourceError(f"HTTP {status} from {route}: {safe_message(response)}", status)
        return response


def _policy(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    if body.get("policyName"):
        return str(body["policyName"]).upper()
    if "secondly limit" in str(body.get("message", "")).lower():
        return "SECONDLY"
    return None


# -- instants -------------------------------------------------------------------------------
def hs_instant(value: object, name: str) -> pd.Timestamp | None:
    """A HubSpot datetime property: an ISO string (naive = UTC) or milliseconds since 1970."""
    if isinstance(value, str) and value.strip().isdigit():
        return pd.Timestamp(int(value.strip()), unit="ms", tz="UTC")
    if isinstance(value, int) and not isinstance(value, bool):
        return pd.Timestamp(value, unit="ms", tz="UTC")
    return instant(value, name)


def iso_ms(moment: datetime | pd.Timestamp) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return pd.Timestamp(aware).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def epoch_ms(moment: datetime | pd.Timestamp) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return str(int(pd.Timestamp(aware).tz_convert("UTC").value // 1_000_000))


def position_of(record: dict, prop: str = MODIFIED) -> tuple[pd.Timestamp, int] | None:
    """(modified, id) of a search result, or None when either is unreadable."""
    props = record.get("properties") if isinstance(record.get("properties"), dict) else {}
    raw_id = props.get(OBJECT_ID) or record.get("id")
    if not str(raw_id or "").isdigit():
        return None
    try:
        modified = hs_instant(props.get(prop), prop)
    except Malformed:
        return None
    return (modified, int(raw_id)) if modified is not None else None


# -- search ---------------------------------------------------------------------------------
class Searcher:
    """``POST {objects}/{object}/search`` pages in (modified, id) order from a position."""

    def __init__(self, client: HttpClient, page_size: int, cap: int, hint: str) -> None:
        self.client = client
        self.page_size = max(1, min(page_size, MAX_SEARCH_PAGE))
        self.cap, self.hint = cap, hint

    def filter_groups(
        self,
        since: datetime | None,
        position: tuple[pd.Timestamp, int] | None,
        extra: list[dict],
        prop: str = MODIFIED,
    ) -> list[dict]:
        if position is not None:
            modified, last_id = epoch_ms(position[0]), str(position[1])
            return [
                {
                    "filters": [
                        {"propertyName": prop, "operator": "GT", "value": modified},
                        *extra,
                    ]
                },
                {
                    "filters": [
                        {"propertyName": prop, "operator": "EQ", "value": modified},
                        {"propertyName": OBJECT_ID, "operator": "GT", "value": last_id},
                        *extra,
                    ]
                },
            ]
        filters = [*extra]
        if since is not None:
            filters.insert(0, {"propertyName": prop, "operator": "GTE", "value": epoch_ms(since)})
        return [{"filters": filters}] if filters else []

    def pages(
        self,
        path: str,
        properties: list[str],
        since: datetime | None,
        position: tuple[pd.Timestamp, int] | None = None,
        extra: list[dict] | None = None,
        prop: str = MODIFIED,
    ) -> Iterator[tuple[list[dict], tuple[pd.Timestamp, int] | None]]:
        """(results, position after them) per page, ordered on the last-modified property
        ``prop``; a new query from the last position whenever the next page would pass the
        result cap."""
        for _ in range(MAX_QUERIES):
            body: dict = {
                "filterGroups": self.filter_groups(since, position, extra or [], prop),
                "sorts": [
                    {"propertyName": prop, "direction": "ASCENDING"},
                    {"propertyName": OBJECT_ID, "direction": "ASCENDING"},
                ],
                "properties": properties,
                "limit": self.page_size,
            }
            started, read = position, 0
            while True:
                results, after = self._post(path, body)
                read += len(results)
                for record in results:
                    position = position_of(record, prop) or position
                if results:
                    yield results, position
                if not after:
                    return
                if (
                    read + self.page_size > self.cap
                    or (after.isdigit() and int(after) >= self.cap)
                    or len(results) < self.page_size  # a short page with more to come: the cap
                ):
                    break  # the next page would pass the cap: start a new query from here
                body["after"] = after
            if position == started:
                raise SourceError(f"{path}: the search cannot move past {position}; stopping")
        raise SourceError(f"{path}: more than {MAX_QUERIES} search queries; stopping")

    def _post(self, path: str, body: dict) -> tuple[list[dict], str | None]:
        data = self.call("POST", path, json=body)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise SourceError(f"HubSpot answered {path} without a results list")
        results = [r if isinstance(r, dict) else {"_raw": r} for r in data["results"]]
        after = ((data.get("paging") or {}).get("next") or {}).get("after")
        return results, str(after) if after not in (None, "") else None

    def call(self, method: str, path: str, **kwargs) -> object:
        try:
            response = self.client.request(method, path, **kwargs)
        except SourceError as exc:
            if exc.status in (401, 403):
                advice = (
                    f"check {self.hint}"
                    if exc.status == 401
                    else "the private app lacks a scope this endpoint needs"
                )
                raise SourceError(
                    f"HubSpot refused the request (HTTP {exc.status} on {path}): {advice}",
                    exc.status,
                ) from None
            raise
        try:
            return response.json()
        except ValueError:
            raise SourceError(f"HubSpot answered {path} with a body that is not JSON") from None

    def listing(
        self, path: str, params: Mapping[str, str]
    ) -> Iterator[tuple[list[dict], str | None]]:
        """GET list pages (``limit``/``after``): (results, the next ``after`` or None)."""
        after = params.get("after")
        for _ in range(MAX_QUERIES):
            query = {**params, "limit": str(self.page_size)}
            if after:
                query["after"] = after
            data = self.call("GET", path, params=query)
            if not isinstance(data, dict) or not isinstance(data.get("results"), list):
                raise SourceError(f"HubSpot answered {path} without a results list")
            nxt = ((data.get("paging") or {}).get("next") or {}).get("after")
            after = str(nxt) if nxt not in (None, "") else None
            yield [r if isinstance(r, dict) else {"_raw": r} for r in data["results"]], after
            if after is None:
                return
        raise SourceError(f"{path}: more than {MAX_QUERIES} pages; stopping")


def search_filters(name: str, value: object) -> list[dict]:
    """``sources.<name>.settings.ticket_filters`` checked: extra filters AND-ed to a search."""
    where = f"sources.{name}.settings.ticket_filters"
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 8:
        raise ConfigError(f"{where}: use a list of at most 8 filters")
    for item in value:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("propertyName"), str)
            or item.get("operator") not in OPERATORS
        ):
            raise ConfigError(
                f"{where}: each filter needs propertyName and an operator ({', '.join(sorted(OPERATORS))})"
            )
    return [dict(item) for item in value]
