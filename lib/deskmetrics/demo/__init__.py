"""Demo data for deskmetrics: a deterministic, realistic MSP help desk to try everything on."""

from __future__ import annotations

from deskmetrics.demo.generator import FRAME_COLUMNS, generate, write_csv

__all__ = ["FRAME_COLUMNS", "generate", "write_csv"]
