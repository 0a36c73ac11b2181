"""ConnectWise Manage HTTP details: the auth header, ``conditions`` text, and both paging styles.

Forward-only paging (header ``pagination-type: forward-only``) follows the ``pageId`` of the
``Link`` header; ConnectWise treats ``pageId`` as ``id > pageId``, so pages come in id order and
a stream can resume after the last id it committed. Navigable paging (``page``/``pageSize``)
serves the per-ticket endpoints (audit trail, notes) that may not support forward-only.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

from deskmetrics.connectors.http import HttpClient, SourceError

MAX_PAGE_SIZE = 1000  # ConnectWise's hard limit
MAX_PAGES = 100_000  # a loop guard, far above any real tenant
FORWARD_ONLY = {"pagination-type": "forward-only"}
_LINK = re.compile(r"<(?P<url>[^>]*)>(?P<attrs>[^,<]*)")
_REL = re.compile(r"""rel\s*=\s*"?(?P<rel>[^";\s]+)"?""", re.I)


def basic_auth(company_id: str, public_key: str, private_key: str) -> str:
    """``Basic base64("{company}+{public}:{private}")``: a literal ``+`` joins the first two."""
    token = base64.b64encode(f"{company_id}+{public_key}:{private_key}".encode()).decode()
    return f"Basic {token}"


def cw_instant(moment: datetime) -> str:
    """ConnectWise's condition date literal, ``[yyyy-MM-ddTHH:mm:ssZ]`` in UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return "[" + aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "]"


def updated_since(since: datetime | None) -> str | None:
    """``lastUpdated > [..]`` including records updated exactly at ``since``: the comparison
    is strict and to the second, so the bound is ``since`` floored to the second, minus one."""
    if since is None:
        return None
    floored = since.replace(microsecond=0) - timedelta(seconds=1)
    return f"lastUpdated > {cw_instant(floored)}"


def all_of(*parts: str | None) -> str | None:
    """Join conditions with ``and``; each part is parenthesised so an ``or`` stays inside."""
    kept = [p.strip() for p in parts if p and p.strip()]
    if len(kept) <= 1:
        return kept[0] if kept else None
    return " and ".join(f"({p})" for p in kept)


def parse_link(header: str | None) -> list[tuple[str, str]]:
    """``Link`` header -> [(url, rel)]; rel is "" when a link has none (forward-only)."""
    links = []
    for match in _LINK.finditer(header or ""):
        rel = _REL.search(match["attrs"])
        links.append((match["url"].strip(), rel["rel"].lower() if rel else ""))
    return links


def next_page_id(header: str | None) -> str | None:
    """The ``pageId`` of the next forward-only page: the rel="next" link, else the first one."""
    links = parse_link(header)
    chosen = next((url for url, rel in links if rel == "next"), links[0][0] if links else None)
    if chosen is None:
        return None
    query = {k.lower(): v for k, v in parse_qs(urlsplit(chosen).query).items()}
    values = query.get("pageid")
    if not values:
        raise SourceError("ConnectWise sent a forward-only Link header without a pageId")
    return values[0]


class Pager:
    """GETs list endpoints page by page through the shared HttpClient."""

    def __init__(self, client: HttpClient, page_size: int, credentials_hint: str) -> None:
        self.client = client
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        self.hint = credentials_hint

    def forward(
        self, path: str, params: Mapping[str, str], page_size: int | None = None
    ) -> Iterator[tuple[list[dict], datetime | None]]:
        """Forward-only pages in id order, each with the server's ``Date``, until the ``Link``
        header disappears. ``page_size`` overrides the source's (an id listing is small)."""
        size = max(1, min(page_size, MAX_PAGE_SIZE)) if page_size else self.page_size
        page_id: str | None = None
        for _ in range(MAX_PAGES):
            query = {**params, "pageSize": str(size)}
            if page_id is not None:
                query["pageId"] = page_id
            records, link, served_at = self._get(path, query, FORWARD_ONLY)
            if records:
                yield records, served_at
            following = next_page_id(link) if records else None
            if following is None:
                return
            if following == page_id:
                raise SourceError(f"ConnectWise repeated pageId {following} on {path}")
            page_id = following
        raise SourceError(f"{path}: more than {MAX_PAGES} pages; stopping")

    def navigable(self, path: str, params: Mapping[str, str]) -> Iterator[list[dict]]:
        """``page``/``pageSize`` pages; stops on a short page or when no rel="next" is left."""
        for number in range(1, MAX_PAGES + 1):
            query = {**params, "page": str(number), "pageSize": str(self.page_size)}
            records, link, _ = self._get(path, query)
            if records:
                yield records
            rels = {rel for _, rel in parse_link(link)}
            if len(records) < self.page_size or (link and "next" not in rels):
                return
        raise SourceError(f"{path}: more than {MAX_PAGES} pages; stopping")

    def collect(self, path: str, params: Mapping[str, str]) -> list[dict]:
        """Every record of a navigable list; a 404 (the parent was deleted meanwhile) is []."""
        try:
            return [record for page in self.navigable(path, params) for record in page]
        except SourceError as exc:
            if str(exc).startswith("HTTP 404 "):
                return []
            raise

    def one(self, path: str, params: Mapping[str, str] | None = None) -> dict | None:
        """One record (an object body, not a list); None on 404 (deleted meanwhile)."""
        try:
            response = self._request(path, params or {})
        except SourceError as exc:
            if str(exc).startswith("HTTP 404 "):
                return None
            raise
        try:
            body = response.json()
        except ValueError:
            raise SourceError(f"ConnectWise answered {path} with a body that is not JSON") from None
        if not isinstance(body, dict):
            raise SourceError(
                f"ConnectWise answered {path} with {type(body).__name__}, not a record"
            )
        return body

    def _get(
        self, path: str, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> tuple[list[dict], str | None, datetime | None]:
        response = self._request(path, params, headers)
        try:
            body = response.json()
        except ValueError:
            raise SourceError(f"ConnectWise answered {path} with a body that is not JSON") from None
        if not isinstance(body, list):
            raise SourceError(f"ConnectWise answered {path} with {type(body).__name__}, not a list")
        records = [r if isinstance(r, dict) else {"_raw": r} for r in body]
        return records, response.headers.get("Link"), _server_time(response.headers.get("Date"))

    def _request(
        self, path: str, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ):
        try:
            response = self.client.request("GET", path, params=params, headers=headers)
        except SourceError as exc:
            status = str(exc)[5:8] if str(exc).startswith("HTTP ") else ""
            if status in {"401", "403"}:
                advice = (
                    f"check {self.hint}"
                    if status == "401"
                    else "the API member's security role does not allow this endpoint"
                )
                raise SourceError(
                    f"ConnectWise refused the request (HTTP {status} on {path}): {advice}"
                ) from None
            raise
        return response


def _server_time(value: str | None) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return moment.astimezone(UTC) if moment and moment.tzinfo else None
