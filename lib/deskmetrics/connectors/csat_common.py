"""Shared parts of the CSAT connectors (SmileBack, Crewhu, Simplesat): settings checks, the
mapping of one vendor page onto ``surveys`` rows, quarantine and deletions, and a clear error
when a vendor refuses the credentials.

Survey ids are prefixed with the tool (``smileback:123``) so responses of different tools never
collide; ``ticket_id`` is the PSA ticket number the review carries, as a string, so surveys join
PSA tickets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd

from deskmetrics.connectors.base import Batch, Quarantined
from deskmetrics.connectors.connectwise_fields import Malformed, frame, instant, quarantined, text
from deskmetrics.connectors.http import SourceError
from deskmetrics.connectors.sources import SourceConfig

__all__ = [
    "DELETE",
    "MAX_PAGES",
    "Malformed",
    "instant",
    "record_id",
    "refused",
    "submitted",
    "survey_batch",
    "text",
]
DELETE = object()  # returned by a converter: the record was deleted at the source
MAX_PAGES = 100_000  # a loop guard, far above any real tenant


def survey_batch(
    records: list[dict],
    convert: Callable[[dict], dict | object | None],
    key: Callable[[dict], str],
    prefix: str,
    updated: Callable[[dict], object],
) -> Batch:
    """One page as a Batch: mapped rows, deletions (``DELETE``), skipped (None) and quarantined
    records; ``max_updated`` is the newest readable update stamp of the page."""
    rows: list[dict] = []
    deleted: list[str] = []
    bad: list[Quarantined] = []
    stamps: list[datetime] = []
    for n, record in enumerate(records):
        if not isinstance(record, dict):
            bad.append(quarantined(f"(#{n} of its page)", "not a JSON object", record))
            continue
        name = key(record) or f"(no id, #{n} of its page)"
        try:
            stamp = instant(updated(record), "update time")
            if stamp is not None:
                stamps.append(stamp.to_pydatetime())
        except Malformed:
            pass
        try:
            row = convert(record)
        except Malformed as exc:
            bad.append(quarantined(name, str(exc), record))
            continue
        if row is DELETE:
            deleted.append(f"{prefix}:{name}")
        elif row is not None:
            rows.append(row)
    batch = Batch(frames={"surveys": frame("surveys", rows)}, quarantined=bad)
    if deleted:
        batch.deletions = {"surveys": deleted}
    batch.max_updated = max(stamps) if stamps else None
    batch.records = len(records)
    return batch


def record_id(record: dict, field: str) -> str:
    value = record.get(field)
    if isinstance(value, bool) or value is None or not str(value).strip():
        raise Malformed(f"{field} is missing")
    return str(value).strip()


def refused(exc: SourceError, vendor: str, path: str, source: SourceConfig) -> SourceError:
    """A 401/403 as an error naming the environment variables to check (never their values)."""
    if exc.status not in (401, 403):
        return exc
    names = ", ".join(sorted(source.secrets.values())) or "(none configured)"
    advice = (
        f"check the credentials in the environment variables {names}"
        if exc.status == 401
        else "the API user is not allowed to read this endpoint"
    )
    return SourceError(
        f"{vendor} refused the request (HTTP {exc.status} on {path}): {advice}", exc.status
    )


def submitted(value: object, name: str) -> pd.Timestamp:
    moment = instant(value, name)
    if moment is None:
        raise Malformed(f"{name} is missing")
    return moment
