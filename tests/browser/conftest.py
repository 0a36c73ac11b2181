"""A real Voilà server and a real headless Chromium (Debian's), for dashboard tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from deskmetrics.reports.printer import CHROMIUM_ARGS  # one set of flags for every Chromium
from deskmetrics.reports.serve import voila_command

CHROMIUM = os.environ.get("DESKMETRICS_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    """Start Voilà on a free port for a given warehouse URL and config; yields a starter."""
    processes = []

    def start(warehouse_url: str, config: Path) -> str:
        port = _free_port()
        env = dict(os.environ, DESKMETRICS_WAREHOUSE=warehouse_url, DESKMETRICS_CONFIG=str(config))
        log = open(tmp_path / f"voila-{port}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(voila_command(port), env=env, stdout=log, stderr=subprocess.STDOUT)
        processes.append((proc, log))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/voila/api/shutdown", timeout=1).status_code < 600:
                    return base
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError(f"Voilà did not start; see {log.name}")

    yield start
    for proc, log in processes:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
