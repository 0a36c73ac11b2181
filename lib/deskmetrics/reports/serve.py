"""Serve the tab notebooks as one Voilà app."""

from __future__ import annotations

import os
import subprocess
import sys

from deskmetrics.config import PROJECT_ROOT
from deskmetrics.warehouse.engine import ENV_VAR, resolve_url


def voila_command(port: int, host: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable,
        "-m",
        "voila",
        str(PROJECT_ROOT / "notebooks"),
        f"--port={port}",
        f"--Voila.ip={host}",
        "--no-browser",
        "--MappingKernelManager.cull_idle_timeout=900",
        "--VoilaExecutor.timeout=120",
    ]


def serve(
    port: int = 8866,
    host: str = "127.0.0.1",
    warehouse: str | None = None,
    config: str | None = None,
) -> int:
    """Run Voilà in the foreground; kernels inherit the warehouse and config choice."""
    env = dict(os.environ)
    env[ENV_VAR] = resolve_url(warehouse)
    if config:
        env["DESKMETRICS_CONFIG"] = str(config)
    print(f"deskmetrics dashboards: http://{host}:{port}/voila/render/dashboard.ipynb", flush=True)
    return subprocess.call(voila_command(port, host), env=env, cwd=PROJECT_ROOT)
