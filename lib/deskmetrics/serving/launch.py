"""`deskmetrics serve`: the settings, secrets and Voilà options of the stakeholder app."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from traitlets.config import Config

from deskmetrics.access.keys import SECRET_ENV, STAFF_TOKEN_ENV, staff_token
from deskmetrics.access.store import AccessStore
from deskmetrics.config import PROJECT_ROOT
from deskmetrics.ui.plotly_assets import BUNDLE_ADDRESS
from deskmetrics.warehouse.engine import ENV_VAR, resolve_url

TOKEN_FILE = PROJECT_ROOT / "data" / "staff-token"
PAGE_EXTENSIONS = (
    "@jupyter-widgets/jupyterlab-manager",
    "@voila-dashboards/widgets-manager8",
    "anywidget",
)
# A taken kernel is replaced after this long: sooner, the new kernel (seconds of CPU to start
# and build its page) competes with the browser drawing the page that took the old one.
REFILL_DELAY_SECONDS = 5.0
SETUP_TAG = "page-setup"  # the tab notebooks' first code cell, where a pooled kernel waits


def cell_timeout(seconds: int):
    """Every cell may run ``seconds``, except a tab's setup cell: in a pooled kernel it waits,
    for as long as it takes, until its page is asked for."""

    def timeout_for(cell) -> int | None:
        return None if SETUP_TAG in cell.get("metadata", {}).get("tags", []) else seconds

    return timeout_for


def voila_config(pool_size: int, cull_minutes: int, timeout_seconds: int) -> Config:
    """Preheated pools for the tab notebooks (not the report notebooks), culling, timeouts."""
    config = Config()
    config.VoilaConfiguration.preheat_kernel = True
    config.VoilaConfiguration.default_pool_size = pool_size
    config.VoilaConfiguration.show_tracebacks = False
    # who asked (set by the guard) and, behind a TLS proxy, the scheme the browser used
    config.VoilaConfiguration.http_header_envs = [
        "X-Deskmetrics-User",
        "X-Deskmetrics-Viewer",
        "X-Forwarded-Proto",
    ]
    # only the widget extensions the pages use: jupyterlab-plotly would load a second 4.8 MB
    # copy of plotly.js into every page (the charts bring their own: see ui.plotly_assets)
    config.VoilaConfiguration.extension_allowlist = list(PAGE_EXTENSIONS)
    config.VoilaConfiguration.extension_denylist = []
    config.VoilaConfiguration.resources = {"plotly_module": BUNDLE_ADDRESS}  # see templates/
    config.VoilaKernelManager.kernel_pools_config = {"default": {"pool_size": pool_size}}
    config.VoilaKernelManager.preheat_denylist = ["reports/"]
    config.VoilaKernelManager.fill_delay = REFILL_DELAY_SECONDS
    config.MappingKernelManager.cull_idle_timeout = cull_minutes * 60
    config.MappingKernelManager.cull_interval = 60
    config.MappingKernelManager.cull_connected = True  # a forgotten browser tab frees its kernel
    config.VoilaExecutor.timeout = timeout_seconds
    config.VoilaExecutor.timeout_func = cell_timeout(timeout_seconds)
    config.KernelManager.transport = "ipc"  # kernels on Unix sockets, not loopback ports
    config.Voila.port_retries = 0  # the address given, or a clear failure
    return config


def serve_command(
    port: int, host: str = "127.0.0.1", pool_size: int = 1, behind_proxy: bool = False
) -> list[str]:
    """The command line that runs the app in its own process (tests and benchmarks)."""
    return [
        sys.executable,
        "-c",
        "import sys; from deskmetrics.cli import main; sys.exit(main(sys.argv[1:]))",
        "serve",
        f"--port={port}",
        f"--host={host}",
        f"--pool-size={pool_size}",
        *(["--behind-proxy"] if behind_proxy else []),
    ]


def _prepare_environment(host: str, warehouse: str | None, config: str | None) -> list[str]:
    """Kernels inherit this process's environment: point them at the warehouse and keys."""
    notes = []
    os.environ[ENV_VAR] = resolve_url(warehouse)
    if config:
        os.environ["DESKMETRICS_CONFIG"] = str(Path(config).resolve())
    os.environ["DESKMETRICS_KERNEL_KEY"] = secrets.token_urlsafe(32)
    # where pooled kernels reach the app for their page address
    if host in ("0.0.0.0", "", "::"):
        os.environ["VOILA_APP_IP"] = "127.0.0.1" if host != "::" else "[::1]"
    else:
        os.environ["VOILA_APP_IP"] = f"[{host}]" if ":" in host else host
    if len(os.environ.get(SECRET_ENV, "")) < 32:
        os.environ[SECRET_ENV] = secrets.token_urlsafe(48)
        notes.append(
            f"${SECRET_ENV} is not set: using a key for this run only, so logins and client "
            "links end when the app stops. Set it to keep them across restarts."
        )
    if staff_token() is None and not AccessStore().staff():
        token = secrets.token_urlsafe(24)
        os.environ[STAFF_TOKEN_ENV] = token
        TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
        TOKEN_FILE.touch(mode=0o600)
        TOKEN_FILE.write_text(token + "\n")
        notes.append(
            f"no staff login exists: a staff token for this run is in {TOKEN_FILE} (open "
            "/login?token=<it>); add logins with `deskmetrics staff add NAME`"
        )
    return notes


def serve(
    port: int = 8866,
    host: str = "127.0.0.1",
    warehouse: str | None = None,
    config: str | None = None,
    pool_size: int = 1,
    cull_minutes: int = 30,
    timeout_seconds: int = 120,
    behind_proxy: bool = False,
) -> int:
    """Run the app in the foreground until Ctrl-C or SIGTERM (kernels are shut down)."""
    from deskmetrics.serving.app import DeskmetricsVoila

    for note in _prepare_environment(host, warehouse, config):
        print(f"deskmetrics: {note}", file=sys.stderr, flush=True)
    print(f"deskmetrics dashboards: http://{host}:{port}/", flush=True)
    argv = [str(PROJECT_ROOT / "notebooks"), f"--port={port}", f"--Voila.ip={host}", "--no-browser"]
    settings = voila_config(pool_size, cull_minutes, timeout_seconds)
    settings.DeskmetricsVoila.behind_proxy = behind_proxy
    DeskmetricsVoila.launch_instance(argv=argv, config=settings)
    return 0
