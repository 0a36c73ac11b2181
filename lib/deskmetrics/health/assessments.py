"""Assessment results from a CSV file: the latest score of an assessment per client can fill a
health metric. The file loads whole or not at all; every bad row is named."""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, select

from deskmetrics.errors import InputError
from deskmetrics.health.audit import record, utc_now
from deskmetrics.schema.health_tables import assessment_results
from deskmetrics.schema.tables import clients
from deskmetrics.warehouse.load import upsert

REQUIRED = ("assessment", "client_id", "assessed_at", "score")
MAX_LISTED = 10


def read_assessment_csv(path: Path, known_clients: set[str], zone: tzinfo) -> pd.DataFrame:
    """The file's rows, checked: [assessment, client_id, assessed_at (naive UTC), score].

    A date or a time without an offset is local to ``zone`` (the MSP's time zone), as in the
    canonical CSV contract, so a result dated D counts from the start of local day D."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read assessment results: {exc}", file=str(path)) from None
    raw.columns = [c.strip() for c in raw.columns]
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; expected {', '.join(REQUIRED)}",
            file=str(path),
        )
    problems: list[str] = []
    rows = []
    for index, row in raw.iterrows():
        number = index + 2  # the header is line 1
        assessment, client = row["assessment"].strip(), row["client_id"].strip()
        if not assessment:
            problems.append(f"row {number}: assessment is empty")
        if not client:
            problems.append(f"row {number}: client_id is empty")
        elif client not in known_clients:
            problems.append(f"row {number}: client {client!r} is not in the warehouse")
        at = _instant(row["assessed_at"], zone)
        if at is None:
            problems.append(
                f"row {number}: assessed_at {row['assessed_at']!r} is not a date (YYYY-MM-DD)"
            )
        score = pd.to_numeric(row["score"].strip() or None, errors="coerce")
        if pd.isna(score) or score < 0:
            problems.append(f"row {number}: score {row['score']!r} is not a number of 0 or more")
        rows.append((assessment, client, at, score))
    if problems:
        shown = problems[:MAX_LISTED]
        more = len(problems) - len(shown)
        raise InputError(
            "nothing imported:\n  "
            + "\n  ".join(shown)
            + (f"\n  … and {more} more problem(s)" if more else ""),
            file=str(path),
        )
    frame = pd.DataFrame(rows, columns=list(REQUIRED))
    frame["assessed_at"] = pd.to_datetime(frame["assessed_at"], utc=True).dt.tz_localize(None)
    return frame


def _instant(text: str, zone: tzinfo) -> pd.Timestamp | None:
    at = pd.to_datetime(text.strip() or None, errors="coerce")
    if pd.isna(at):
        return None
    if at.tzinfo is None:  # the earlier of an ambiguous hour; a skipped one moves on
        at = at.tz_localize(zone, ambiguous=False, nonexistent="shift_forward")
    return at.tz_convert("UTC")


def import_assessments(conn: Connection, path: Path, actor: str, zone: tzinfo) -> int:
    """Load the file inside the caller's transaction (idempotent by assessment, client and
    date) and audit the import; returns the rows loaded."""
    known = {r[0] for r in conn.execute(select(clients.c.client_id))}
    frame = read_assessment_csv(path, known, zone)
    frame["imported_at"] = utc_now()
    count = upsert(conn, assessment_results, frame)
    record(
        conn,
        actor,
        "assessments.import",
        path.name,
        after={"rows": count, "assessments": sorted(frame["assessment"].unique())},
    )
    return count
