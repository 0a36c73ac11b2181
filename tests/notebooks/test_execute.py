"""Notebooks run: papermill renders the static report; nbval runs them as analysts would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from deskmetrics.reports.runner import render_tab

pytestmark = pytest.mark.notebook
ROOT = Path(__file__).parents[2]


def error_outputs(executed) -> list:
    """Every error output of an executed notebook's code cells."""
    return [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def test_papermill_renders_the_dashboard_report(notebook_warehouse, tmp_path):
    url, config = notebook_warehouse
    html = render_tab(
        "dashboard",
        tmp_path,
        parameters={
            "warehouse": url,
            "config": config,
            "date_from": "2024-12-02",
            "date_to": "2024-12-06",
            "board": "Help Desk",
        },
    )
    executed = nbformat.read(tmp_path / "dashboard.ipynb", as_version=4)
    assert not error_outputs(executed)
    page = html.read_text()
    # the hand-computed values for board Help Desk (tests/fixtures/dashboard_small/README.md)
    assert 'data-metric="open_tickets" data-value="1.0"' in page
    assert 'data-metric="tickets_outside_resolution_sla" data-value="2.0"' in page
    assert "Ticket Status Confidence" in page
    assert "plotly" in page and "Tickets created and resolved" in page
    assert json.loads((tmp_path / "dashboard.json").read_text())["parameters"]["board"] == (
        "Help Desk"
    )


def test_nbval_runs_every_notebook(notebook_warehouse, tmp_path):
    url, config = notebook_warehouse
    env = dict(os.environ, DESKMETRICS_WAREHOUSE=url, DESKMETRICS_CONFIG=config)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            str(ROOT / "notebooks"),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout and "failed" not in proc.stdout


@pytest.mark.parametrize("tab", ["service_quality", "help_desk", "customer_experience"])
def test_papermill_renders_each_tab_with_csv_files_beside_the_html(
    notebook_warehouse, tmp_path, tab
):
    from deskmetrics.panels import panels_for

    url, config = notebook_warehouse
    html = render_tab(
        tab,
        tmp_path,
        parameters={
            "warehouse": url,
            "config": config,
            "date_from": "2024-12-02",
            "date_to": "2024-12-06",
        },
    )
    executed = nbformat.read(tmp_path / f"{tab}.ipynb", as_version=4)
    assert not error_outputs(executed)
    page = html.read_text()
    for panel in panels_for(tab):
        assert f'class="dm-panel dm-panel-{panel.id}"' in page, panel.id
        csv = tmp_path / f"{tab}_files" / f"{panel.id}.csv"
        assert csv.exists(), panel.id
        assert f'href="{tab}_files/{panel.id}.csv"' in page
    assert 'class="dm-nav"' in page and 'href="dashboard.html"' in page


def test_papermill_renders_the_health_tab(tmp_path):
    """The static Health tab on health_small (tests/fixtures/health_small/README.md), with the
    period end that `deskmetrics render` passes every tab as the scoring day."""
    from health.health_small import CONFIG, EARLY, HEALTH_FILE, load_health_small

    url = f"duckdb:///{tmp_path / 'health.duckdb'}"
    load_health_small(url).snapshot(EARLY)
    out = tmp_path / "out"
    html = render_tab(
        "health",
        out,
        parameters={
            "warehouse": url,
            "config": str(CONFIG),
            "health_config": str(HEALTH_FILE),
            "date_from": "2025-03-01",
            "date_to": "2025-03-31",
        },
    )
    executed = nbformat.read(out / "health.ipynb", as_version=4)
    assert not error_outputs(executed)
    page = html.read_text()
    for name in ("Acme Dental", "Birch &amp; Co Accountants", "Cobalt Freight", "Dune Labs"):
        assert name in page, name
    for tier in ("Healthy", "Critical", "Insufficient data"):
        assert f">{tier}</span>" in page, tier
    assert 'data-client="C1" data-score="78.8" data-tier="Healthy"' in page
    assert 'data-client="C3" data-score="33.3" data-tier="Critical"' in page
    assert "Customer segments" in page and "plotly" in page
    assert 'class="dm-nav"' in page and 'href="dashboard.html"' in page
    csv = (out / "health_files" / "health_clients.csv").read_text()
    assert "C1,Acme Dental,78.8,Healthy,100.0,2025-03-01,53.3,25.5,up" in csv
    assert 'href="health_files/health_clients.csv"' in page


def test_papermill_renders_the_business_tab(tmp_path):
    """The static Business tab on business_kpis (tests/fixtures/business_kpis/README.md):
    every panel with its CSV beside the HTML, and the README's numbers in them."""
    from panels.test_business_fixture import CONFIG, DECEMBER, load_business

    from deskmetrics.panels import panels_for

    url = f"duckdb:///{tmp_path / 'business.duckdb'}"
    load_business(url)
    out = tmp_path / "out"
    html = render_tab(
        "business",
        out,
        parameters={
            "warehouse": url,
            "config": str(CONFIG),
            "date_from": DECEMBER[0],
            "date_to": DECEMBER[1],
        },
    )
    executed = nbformat.read(out / "business.ipynb", as_version=4)
    assert not error_outputs(executed)
    page = html.read_text()
    for panel in panels_for("business"):
        assert f'class="dm-panel dm-panel-{panel.id}"' in page, panel.id
        assert (out / "business_files" / f"{panel.id}.csv").exists(), panel.id
        assert f'href="business_files/{panel.id}.csv"' in page
    assert 'class="dm-nav"' in page and 'href="dashboard.html"' in page
    assert "Profitability by agreement" in page and "plotly" in page
    # T-BUS-1: A1's $3,000, $700 of tools and 20 hours give $115 an hour
    agreements = (out / "business_files" / "profitability_by_agreement.csv").read_text()
    assert (
        "Managed IT - Professional,A1,Acme Dental,3000.0,700.0,695.0,1605.0,53.5,20.0,0.0,115.0"
        in (agreements)
    )
    overdue = (out / "business_files" / "overdue_timesheets.csv").read_text()
    assert "Cal Novak,K3,2024-12-09,2024-12-15,16" in overdue
