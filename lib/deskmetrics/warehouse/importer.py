"""Load a directory of canonical CSV files (or frames) into the warehouse in one transaction."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from deskmetrics.config import Settings
from deskmetrics.errors import InputError
from deskmetrics.schema import tables as t
from deskmetrics.schema.business_tables import BUSINESS_TABLES
from deskmetrics.schema.contract import BUSINESS_CONTRACTS, CONTRACTS, LOAD_ORDER
from deskmetrics.schema.parse import read_contract_file
from deskmetrics.schema.sentiment import sentiment
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.facts import facts_are_current, refresh_facts
from deskmetrics.warehouse.load import ensure_schema, upsert

log = logging.getLogger(__name__)
TABLES = {table.name: table for table in (*t.CANONICAL_TABLES, *BUSINESS_TABLES)}


@dataclass
class ImportSummary:
    """What one import wrote, for the CLI to print and tests to check."""

    rows: dict[str, int] = field(default_factory=dict)
    duplicate_ticket_ids: int = 0
    facts_refreshed: int = 0


def read_csv_dir(directory: Path, settings: Settings) -> dict[str, pd.DataFrame]:
    """Parse every contract file present; any bad cell raises InputError before anything loads.

    tickets.csv is required unless the directory holds business files (agreements.csv ...),
    which load on their own.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory of CSV files")
    present = [n for n in LOAD_ORDER if (directory / CONTRACTS[n].filename).exists()]
    business = any(n in BUSINESS_CONTRACTS for n in present)
    for name in LOAD_ORDER:
        contract = CONTRACTS[name]
        if contract.mandatory and name not in present and not business:
            raise InputError(
                f"{contract.filename} is required in {directory} unless it holds business "
                "files (agreements.csv, revenue_lines.csv ...)",
                file=contract.filename,
            )
    return {
        name: read_contract_file(
            directory / CONTRACTS[name].filename, CONTRACTS[name], settings.zone
        )
        for name in present
    }


def import_frames(
    warehouse: Warehouse,
    frames: dict[str, pd.DataFrame],
    settings: Settings,
    *,
    source: str = "csv",
    progress: bool = False,
) -> ImportSummary:
    """Upsert the frames, then rebuild facts for the tickets they touch; all or nothing.

    Business frames alone (agreements, revenue lines ...) leave the ticket facts as they are.
    """
    summary = ImportSummary()
    frames = dict(frames)
    if "tickets" in frames:
        summary.duplicate_ticket_ids = int(frames["tickets"]["ticket_id"].duplicated().sum())
    if "surveys" in frames:
        frames["surveys"] = frames["surveys"].assign(
            sentiment=sentiment(frames["surveys"]["scale"], frames["surveys"]["rating"])
        )
    steps = [n for n in LOAD_ORDER if n in frames]
    with warehouse.writing() as conn:
        ensure_schema(conn)
        full_refresh = not facts_are_current(conn, settings)
        bar = tqdm(steps, desc="loading", unit="table", disable=not progress)
        for name in bar:
            bar.set_postfix_str(name)
            summary.rows[name] = upsert(conn, TABLES[name], frames[name])
        touched = _touched_tickets(frames)
        business_only = all(name in BUSINESS_CONTRACTS for name in steps)
        if not business_only and (full_refresh or touched is not None):
            summary.facts_refreshed = refresh_facts(
                conn, settings, None if full_refresh else touched
            )
        _record_sync(conn, source, summary)
    return summary


def import_csv_dir(
    warehouse: Warehouse, directory: Path, settings: Settings, *, progress: bool = False
) -> ImportSummary:
    frames = read_csv_dir(directory, settings)
    return import_frames(warehouse, frames, settings, source="csv", progress=progress)


def _touched_tickets(frames: dict[str, pd.DataFrame]) -> pd.Series | None:
    # facts depend on the ticket, its history, its conversation and its time
    sources = ("tickets", "status_changes", "ticket_events", "time_entries")
    ids = [frames[n]["ticket_id"] for n in sources if n in frames]
    return pd.concat(ids, ignore_index=True).dropna().drop_duplicates() if ids else None


def _record_sync(conn, source: str, summary: ImportSummary) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "source": source,
            "stream": name,
            "cursor": None,
            "last_success_at": now,
            "rows_loaded": count,
            "detail": json.dumps(
                {"duplicate_ids": summary.duplicate_ticket_ids} if name == "tickets" else {}
            ),
        }
        for name, count in summary.rows.items()
    ]
    if rows:
        upsert(conn, t.sync_state, pd.DataFrame(rows))


def import_export_dir(
    warehouse: Warehouse,
    directory: Path,
    mapping_file: Path,
    settings: Settings,
    *,
    progress: bool = False,
) -> ImportSummary:
    """Import a PSA's own CSV export through a mapping file (see parameters/mappings/)."""
    import tempfile

    from deskmetrics.schema.export_mapping import apply_mapping, load_mapping

    mapping = load_mapping(mapping_file)
    with tempfile.TemporaryDirectory(prefix="deskmetrics-export-") as tmp:
        apply_mapping(Path(directory), mapping, Path(tmp))
        try:
            frames = read_csv_dir(Path(tmp), settings)
        except InputError as exc:
            raise _in_export_terms(exc, mapping) from None
    return import_frames(warehouse, frames, settings, source=mapping.psa, progress=progress)


def _in_export_terms(exc: InputError, mapping) -> InputError:
    """Name the export's own file and column, so the user can find the cell."""
    name = (exc.file or "").removesuffix(".csv")
    spec = mapping.files.get(name)
    if spec is None:
        return exc
    column = spec.columns.get(exc.column or "", exc.column)
    detail = str(exc).split(": ", 1)[-1]
    mapped = f" (mapped to {exc.column})" if exc.column else ""
    return InputError(f"{detail}{mapped}", file=spec.file, row=exc.row, column=column)
