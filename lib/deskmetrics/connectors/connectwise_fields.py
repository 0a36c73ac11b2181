"""Reading ConnectWise JSON safely: ids, UTC instants, nested paths, and typed canonical frames.

A value that cannot be read raises ``Malformed`` with a reason a person can act on; the
stream quarantines the record with its raw JSON and carries on. Vendor timestamps are UTC (a
naive one is read as UTC) and come back as tz-aware pandas Timestamps; ids come back as strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

import pandas as pd
import pyarrow as pa
from sqlalchemy import Boolean, Date, DateTime, Float, Integer

from deskmetrics.connectors.base import Quarantined
from deskmetrics.schema import business_tables  # noqa: F401  (registers the business tables)
from deskmetrics.schema.contract import CONTRACTS, MSP_MAINTAINED
from deskmetrics.schema.tables import metadata

DATE = pd.ArrowDtype(pa.date32())


class Malformed(ValueError):
    """A vendor record that cannot become a canonical row; the message says why."""


# -- values -------------------------------------------------------------------------------
def record_id(record: dict, key: str = "id") -> str:
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise Malformed(f"{key} is missing or not a number: {value!r}")
    return str(int(value))


def instant(value: object, name: str) -> pd.Timestamp | None:
    """An ISO timestamp as tz-aware UTC; None for empty; Malformed when unreadable."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Malformed(f"{name} is not a timestamp: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Malformed(f"{name} is not an ISO timestamp: {value!r}") from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return pd.Timestamp(parsed).tz_convert("UTC")


def day(value: object, name: str) -> date | None:
    """A calendar day: ``YYYY-MM-DD``, or the day as written in an ISO timestamp (vendors send
    days as midnight timestamps); None for empty; Malformed when unreadable."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Malformed(f"{name} is not a date: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Malformed(f"{name} is not an ISO date: {value!r}") from None
    return parsed.date()


def number(value: object, name: str) -> float | None:
    """A number (money, hours, percent); None for empty; Malformed when it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Malformed(f"{name} is not a number: {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Malformed(f"{name} is not a number: {value!r}") from None


def lookup(record: dict, name: str) -> object:
    """A configurable field: a custom field by caption (ConnectWise ``customFields``), a
    configuration question by its text (``questions``), a user-defined field by name (Autotask
    ``userDefinedFields``), else a field path (``a/b`` or ``a.b``). Empty ``name``: None."""
    if not name:
        return None
    for key, label, answer in (
        ("customFields", "caption", "value"),
        ("questions", "question", "answer"),
        ("userDefinedFields", "name", "value"),
    ):
        for item in record.get(key) or []:
            if isinstance(item, dict) and norm(str(item.get(label) or "")) == norm(name):
                return item.get(answer)
    return path_value(record, name)


def path_value(record: dict, path: str) -> object:
    """``a/b`` (ConnectWise's own path notation) or ``a.b`` inside nested dicts."""
    value: object = record
    for part in re.split(r"[/.]", path) if path else []:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def text(value: object) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def ref_name(record: dict, key: str) -> str | None:
    return text(path_value(record, f"{key}/name"))


def ref_id(record: dict, key: str) -> str | None:
    value = path_value(record, f"{key}/id")
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else text(value)


def last_updated(record: dict) -> pd.Timestamp | None:
    try:
        return instant(path_value(record, "_info/lastUpdated"), "_info.lastUpdated")
    except Malformed:
        return None


def norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def whole(value: object, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Malformed(f"{name} is not a number: {value!r}") from None
    if number != int(number) or number < 0:
        raise Malformed(f"{name} is not a whole number: {value!r}")
    return int(number)


# -- pages and frames -----------------------------------------------------------------------
def quarantined(key: str, reason: str, record: object) -> Quarantined:
    return Quarantined(key, reason, json.dumps(record, sort_keys=True, default=str))


def record_key(record: dict, index: int) -> str:
    value = record.get("id")
    return str(value) if value not in (None, "") else f"(no id, #{index} of its page)"


def map_page(
    records: Iterable[dict], convert: Callable[[dict], dict]
) -> tuple[list[dict], list[Quarantined]]:
    """(rows, quarantined) for one page: a record that cannot be mapped never stops the rest."""
    rows, bad = [], []
    for n, record in enumerate(records):
        try:
            rows.append(convert(record))
        except Malformed as exc:
            bad.append(quarantined(record_key(record, n), str(exc), record))
    return rows, bad


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """Rows as a frame with the canonical columns of ``table`` and their warehouse types.

    Built column by column from the dicts: a sync builds one frame per table per page, and
    converting a whole DataFrame's columns afterwards cost more than the mapping itself."""
    sql = metadata.tables[table].columns
    data = {}
    kept = MSP_MAINTAINED.get(table, ())
    for name in (n for n in CONTRACTS[table].columns if n not in kept):
        values = [row.get(name) for row in rows]
        kind = sql[name].type
        if isinstance(kind, DateTime):
            data[name] = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        elif isinstance(kind, Date):
            data[name] = pd.Series(pa.array(values, type=pa.date32()), dtype=DATE)
        elif isinstance(kind, Integer):
            data[name] = pd.array(values, dtype="Int64")
        elif isinstance(kind, Float):
            data[name] = pd.array(values, dtype="Float64")
        elif isinstance(kind, Boolean):
            data[name] = pd.array(values, dtype="boolean")
        else:
            data[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
