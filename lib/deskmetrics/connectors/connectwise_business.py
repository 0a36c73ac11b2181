"""ConnectWise Manage business streams: agreements, invoices (revenue lines), configurations
(devices), projects and opportunities with the stages they are seen in.

Each is a list endpoint read like the tickets: ``conditions=lastUpdated > [since]``,
``orderBy=id asc``, forward-only pages, resumable after the last id committed, and an id
listing (``fields=id``) on a full sync and every ``reconcile_days`` so records deleted at the
source are removed here (an opportunity with its stages).

Per-record and per-sync calls:

- configurations: once per sync, the ids of every agreement that is not cancelled
  (``/finance/agreements?conditions=cancelledFlag=false&fields=id``) and each one's
  ``/finance/agreements/{id}/configurations`` (navigable pages): a configuration among them is
  covered. Attaching a configuration to an agreement may not change the configuration's
  ``lastUpdated`` (UNCONFIRMED), so an incremental sync can miss a change of coverage alone;
  a ``--full`` sync re-reads every configuration. ``device_coverage: false`` skips the calls
  (no device is then covered);
- opportunities: ``/sales/opportunities/{id}/forecast`` per opportunity when the amount field
  of the mapping starts with ``forecast/`` (the default: the forecast's revenue total).

UNCONFIRMED vendor facts (none of these endpoints is in the connector notes; paths and fields
come from public client models): the five list paths, ``lastUpdated`` conditions and
forward-only paging on them, the agreement-configurations and forecast sub-resources, and
every field named in ``connectwise_business_map``. Names that decide canonical values are in
the ``business:`` section of the mapping file.
"""

from __future__ import annotations

from collections.abc import Iterator

from deskmetrics.connectors.base import Batch, Window
from deskmetrics.connectors.connectwise_api import MAX_PAGE_SIZE, Pager
from deskmetrics.connectors.connectwise_business_map import CwBusinessMapper
from deskmetrics.connectors.connectwise_fields import (
    Malformed,
    frame,
    quarantined,
    record_key,
)
from deskmetrics.connectors.connectwise_stream import ListStream, is_id
from deskmetrics.errors import ConfigError

# stream name -> (canonical table, path)
BUSINESS = {
    "agreements": ("agreements", "finance/agreements"),
    "projects": ("projects", "project/projects"),
    "invoices": ("revenue_lines", "finance/invoices"),
    "configurations": ("devices", "company/configurations"),
    "opportunities": ("opportunities", "sales/opportunities"),
}
FORECAST = "forecast/"


def chosen_streams(value: object, source_name: str, names: tuple[str, ...]) -> list[str]:
    """``settings.business_streams``: true (all), false or absent (none) or a list of names."""
    if value is None or value is False:
        return []
    if value is True:
        return list(names)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        unknown = sorted(set(value) - set(names))
        if not unknown:
            return [n for n in names if n in value]
    raise ConfigError(
        f"sources.{source_name}.settings.business_streams: use true, false or a list of "
        f"{', '.join(names)}"
    )


class _DeviceStream(ListStream):
    """Configurations, each covered or not by the agreements read at the start of the sync."""

    def __init__(self, mapper: CwBusinessMapper, pager: Pager, *, coverage: bool) -> None:
        table, path = BUSINESS["configurations"]
        super().__init__("configurations", table, path, self._device, pager, live_table=table)
        self.mapper, self.coverage, self.covered = mapper, coverage, set()

    def batches(self, window: Window) -> Iterator[Batch]:
        self.covered = self._covered() if self.coverage else set()
        yield from super().batches(window)

    def _device(self, record: dict) -> dict:
        return self.mapper.device(record, self.covered)

    def _covered(self) -> set[str]:
        """Ids of the configurations attached to an agreement that is not cancelled."""
        params = {"orderBy": "id asc", "fields": "id", "conditions": "cancelledFlag=false"}
        agreements = self.pager.forward("finance/agreements", params, page_size=MAX_PAGE_SIZE)
        covered: set[str] = set()
        for page, _ in agreements:
            for agreement in page:
                if not is_id(agreement.get("id")):
                    continue
                path = f"finance/agreements/{agreement['id']}/configurations"
                for item in self.pager.collect(path, {"fields": "id"}):
                    if is_id(item.get("id")):
                        covered.add(str(item["id"]))
        return covered


class _OpportunityStream(ListStream):
    """Opportunities with their forecast amount and the stage each is seen in."""

    def __init__(self, mapper: CwBusinessMapper, pager: Pager) -> None:
        table, path = BUSINESS["opportunities"]
        super().__init__("opportunities", table, path, mapper.opportunity, pager, live_table=table)
        self.mapper = mapper
        self.forecast = mapper.mapping.opportunity_amount_field.startswith(FORECAST)

    def page_batch(self, page: list[dict]) -> Batch:
        rows, stages, bad = [], [], []
        for n, record in enumerate(page):
            try:
                if self.forecast and is_id(record.get("id")):
                    path = f"sales/opportunities/{record['id']}/forecast"
                    record = {**record, "forecast": self.pager.one(path)}
                row = self.mapper.opportunity(record)
            except Malformed as exc:
                bad.append(quarantined(record_key(record, n), str(exc), record))
                continue
            rows.append(row)
            stage = self.mapper.stage(row, record)
            if stage is not None:
                stages.append(stage)
        return Batch(
            frames={
                "opportunities": frame("opportunities", rows),
                "opportunity_stages": frame("opportunity_stages", stages),
            },
            quarantined=bad,
        )


def business_streams(
    names: list[str], mapper: CwBusinessMapper, pager: Pager, *, coverage: bool
) -> list[ListStream]:
    """The chosen streams, parents first: agreements and projects before the invoices,
    configurations and opportunities that refer to them."""
    convert = {
        "agreements": mapper.agreement,
        "projects": mapper.project,
        "invoices": mapper.revenue_line,
    }
    streams: list[ListStream] = []
    for name in BUSINESS:
        if name not in names:
            continue
        table, path = BUSINESS[name]
        if name == "configurations":
            streams.append(_DeviceStream(mapper, pager, coverage=coverage))
        elif name == "opportunities":
            streams.append(_OpportunityStream(mapper, pager))
        else:
            streams.append(ListStream(name, table, path, convert[name], pager, live_table=table))
    return streams
