"""Parameters from the Voilà page address (``?board=Help%20Desk&date_from=2026-01-01``)."""

from __future__ import annotations

import os
from urllib.parse import parse_qs


def query_overrides(allowed: tuple[str, ...], query_string: str | None = None) -> dict[str, str]:
    """Known keys from the query string; unknown ones are ignored, never executed."""
    raw = os.environ.get("QUERY_STRING", "") if query_string is None else query_string
    parsed = parse_qs(raw, keep_blank_values=True)
    return {key: values[-1] for key, values in parsed.items() if key in allowed}
