"""Map a PSA's own CSV export (its column names and labels) onto the canonical contract.

For users without API access: a mapping file says which export file feeds which canonical
file, which export column feeds each canonical column, and how labels translate (priority
names to 1..4, export status labels to the names the status map knows). The mapped files are
written in the canonical shape and then imported exactly like hand-made canonical files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from deskmetrics.errors import ConfigError, InputError
from deskmetrics.schema.contract import CONTRACTS


class FileMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str  # the export's file name inside the directory
    columns: dict[str, str]  # canonical column -> export column
    values: dict[str, dict[str, str | int | float]] = Field(default_factory=dict)
    constants: dict[str, str | int | float] = Field(default_factory=dict)  # e.g. source: halo


class ExportMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    psa: str
    files: dict[str, FileMapping]  # canonical file name (tickets, surveys...) -> mapping


def load_mapping(path: str | Path) -> ExportMapping:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        mapping = ExportMapping.model_validate(raw)
    except FileNotFoundError:
        raise ConfigError(f"mapping file {path} does not exist") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"mapping file {path} is invalid: {exc}") from None
    for name, spec in mapping.files.items():
        if name not in CONTRACTS:
            raise ConfigError(
                f"{path}: files.{name} is not a canonical file; use {', '.join(CONTRACTS)}"
            )
        unknown = set(spec.columns) - set(CONTRACTS[name].columns)
        if unknown:
            raise ConfigError(
                f"{path}: files.{name}.columns has unknown canonical column(s) {sorted(unknown)}"
            )
    return mapping


def apply_mapping(source_dir: Path, mapping: ExportMapping, target_dir: Path) -> None:
    """Write canonical CSV files into ``target_dir`` from the export in ``source_dir``."""
    target_dir.mkdir(parents=True, exist_ok=True)
    for name, spec in mapping.files.items():
        path = Path(source_dir) / spec.file
        if not path.exists():
            if CONTRACTS[name].mandatory:
                raise InputError(
                    f"the export file {spec.file} (mapped to {name}.csv) is missing", file=spec.file
                )
            continue
        export = pd.read_csv(path, dtype=str, keep_default_na=False)
        export.columns = [c.strip() for c in export.columns]
        out = pd.DataFrame(index=export.index)
        for canonical, column in spec.columns.items():
            if column not in export.columns:
                raise InputError(
                    f"column {column!r} named in the mapping is not in the export (it has: "
                    f"{', '.join(export.columns)})",
                    file=spec.file,
                    row=1,
                    column=column,
                )
            values = export[column].str.strip()
            if canonical in spec.values:
                table = {str(k): str(v) for k, v in spec.values[canonical].items()}
                values = values.map(lambda v, t=table: t.get(v, v))
            out[canonical] = values
        for canonical, value in spec.constants.items():
            out[canonical] = str(value)
        out.to_csv(target_dir / f"{name}.csv", index=False)
