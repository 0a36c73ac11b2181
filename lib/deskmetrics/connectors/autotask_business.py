"""Autotask PSA business streams: Contracts (agreements), Projects, Invoices (revenue lines),
ConfigurationItems (devices) and Opportunities with the stages they are seen in.

Each is a ``{Entity}/query`` read like the tickets: filters ANDed (``cursor gt since`` where
the entity has an update time, ``id gt N`` to resume after the last id committed), pages
followed through ``pageDetails.nextPageUrl``, and an id listing (``IncludeFields: ["id"]``) on
a full sync and every ``reconcile_days`` so records deleted at the source are removed here (an
opportunity with its stages). A stream fetches its entity's picklists
(``{Entity}/entityInformation/fields``) once per sync. A voided Invoice is removed.

The update-time field of each entity (``cursor_fields`` setting; null reads the whole entity
every sync) is UNCONFIRMED: none of these entities is in the connector notes. Defaults, from
a public client's typed entities: Projects ``lastActivityDateTime``, ConfigurationItems
``lastModifiedTime``, Opportunities ``lastActivity``; Contracts and Invoices have none there,
so they are read whole (an Invoice changes when it is paid or voided, which a creation-time
cursor would miss). Also UNCONFIRMED: every field named in ``autotask_business_map``, which
fields are picklists, and Autotask's default picklist labels the mapping file lists.
"""

from __future__ import annotations

from collections.abc import Iterator

from deskmetrics.connectors.autotask_api import Pager
from deskmetrics.connectors.autotask_business_map import AtBusinessMapper
from deskmetrics.connectors.autotask_stream import QueryStream
from deskmetrics.connectors.base import Batch, Window
from deskmetrics.connectors.connectwise_fields import frame, map_page
from deskmetrics.errors import ConfigError

# stream name -> (entity, canonical table, default update-time field)
BUSINESS = {
    "contracts": ("Contracts", "agreements", None),
    "projects": ("Projects", "projects", "lastActivityDateTime"),
    "invoices": ("Invoices", "revenue_lines", None),
    "configuration_items": ("ConfigurationItems", "devices", "lastModifiedTime"),
    "opportunities": ("Opportunities", "opportunities", "lastActivity"),
}
PICKLISTS = {"Contracts", "Projects", "ConfigurationItems", "Opportunities"}


def cursor_fields(value: object, source_name: str) -> dict[str, str | None]:
    """``settings.cursor_fields``: stream name -> update-time field (null: none), over the
    defaults in ``BUSINESS``."""
    fields = {name: default for name, (_, _, default) in BUSINESS.items()}
    if value is None:
        return fields
    if not isinstance(value, dict) or set(value) - set(BUSINESS):
        raise ConfigError(
            f"sources.{source_name}.settings.cursor_fields: a mapping of "
            f"{', '.join(BUSINESS)} to a field name or null"
        )
    for name, field in value.items():
        if field is not None and not isinstance(field, str):
            raise ConfigError(f"sources.{source_name}.settings.cursor_fields.{name}: a field name")
        fields[name] = field or None
    return fields


class _BusinessStream(QueryStream):
    """One business entity; its picklists are read before its first page."""

    def __init__(self, name: str, mapper: AtBusinessMapper, pager: Pager, cursor: str | None):
        entity, table, _ = BUSINESS[name]
        convert = {
            "contracts": mapper.agreement,
            "projects": mapper.project,
            "invoices": mapper.revenue_line,
            "configuration_items": mapper.device,
            "opportunities": mapper.opportunity,
        }[name]
        super().__init__(name, table, entity, convert, pager, cursor_field=cursor, live_table=table)
        self.mapper = mapper

    def batches(self, window: Window) -> Iterator[Batch]:
        if self.entity in PICKLISTS and self.entity not in self.mapper.picklists:
            self.mapper.picklists[self.entity] = self.pager.picklists(self.entity)
        yield from super().batches(window)


class _InvoiceStream(_BusinessStream):
    """Invoices; a voided one is removed rather than loaded."""

    def page_batch(self, page: list[dict]) -> Batch:
        voided = [r for r in page if r.get("isVoided") is True and isinstance(r.get("id"), int)]
        rows, bad = map_page([r for r in page if r not in voided], self.convert)
        return Batch(
            frames={self.table: frame(self.table, rows)},
            deletions={self.table: [str(r["id"]) for r in voided]} if voided else {},
            quarantined=bad,
        )


class _OpportunityStream(_BusinessStream):
    """Opportunities with the stage each is seen in."""

    def page_batch(self, page: list[dict]) -> Batch:
        rows, bad = map_page(page, self.convert)
        stages = [s for s in map(self.mapper.stage, rows) if s is not None]
        return Batch(
            frames={
                "opportunities": frame("opportunities", rows),
                "opportunity_stages": frame("opportunity_stages", stages),
            },
            quarantined=bad,
        )


def business_streams(
    names: list[str], mapper: AtBusinessMapper, pager: Pager, cursors: dict[str, str | None]
) -> list[QueryStream]:
    """The chosen streams, parents first: contracts and projects before the invoices,
    configuration items and opportunities."""
    kinds = {"invoices": _InvoiceStream, "opportunities": _OpportunityStream}
    return [
        kinds.get(name, _BusinessStream)(name, mapper, pager, cursors[name])
        for name in BUSINESS
        if name in names
    ]
