"""Crewhu Open API: survey responses into ``surveys``.

``GET {base_url}/v1/survey`` (base ``https://api.crewhu.com/api``) with the header
``X_CREWHU_APITOKEN`` (underscores). Ratings are Crewhu's three faces, the strings ``"5"``,
``"0"`` and ``"-5"`` (positive / neutral / negative), kept on the scale ``crewhu``; a rating that
is missing falls back to ``rating_label`` (POSITIVE / NEUTRAL / NEGATIVE). An ``inactive``
survey is deleted at the source and is removed locally. ``submitted_at`` is ``closed`` (when the
survey was answered), else ``_created_at`` (the first face click); ``tech_id`` is the first of
``employees``; ``ticket_id`` is ``ticket_num``.

Paging and the incremental filter are UNCONFIRMED in the vendor doc (reference 6.3), so they
are settings (``sources.<name>.settings``, all optional):

- ``step_mode``: ``page`` (default; ``step`` is a page number) or ``offset`` (``step`` counts
  records);
- ``first_step``: the first ``step`` (default 1 for ``page``, 0 for ``offset``);
- ``updated_filter``: query parameters sent on incremental syncs, ``{since}`` replaced by the
  ISO instant; default ``{"_updated_at[$gte]": "{since}"}`` (the Mongo-style filter in qs
  bracket notation); ``null`` sends none.
- ``client_field``: the key of ``customer_data`` that holds the PSA company id (default: the
  first of ``company_id``, ``companyId``, ``customer_id``, ``customerId``, ``id``).

Whatever the server does with the filter, records older than the window are dropped client-side
(on ``_updated_at``), so an ignored filter costs requests, never correctness. Paging stops at a
page shorter than ``page_size`` (used as ``limit``, at most 1000).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from deskmetrics.config import Settings
from deskmetrics.connectors import register
from deskmetrics.connectors.base import Batch, Connector, Stream, Window
from deskmetrics.connectors.csat_common import (
    DELETE,
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

SETTINGS = ("step_mode", "first_step", "updated_filter", "client_field")
DEFAULT_FILTER = {"_updated_at[$gte]": "{since}"}
CLIENT_KEYS = ("company_id", "companyId", "customer_id", "customerId", "id")
MAX_LIMIT = 1000
RATINGS = {"5": 5.0, "0": 0.0, "-5": -5.0}
LABELS = {"positive": 5.0, "neutral": 0.0, "negative": -5.0}


def _rating(record: dict) -> float:
    raw = record.get("rating")
    if raw is not None and not isinstance(raw, bool) and str(raw).strip() != "":
        try:
            value = float(str(raw).strip())  # "5", "5.0" and 5 are all 5
        except ValueError:
            value = None
        if value in RATINGS.values():
            return float(value)
        raise Malformed(f"rating is not 5, 0 or -5: {raw!r}")
    label = str(record.get("rating_label") or "").strip().lower()
    if label in LABELS:
        return LABELS[label]
    raise Malformed("rating is missing")


class CrewhuMapper:
    def __init__(self, client_field: str | None = None) -> None:
        self.client_keys = (client_field,) if client_field else CLIENT_KEYS

    def survey(self, record: dict) -> dict | object:
        survey_id = record_id(record, "_id")
        if record.get("inactive") is True:
            return DELETE
        customer = record.get("customer_data")
        customer = customer if isinstance(customer, dict) else {}
        client = next((customer[k] for k in self.client_keys if customer.get(k) is not None), None)
        employees = record.get("employees")
        employees = employees if isinstance(employees, list) else []
        answered = record.get("closed") or record.get("_created_at")
        return {
            "response_id": f"crewhu:{survey_id}",
            "source": "crewhu",
            "ticket_id": text(record.get("ticket_num")),
            "client_id": text(client),
            "tech_id": text(employees[0]) if employees else None,
            "submitted_at": submitted(answered, "closed"),
            "rating": _rating(record),
            "scale": "crewhu",
            "comment": text(record.get("comment")),
        }


class _Surveys(Stream):
    name = "surveys"

    def __init__(self, connector: CrewhuConnector) -> None:
        self.connector = connector
        options = connector.source.settings
        self.limit = max(1, min(connector.source.page_size, MAX_LIMIT))
        self.mode = options.get("step_mode", "page")
        self.first = options.get("first_step", 1 if self.mode == "page" else 0)
        self.filter = options.get("updated_filter", DEFAULT_FILTER)
        self.mapper = CrewhuMapper(options.get("client_field"))

    def batches(self, window: Window) -> Iterator[Batch]:
        step = int(window.resume.get("step", self.first))
        base: dict[str, str] = {"limit": str(self.limit)}
        if window.since is not None and self.filter:
            since = iso(window.since)
            base.update({k: str(v).replace("{since}", since) for k, v in self.filter.items()})
        for _ in range(MAX_PAGES):
            page = self.connector.get("v1/survey", {**base, "step": str(step)})
            kept = [r for r in page if self._in_window(r, window)]
            batch = survey_batch(
                kept,
                self.mapper.survey,
                lambda r: text(r.get("_id")) or "",
                "crewhu",
                lambda r: r.get("_updated_at"),
            )
            batch.records = len(page)
            step += 1 if self.mode == "page" else len(page)
            batch.resume = {"step": step}
            if page:
                yield batch
            if len(page) < self.limit:
                return
        raise SourceError(f"v1/survey: more than {MAX_PAGES} pages; stopping")

    @staticmethod
    def _in_window(record: object, window: Window) -> bool:
        if window.since is None or not isinstance(record, dict):
            return True
        try:
            stamp = instant(record.get("_updated_at"), "_updated_at")
        except Malformed:
            return True  # an unreadable stamp is never dropped silently: the mapper decides
        return stamp is None or stamp.to_pydatetime() >= window.since


@register("crewhu")
class CrewhuConnector(Connector):
    """Crewhu surveys; ``sleep`` is injectable so tests skip retry waits."""

    def __init__(
        self,
        source: SourceConfig,
        settings: Settings,
        client: HttpClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        source.check_settings(SETTINGS, "Crewhu")
        options = source.settings
        if options.get("step_mode", "page") not in ("page", "offset"):
            raise ConfigError(f"sources.{source.name}.settings.step_mode: use page or offset")
        first = options.get("first_step", 0)
        if isinstance(first, bool) or not isinstance(first, int) or first < 0:
            raise ConfigError(f"sources.{source.name}.settings.first_step: use a whole number")
        flt = options.get("updated_filter", DEFAULT_FILTER)
        if flt is not None and not (
            isinstance(flt, dict) and any("{since}" in str(v) for v in flt.values())
        ):
            raise ConfigError(
                f"sources.{source.name}.settings.updated_filter: a mapping of query parameters "
                "with {since} in a value, or null"
            )
        self._sleep = sleep
        self._token = source.secret("api_token")  # a missing variable fails here, named
        super().__init__(source, settings, client)

    def auth_headers(self) -> dict[str, str]:
        return {"X_CREWHU_APITOKEN": self._token, "Accept": "application/json"}

    def make_client(self) -> HttpClient:
        return HttpClient(
            self.source.base_url,
            auth_headers=self.auth_headers,
            per_minute=self.per_minute,
            sleep=self._sleep,
        )

    def get(self, path: str, params: dict[str, str]) -> list:
        try:
            body = self.client.get_json(path, params=params)
        except SourceError as exc:
            raise refused(exc, "Crewhu", path, self.source) from None
        except ValueError:
            raise SourceError(f"Crewhu answered {path} with a body that is not JSON") from None
        if isinstance(body, dict):  # tolerate an envelope: {"data": [...]} or {"surveys": [...]}
            body = next((v for v in body.values() if isinstance(v, list)), None)
        if not isinstance(body, list):
            raise SourceError(f"Crewhu answered {path} without a list of surveys")
        return body

    def streams(self) -> list[Stream]:
        return [_Surveys(self)]
