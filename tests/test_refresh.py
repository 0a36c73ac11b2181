"""The background refresh end to end: a real detached ``deskmetrics sync --all`` against a slow
fake ConnectWise, while this process keeps reading the DuckDB warehouse."""

from __future__ import annotations

import os
import signal
import statistics
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from deskmetrics.cli import main
from deskmetrics.refresh import RefreshStatus, refresh_status, start_refresh
from deskmetrics.schema.tables import sync_state, tickets
from deskmetrics.warehouse.engine import Warehouse
from fakes.connectwise import ENV, PRIVATE_KEY, PUBLIC_KEY, FakeConnectWise

TIMEOUT = 120.0


@pytest.fixture
def env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def fake(env):
    with FakeConnectWise(tickets=20) as server:
        yield server
    assert not server.server.errors, server.server.errors[0]


def sources_file(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  cw:\n    type: connectwise\n"
        f"    base_url: {base_url}\n    page_size: 5\n    per_minute: 0\n"
        "    commit_records: 5\n"  # every page its own short transaction
        "    secrets: {company_id: CW_COMPANY_ID, public_key: CW_PUBLIC_KEY,"
        " private_key: CW_PRIVATE_KEY, client_id: CW_CLIENT_ID}\n"
    )
    return path


def loaded(tmp_path: Path, sources: Path) -> str:
    """A warehouse synced once in this process: the data readers see before the refresh."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert main(["sync", "--all", "--sources", str(sources), "--warehouse", url]) == 0
    return url


def sync_times(url: str) -> dict[tuple[str, str], object]:
    with Warehouse(url).reading() as conn:
        rows = conn.execute(
            select(sync_state.c.source, sync_state.c.stream, sync_state.c.last_success_at)
        ).all()
    return {(source, stream): when for source, stream, when in rows}


def ticket_count(url: str) -> int:
    with Warehouse(url).reading() as conn:
        return conn.execute(select(func.count()).select_from(tickets)).scalar_one()


def wait_until_finished(state: Path) -> RefreshStatus:
    deadline = time.monotonic() + TIMEOUT
    while (status := refresh_status(state)).running:
        assert time.monotonic() < deadline, "the refresh did not finish"
        time.sleep(0.1)
    return status


def test_readers_keep_reading_while_a_refresh_runs(tmp_path, fake, capsys):
    sources = sources_file(tmp_path, fake.url)
    url = loaded(tmp_path, sources)
    before_times, before_count = sync_times(url), ticket_count(url)
    idle = []
    for _ in range(20):
        started = time.perf_counter()
        assert ticket_count(url) == before_count
        idle.append(time.perf_counter() - started)
    fake.add_tickets(5)
    fake.server.delay = 0.05  # a slow vendor: the sync lasts a few seconds
    state = tmp_path / "refresh"

    status = start_refresh(warehouse_url=url, sources_file=sources, actor="ana", state_dir=state)
    assert status.running and status.started_by == "ana" and status.ok is None
    again = start_refresh(warehouse_url=url, sources_file=sources, actor="ben", state_dir=state)
    assert again.job_id == status.job_id and again.started_by == "ana"  # the same job

    busy, counts = [], []
    while refresh_status(state).running:
        started = time.perf_counter()
        counts.append(ticket_count(url))  # every read succeeds: a failure raises here
        busy.append(time.perf_counter() - started)
        time.sleep(0.02)
    finished = wait_until_finished(state)
    assert finished.ok is True, finished.message
    assert finished.job_id == status.job_id and finished.finished_at > finished.started_at
    assert len(counts) >= 20  # the reads really overlapped the sync
    assert all(count >= before_count for count in counts)  # never an empty or half warehouse
    assert ticket_count(url) == before_count + 5
    after_times = sync_times(url)
    assert after_times.keys() == before_times.keys()
    assert all(after_times[key] > before_times[key] for key in before_times)
    # one job ran: one process wrote the log, and the second start's actor appears nowhere
    log = finished.log_file.read_text()
    assert "cw/tickets: " in log and "ben" not in (state / "status.json").read_text()
    for secret in (PRIVATE_KEY, PUBLIC_KEY):
        assert secret not in log and secret not in (state / "status.json").read_text()
    with capsys.disabled():
        print(
            f"\nreads while idle: median {statistics.median(idle) * 1000:.1f} ms, "
            f"max {max(idle) * 1000:.1f} ms; during the refresh ({len(busy)} reads): median "
            f"{statistics.median(busy) * 1000:.1f} ms, max {max(busy) * 1000:.1f} ms"
        )


def test_a_failing_refresh_says_what_to_fix_and_keeps_the_data(tmp_path, fake, monkeypatch):
    sources = sources_file(tmp_path, fake.url)
    url = loaded(tmp_path, sources)
    before_times, before_count = sync_times(url), ticket_count(url)
    monkeypatch.delenv("CW_PRIVATE_KEY")  # the job inherits this environment
    state = tmp_path / "refresh"

    start_refresh(warehouse_url=url, sources_file=sources, actor="ana", state_dir=state)
    status = wait_until_finished(state)

    assert status.ok is False and status.finished_at is not None
    assert "CW_PRIVATE_KEY" in status.message, status.message  # the variable to set
    assert ticket_count(url) == before_count
    assert sync_times(url) == before_times


def test_a_job_killed_before_it_recorded_its_end_is_reported(tmp_path, fake):
    sources = sources_file(tmp_path, fake.url)
    url = loaded(tmp_path, sources)
    fake.server.delay = 0.2
    state = tmp_path / "refresh"
    start_refresh(warehouse_url=url, sources_file=sources, actor="ana", state_dir=state)
    deadline = time.monotonic() + TIMEOUT
    while (status := refresh_status(state)).pid is None:  # the job records its pid first
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(status.pid, signal.SIGKILL)
    status = wait_until_finished(state)
    assert status.ok is False and "start it again" in status.message
    # and the lock went with the process: a new refresh starts
    fake.server.delay = 0.0
    again = start_refresh(warehouse_url=url, sources_file=sources, actor="ana", state_dir=state)
    assert again.job_id != status.job_id
    assert wait_until_finished(state).ok is True


def test_no_refresh_ever_ran(tmp_path):
    assert refresh_status(tmp_path / "nothing") == RefreshStatus(running=False)
