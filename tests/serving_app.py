"""Credentials and start-up of the guarded app for browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx

from deskmetrics.serving import serve_command

SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
STAFF_TOKEN = "test-staff-token-0123456789"
STAFF_HEADERS = {"Authorization": f"token {STAFF_TOKEN}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(warehouse_url: str, config: Path, access_db: Path) -> dict[str, str]:
    return dict(
        os.environ,
        DESKMETRICS_WAREHOUSE=warehouse_url,
        DESKMETRICS_CONFIG=str(config),
        DESKMETRICS_SECRET_KEY=SECRET_KEY,
        DESKMETRICS_STAFF_TOKEN=STAFF_TOKEN,
        DESKMETRICS_ACCESS_DB=f"sqlite:///{access_db}",
    )


def start_app(env: dict[str, str], log_path: Path, pool_size: int = 0, behind_proxy: bool = False):
    """Start `deskmetrics serve`; returns (process, log file, base URL) once it answers."""
    port = free_port()
    log = open(log_path, "w")  # noqa: SIM115
    proc = subprocess.Popen(
        serve_command(port, pool_size=pool_size, behind_proxy=behind_proxy),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            httpx.get(f"{base}/login", timeout=1)
            return proc, log, base
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    log.close()
    raise RuntimeError(f"the app did not start; see {log_path}:\n{log_path.read_text()[-3000:]}")


def stop_app(proc: subprocess.Popen, log) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
