"""A real app server for dashboard tests (the browser fixture is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from serving_app import app_environment, start_app, stop_app


@pytest.fixture
def voila_server(tmp_path):
    """Start the guarded app (`deskmetrics serve`) for a warehouse URL and config; yields a
    starter returning the base URL. Pages authenticate with ``STAFF_HEADERS``."""
    running = []

    def start(warehouse_url: str, config: Path, pool_size: int = 0, **extra_env: str) -> str:
        env = app_environment(warehouse_url, config, tmp_path / "access.sqlite") | extra_env
        proc, log, base = start_app(env, tmp_path / f"app-{len(running)}.log", pool_size)
        running.append((proc, log))
        return base

    yield start
    for proc, log in running:
        stop_app(proc, log)
