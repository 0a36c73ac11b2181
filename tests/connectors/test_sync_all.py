"""`deskmetrics sync --all` with one source down: the others still sync, the exit code says so."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deskmetrics.cli import main
from deskmetrics.schema.tables import sync_state, tickets
from deskmetrics.warehouse.engine import Warehouse
from fakes.connectwise import ENV, FakeConnectWise

WRONG_KEY_ENV = "CW_PRIVATE_KEY_REVOKED"


def connectwise_source(name: str, base_url: str, private_key_env: str) -> str:
    return (
        f"  {name}:\n    type: connectwise\n"
        f"    base_url: {base_url}\n    page_size: 5\n    per_minute: 0\n"
        "    secrets: {company_id: CW_COMPANY_ID, public_key: CW_PUBLIC_KEY,"
        f" private_key: {private_key_env}, client_id: CW_CLIENT_ID}}\n"
    )


@pytest.fixture
def fake(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(WRONG_KEY_ENV, "a-key-the-vendor-revoked")
    with FakeConnectWise(tickets=12) as server:
        yield server


def test_a_source_refusing_its_key_does_not_stop_the_sources_after_it(fake, tmp_path, capsys):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        + connectwise_source("revoked", fake.url, WRONG_KEY_ENV)  # first: the others follow it
        + connectwise_source("working", fake.url, "CW_PRIVATE_KEY")
    )
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"

    assert main(["sync", "--all", "--sources", str(sources), "--warehouse", url]) == 1

    out, err = capsys.readouterr()
    assert "error: revoked: " in err and "401" in err
    last = err.strip().splitlines()[-1]  # what the refresh button shows
    assert last.startswith("error: 1 of 2 sources failed to sync, the others synced. revoked: ")
    assert "401" in last
    assert "working/tickets: 12 records" in out
    with Warehouse(url).reading() as conn:
        assert conn.execute(select(func.count()).select_from(tickets)).scalar_one() == 12
        synced = set(conn.execute(select(sync_state.c.source).distinct()).scalars())
    assert synced == {"working"}
    assert "a-key-the-vendor-revoked" not in out + err  # the secret is never echoed


def test_one_named_source_failing_is_the_commands_error(fake, tmp_path, capsys):
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n" + connectwise_source("revoked", fake.url, WRONG_KEY_ENV))
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert main(["sync", "revoked", "--sources", str(sources), "--warehouse", url]) == 1
    err = capsys.readouterr().err
    assert "401" in err and "sources failed" not in err
