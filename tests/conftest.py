"""Shared fixtures: a warehouse URL for each supported dialect, and the small hand-made MSP."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

FIXTURES = Path(__file__).parent / "fixtures"
PG_ADMIN_URL = os.environ.get(
    "DESKMETRICS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("DESKMETRICS_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's) for the whole run: Playwright's sync API allows one
    per thread, so every test that needs a browser shares this one."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if IN_CI:
            pytest.fail(f"Chromium is required in CI but missing at {CHROMIUM}")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from deskmetrics.reports.printer import CHROMIUM_ARGS  # one set of flags for every Chromium

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _pg_admin():
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except OperationalError as exc:
        engine.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    return engine


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin = _pg_admin()
    name = f"dm_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["duckdb", "sqlite", "postgresql"])
def warehouse_url(request, tmp_path):
    """The same test against every supported warehouse."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def small_msp(tmp_path) -> Path:
    """A copy of the hand-computed MSP (see tests/fixtures/dashboard_small/README.md)."""
    target = tmp_path / "small_msp"
    shutil.copytree(FIXTURES / "dashboard_small", target)
    return target


@pytest.fixture
def small_config() -> Path:
    return FIXTURES / "dashboard_small" / "config.yml"


@pytest.fixture
def small_session(tmp_path, small_msp, small_config):
    """The hand-computed MSP imported into a fresh DuckDB warehouse, as a Session."""
    from deskmetrics.cli import main
    from deskmetrics.session import Session

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    args = ["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]
    assert main(args) == 0
    return Session(url, small_config)


def _manager_report(url: str):
    """help_desk_small with the Manager report's additions imported on top, as a Session."""
    from deskmetrics.cli import main
    from deskmetrics.session import Session

    config = FIXTURES / "help_desk_small" / "config.yml"
    for part in ("help_desk_small", "report_manager"):
        command = ["import-csv", str(FIXTURES / part), "--warehouse", url, "--config", str(config)]
        assert main(command) == 0
    return Session(url, config)


@pytest.fixture(scope="session")
def manager_report(tmp_path_factory):
    """The hand-computed Manager report warehouse (tests/fixtures/report_manager/README.md)."""
    return _manager_report(f"duckdb:///{tmp_path_factory.mktemp('manager_report') / 'w.duckdb'}")


@pytest.fixture
def manager_report_on(warehouse_url):
    """The same warehouse on each supported dialect."""
    return _manager_report(warehouse_url)
