"""Turn one CSV file of the canonical contract into a typed frame, or fail naming the cell.

Everything is read as text first so that an unparseable value can be reported with its file,
row and column instead of being silently coerced to a missing value.
"""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa

from deskmetrics.errors import InputError
from deskmetrics.schema.contract import EVENT_KINDS, SURVEY_SCALES, FileContract

# an offset only counts after a time of day, so a bare date such as 2024-12-03 stays local
_HAS_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.I)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d")
DATE_DTYPE = pd.ArrowDtype(pa.date32())
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def read_contract_file(path: Path, contract: FileContract, zone: ZoneInfo) -> pd.DataFrame:
    """Read and type a CSV; naive timestamps are local time in ``zone``; instants become UTC."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot be read as CSV: {exc}", file=path.name) from None
    except pd.errors.EmptyDataError:
        raise InputError("is empty; it needs at least a header row", file=path.name) from None
    raw.columns = [c.strip() for c in raw.columns]
    for column in contract.required:
        if column not in raw.columns:
            raise InputError(
                f"required column is missing (the header has: {', '.join(raw.columns)})",
                file=path.name,
                row=1,
                column=column,
            )
    typed = {}
    for column, kind in contract.columns.items():
        if column not in raw.columns:
            continue
        text = raw[column].str.strip()
        missing = text.eq("")
        if column in contract.required and missing.any():
            raise _cell_error(path, raw, missing, column, "is empty but required")
        parser = _enumerated if isinstance(kind, tuple) else _PARSERS[kind]
        typed[column] = parser(text, missing, zone, path, raw, column, kind)
    frame = pd.DataFrame(typed, index=raw.index)
    if "rating" in frame and "scale" in frame:
        _check_ratings(frame, path, raw)
    return frame


def _cell_error(path: Path, raw: pd.DataFrame, bad: pd.Series, column: str, why: str) -> InputError:
    position = int(np.flatnonzero(bad.to_numpy())[0])
    value = raw[column].iloc[position]
    # data row N is line N+1 because of the header
    return InputError(
        f"{value!r} {why} (line {position + 2})", file=path.name, row=position + 1, column=column
    )


def _text(text, missing, zone, path, raw, column, kind) -> pd.Series:
    values = np.where(missing.to_numpy(), None, text.to_numpy(dtype=object))
    return pd.Series(values, index=text.index, dtype=object)


def _instant(text, missing, zone, path, raw, column, kind) -> pd.Series:
    aware = text.str.contains(_HAS_OFFSET) & ~missing
    naive = ~aware & ~missing
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
    if naive.any():
        local = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        # a local time in the autumn overlap takes its first occurrence; one in the spring
        # gap moves to the first valid instant after it (metrics reference 1.4)
        out[naive] = local.dt.tz_localize(
            zone, ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward"
        ).dt.tz_convert("UTC")
    bad = out.isna() & ~missing
    if bad.any():
        raise _cell_error(
            path, raw, bad, column, "is not an ISO 8601 timestamp such as 2025-03-04T09:30:00Z"
        )
    return out


def _date(text, missing, zone, path, raw, column, kind) -> pd.Series:
    shaped = text.str.fullmatch(_DATE)
    stamp = ~missing & ~shaped & text.str.match(_TIMESTAMP)
    if stamp.any():
        raise _cell_error(
            path, raw, stamp, column, "is a timestamp, not a date; write the day as YYYY-MM-DD"
        )
    days = pd.to_datetime(text.where(shaped, None), format="%Y-%m-%d", errors="coerce")
    bad = days.isna() & ~missing
    if bad.any():
        raise _cell_error(path, raw, bad, column, "is not a date YYYY-MM-DD such as 2025-03-04")
    return days.astype("datetime64[s]").astype(DATE_DTYPE)


def _number(text, missing, *, integer: bool):
    values = pd.to_numeric(text.where(~missing, None), errors="coerce")
    bad = values.isna() & ~missing
    if integer:
        bad |= values.notna() & (values % 1 != 0)
    return values, bad


def _float(text, missing, zone, path, raw, column, kind) -> pd.Series:
    values, bad = _number(text, missing, integer=False)
    if bad.any():
        raise _cell_error(path, raw, bad, column, "is not a number")
    return values.astype("Float64")


_LIMITS = {
    "amount": (0.0, None, "is a negative amount; only revenue lines may be negative (credits)"),
    "hours": (0.0, None, "is negative; hours cannot be"),
    "percent": (0.0, 100.0, "is not a percentage from 0 to 100"),
}


def _bounded(text, missing, zone, path, raw, column, kind) -> pd.Series:
    values = _float(text, missing, zone, path, raw, column, kind)
    low, high, why = _LIMITS[kind]
    bad = (values < low).fillna(False)
    if high is not None:
        bad |= (values > high).fillna(False)
    if bad.any():
        raise _cell_error(path, raw, bad, column, why)
    return values


def _count(text, missing, zone, path, raw, column, kind) -> pd.Series:
    values = _int(text, missing, zone, path, raw, column, kind)
    bad = (values < 0).fillna(False)
    if bad.any():
        raise _cell_error(path, raw, bad, column, "is negative; a count cannot be")
    return values


def _int(text, missing, zone, path, raw, column, kind) -> pd.Series:
    values, bad = _number(text, missing, integer=True)
    if bad.any():
        raise _cell_error(path, raw, bad, column, "is not a whole number")
    return values.astype("Int64")


def _priority(text, missing, zone, path, raw, column, kind) -> pd.Series:
    values, bad = _number(text, missing, integer=True)
    bad |= values.notna() & ~values.isin([1, 2, 3, 4])
    if bad.any():
        raise _cell_error(path, raw, bad, column, "is not a priority 1 (highest) to 4")
    return values.astype("Int64")


def _bool(text, missing, zone, path, raw, column, kind) -> pd.Series:
    lowered = text.str.lower()
    bad = ~missing & ~lowered.isin(_TRUE | _FALSE)
    if bad.any():
        raise _cell_error(path, raw, bad, column, "is not true/false")
    return lowered.map(lambda v: True if v in _TRUE else (False if v in _FALSE else None)).astype(
        "boolean"
    )


def _scale(text, missing, zone, path, raw, column, kind) -> pd.Series:
    lowered = text.str.lower()
    bad = ~missing & ~lowered.isin(list(SURVEY_SCALES))
    if bad.any():
        raise _cell_error(
            path, raw, bad, column, f"is not a survey scale ({', '.join(SURVEY_SCALES)})"
        )
    return lowered.astype(object)


def _event_kind(text, missing, zone, path, raw, column, kind) -> pd.Series:
    lowered = text.str.lower()
    bad = ~missing & ~lowered.isin(list(EVENT_KINDS))
    if bad.any():
        raise _cell_error(
            path, raw, bad, column, f"is not an event kind ({', '.join(EVENT_KINDS)})"
        )
    return lowered.astype(object)


def _enumerated(text, missing, zone, path, raw, column, kind) -> pd.Series:
    """A column with a fixed set of values, matched ignoring case."""
    lowered = text.str.lower()
    bad = ~missing & ~lowered.isin(list(kind))
    if bad.any():
        raise _cell_error(path, raw, bad, column, f"is not one of {', '.join(kind)}")
    return pd.Series(
        np.where(missing.to_numpy(), None, lowered.to_numpy(dtype=object)),
        index=text.index,
        dtype=object,
    )


def _check_ratings(frame: pd.DataFrame, path: Path, raw: pd.DataFrame) -> None:
    allowed = frame["scale"].map(SURVEY_SCALES)
    ok = [r in a for r, a in zip(frame["rating"].astype(float), allowed, strict=True)]
    bad = ~pd.Series(ok, index=frame.index)
    if bad.any():
        scale = frame["scale"][bad].iloc[0]
        values = ", ".join(f"{v:g}" for v in SURVEY_SCALES[scale])
        raise _cell_error(path, raw, bad, "rating", f"is not a valid {scale} rating ({values})")


_PARSERS = {
    "text": _text,
    "instant": _instant,
    "date": _date,
    "float": _float,
    "amount": _bounded,
    "hours": _bounded,
    "percent": _bounded,
    "int": _int,
    "count": _count,
    "priority": _priority,
    "bool": _bool,
    "scale": _scale,
    "event_kind": _event_kind,
}
