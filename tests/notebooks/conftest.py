"""A small warehouse the notebooks can run against, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskmetrics.cli import main

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture(scope="session")
def notebook_warehouse(tmp_path_factory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("nb")
    url = f"duckdb:///{folder / 'warehouse.duckdb'}"
    config = str(FIXTURES / "dashboard_small" / "config.yml")
    assert (
        main(
            [
                "import-csv",
                str(FIXTURES / "dashboard_small"),
                "--warehouse",
                url,
                "--config",
                config,
            ]
        )
        == 0
    )
    return url, config
