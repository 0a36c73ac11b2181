"""A sync through the real command with recognisable secrets, then reports rendered from the
synced warehouse: no output anywhere carries a secret."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from deskmetrics.cli import main
from deskmetrics.reports.runner import render_tab
from deskmetrics.warehouse.engine import Warehouse
from fakes.connectwise import CLIENT_ID, COMPANY_ID, ENV, PRIVATE_KEY, PUBLIC_KEY, FakeConnectWise

pytestmark = pytest.mark.notebook
SECRETS = (
    PRIVATE_KEY,
    PUBLIC_KEY,
    CLIENT_ID,
    base64.b64encode(f"{COMPANY_ID}+{PUBLIC_KEY}:{PRIVATE_KEY}".encode()).decode(),
)


def test_sync_then_reports_leak_nothing(tmp_path, monkeypatch, capsys, caplog):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    with FakeConnectWise(tickets=30) as fake:
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            "sources:\n  cw:\n    type: connectwise\n"
            f"    base_url: {fake.url}\n    page_size: 10\n"
            "    secrets: {company_id: CW_COMPANY_ID, public_key: CW_PUBLIC_KEY,"
            " private_key: CW_PRIVATE_KEY, client_id: CW_CLIENT_ID}\n"
        )
        url = f"duckdb:///{tmp_path / 'w.duckdb'}"
        fake.server.fail(429, times=1, retry_after=0, path=r"/service/tickets$")
        assert main(["sync", "cw", "--sources", str(sources), "--warehouse", url]) == 0
        assert main(["sync", "--all", "--sources", str(sources), "--warehouse", url]) == 0
    cli_output = capsys.readouterr()
    assert "cw/tickets: 30 records" in cli_output.out

    outputs = tmp_path / "reports"
    for tab in ("dashboard", "service_quality"):
        render_tab(tab, outputs, parameters={"warehouse": url})
    texts = [cli_output.out, cli_output.err, caplog.text]
    texts += [p.read_text(errors="replace") for p in outputs.rglob("*") if p.is_file()]
    with Warehouse(url).reading() as conn:
        for name in inspect(conn).get_table_names():
            texts.append(repr(conn.execute(text(f'SELECT * FROM "{name}"')).all()))
    everything = "\n".join(texts)
    assert "Ticket Status Confidence" in everything  # the reports really rendered synced data
    for secret in SECRETS:
        assert secret not in everything
    assert not list(Path(tmp_path).rglob(".env"))
