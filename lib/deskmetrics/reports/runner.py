"""Execute tab notebooks with papermill and convert them to self-contained HTML in reports/."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from deskmetrics.config import PROJECT_ROOT
from deskmetrics.reports.html import export_html
from deskmetrics.reports.kernel import kernel_environment

log = logging.getLogger(__name__)

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
TABS = (
    "dashboard",
    "service_quality",
    "help_desk",
    "customer_experience",
    "health",
    "business",
)


def render_tab(
    tab: str,
    output_dir: Path | None = None,
    *,
    parameters: dict | None = None,
    kernel_name: str = "python3",
) -> Path:
    """Run one tab notebook statically; returns the HTML path (the .ipynb sits beside it)."""
    import papermill as pm

    output_dir = Path(output_dir or REPORTS_DIR)
    output_dir.mkdir(parents=True, exist_ok=True)
    params = {k: v for k, v in (parameters or {}).items() if v not in (None, "")}
    warehouse = params.pop("warehouse", None)  # through the environment: it may hold a password
    params["static"] = True
    if tab != "dashboard":
        # each panel's CSV lands in <tab>_files/ beside the HTML, which links to it
        params["export_dir"] = str((output_dir / f"{tab}_files").resolve())
    executed = output_dir / f"{tab}.ipynb"
    with kernel_environment(DESKMETRICS_WAREHOUSE=warehouse):
        pm.execute_notebook(
            str(NOTEBOOKS_DIR / f"{tab}.ipynb"),
            str(executed),
            parameters=params,
            kernel_name=kernel_name,
            progress_bar=False,
            cwd=str(PROJECT_ROOT),
        )
    # plotly.js inline and no CDN scripts: the page opens offline
    html = export_html(executed, output_dir / f"{tab}.html", tab.replace("_", " ").title())
    manifest = {
        "tab": tab,
        "parameters": params,
        "rendered_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (output_dir / f"{tab}.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return html


def render_tabs(
    output_dir: Path | None = None,
    *,
    warehouse: str | None = None,
    config: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> list[Path]:
    params = {"warehouse": warehouse, "config": config, "date_from": date_from, "date_to": date_to}
    available = [t for t in TABS if (NOTEBOOKS_DIR / f"{t}.ipynb").exists()]
    return [render_tab(tab, output_dir, parameters=params) for tab in available]
