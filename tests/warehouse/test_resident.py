"""A DuckDB reader keeps its connection between reads, and lets go when idle or a writer waits."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from sqlalchemy import event, text

from deskmetrics.warehouse import resident
from deskmetrics.warehouse.engine import Warehouse

WRITE = textwrap.dedent("""
    import sys
    from sqlalchemy import text
    from deskmetrics.warehouse.engine import Warehouse
    with Warehouse(sys.argv[1]).writing() as conn:
        conn.execute(text("UPDATE t SET x = :x"), {"x": int(sys.argv[2])})
""")


@pytest.fixture
def url(tmp_path) -> str:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with Warehouse(url).writing() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    return url


def _read(warehouse: Warehouse) -> int:
    with warehouse.reading() as conn:
        return conn.execute(text("SELECT x FROM t")).scalar_one()


def _write_elsewhere(url: str, value: int, lock_wait: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DESKMETRICS_LOCK_WAIT": lock_wait}
    return subprocess.run(
        [sys.executable, "-c", WRITE, url, str(value)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_reads_share_one_connection_and_let_go_when_idle(url, monkeypatch):
    monkeypatch.setattr(resident, "IDLE_SECONDS", 0.5)
    monkeypatch.setattr(resident, "TICK_SECONDS", 0.05)
    warehouse = Warehouse(url)
    opened = []
    event.listen(warehouse.engine(read_only=True), "connect", lambda *_: opened.append(1))
    assert [_read(warehouse) for _ in range(5)] == [1] * 5
    assert len(opened) == 1 and warehouse._resident.is_open
    deadline = time.monotonic() + 10
    while warehouse._resident.is_open and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not warehouse._resident.is_open
    # the file is free: another process writes at once, without waiting for a lock
    done = _write_elsewhere(url, 2, lock_wait="0")
    assert done.returncode == 0, done.stderr
    assert _read(warehouse) == 2 and len(opened) == 2


def test_a_writer_elsewhere_gets_in_while_this_reader_keeps_reading(url, monkeypatch):
    """Reads every 50 ms never leave the reader idle: the writer's marker makes it let go."""
    monkeypatch.setattr(resident, "IDLE_SECONDS", 600.0)
    warehouse = Warehouse(url)
    seen: list[int] = []
    stop = threading.Event()

    def keep_reading() -> None:
        while not stop.is_set():
            seen.append(_read(warehouse))
            time.sleep(0.05)

    reader = threading.Thread(target=keep_reading)
    reader.start()
    try:
        time.sleep(0.5)
        started = time.monotonic()
        done = _write_elsewhere(url, 3, lock_wait="20")
        took = time.monotonic() - started
        time.sleep(0.3)
    finally:
        stop.set()
        reader.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert took < 15
    assert seen[0] == 1 and seen[-1] == 3  # it read throughout, and sees the write after it
    assert warehouse._resident.is_open  # back to the kept connection once the writer is done


def test_a_write_in_this_process_closes_the_kept_reader_first(url):
    reader, writer = Warehouse(url), Warehouse(url)
    assert _read(reader) == 1 and reader._resident.is_open
    # DuckDB refuses a read-write open of a file this process still has open read-only
    with writer.writing() as conn:
        conn.execute(text("UPDATE t SET x = 4"))
    assert not reader._resident.is_open
    assert _read(reader) == 4


def test_a_read_inside_a_read_gets_a_connection_of_its_own(url):
    warehouse = Warehouse(url)
    with warehouse.reading() as outer, warehouse.reading() as inner:
        assert outer is not inner
        assert outer.execute(text("SELECT x FROM t")).scalar_one() == 1
        assert inner.execute(text("SELECT x FROM t")).scalar_one() == 1
    assert _read(warehouse) == 1


def test_only_a_live_writers_marker_counts(tmp_path):
    path = tmp_path / "w.duckdb"
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    stale = tmp_path / f"w.duckdb.writer-{gone.stdout.strip()}-deadbeef"
    stale.touch()
    assert not resident.writer_waiting(path)  # a crashed writer costs speed, never a wait
    with resident.writer_announced(path):
        assert resident.writer_waiting(path)
    assert not resident.writer_waiting(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [stale.name]
