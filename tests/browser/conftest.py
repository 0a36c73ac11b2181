"""A real Voilà server and a real headless Chromium (Debian's), for dashboard tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from serving_app import app_environment, start_app, stop_app

from deskmetrics.reports.printer import CHROMIUM_ARGS  # one set of flags for every Chromium

CHROMIUM = os.environ.get("DESKMETRICS_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if IN_CI:
            pytest.fail(f"Chromium is required in CI but missing at {CHROMIUM}")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def voila_server(tmp_path):
    """Start the guarded app (`deskmetrics serve`) for a warehouse URL and config; yields a
    starter returning the base URL. Pages authenticate with ``STAFF_HEADERS``."""
    running = []

    def start(warehouse_url: str, config: Path, pool_size: int = 0) -> str:
        env = app_environment(warehouse_url, config, tmp_path / "access.sqlite")
        proc, log, base = start_app(env, tmp_path / f"app-{len(running)}.log", pool_size)
        running.append((proc, log))
        return base

    yield start
    for proc, log in running:
        stop_app(proc, log)
