"""Write demo frames as the project's canonical CSV files.

Format: one ``<name>.csv`` per frame, UTF-8, header row, ISO 8601 UTC timestamps with a ``Z``
suffix (``2025-03-04T14:05:00Z``), calendar days as ``2025-03-04``, empty fields for missing
values, booleans as true/false. The demo writes clients, contacts, technicians, tickets,
status_changes, time_entries (an empty ``ticket_id``: project or internal time), surveys and
ticket_events (an empty ``tech_id`` marks a customer message), then the business files:
agreements, revenue_lines, cost_rates, hard_costs, devices, projects, opportunities,
opportunity_stages and timesheets.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def _iso_utc(column: pd.Series) -> pd.Series:
    """Format a datetime column with Arrow (C++), far faster than per-value strftime."""
    # Naive columns are taken to be UTC already.
    utc = column.dt.tz_localize("UTC") if column.dt.tz is None else column.dt.tz_convert("UTC")
    seconds = pa.array(utc.dt.tz_localize(None).dt.floor("s").to_numpy("datetime64[s]"))
    text = pc.strftime(seconds, format=ISO_UTC)
    return pd.Series(pd.array(text, dtype="str"), index=column.index)


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for name, column in frame.items():
        if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
            column.dtype
        ):
            out[name] = _iso_utc(column)
        elif pd.api.types.is_bool_dtype(column.dtype):
            text = column.map({True: "true", False: "false"})
            out[name] = text.astype("str")
        else:
            out[name] = column
    return pd.DataFrame(out, index=frame.index)


def write_csv(frames: dict[str, pd.DataFrame], directory: Path) -> None:
    """Write each frame to ``directory/<name>.csv`` (the directory is created if missing)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        path = directory / f"{name}.csv"
        _csv_ready(frame).to_csv(path, index=False, na_rep="", lineterminator="\n")
