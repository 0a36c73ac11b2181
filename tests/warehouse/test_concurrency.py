"""DuckDB allows one writing process: a dashboard reading during a load waits, never fails."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from deskmetrics.cli import main
from deskmetrics.config import load_settings
from deskmetrics.session import Session

HOLD_LOCK = textwrap.dedent("""
    import sys, time, pathlib
    from sqlalchemy import text
    from deskmetrics.warehouse.engine import Warehouse
    with Warehouse(sys.argv[1]).writing() as conn:
        conn.execute(text("UPDATE tickets SET title = title"))
        pathlib.Path(sys.argv[2]).write_text("locked")
        time.sleep(float(sys.argv[3]))
""")

READ_LOOP = textwrap.dedent("""
    import sys, time
    from deskmetrics.session import Session
    session = Session(sys.argv[1], sys.argv[2])
    scope = session.scope("2024-12-02", "2024-12-06")
    deadline = time.monotonic() + float(sys.argv[3])
    reads = 0
    while time.monotonic() < deadline:
        assert session.dashboard(scope)["open_tickets"] in (3, 4)
        reads += 1
    print(reads)
""")


def test_reader_waits_for_a_writer_in_another_process(tmp_path, small_msp, small_config):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert (
        main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]) == 0
    )
    session = Session(url, settings=load_settings(small_config, use_local=False))
    scope = session.scope("2024-12-02", "2024-12-06")
    flag = tmp_path / "locked"
    writer = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, url, str(flag), "2.0"])
    try:
        while not flag.exists():
            assert writer.poll() is None, "the writer process died"
            time.sleep(0.05)
        started = time.monotonic()
        result = session.dashboard(scope)
        waited = time.monotonic() - started
    finally:
        assert writer.wait(timeout=30) == 0
    assert result["open_tickets"] == 3
    assert waited > 0.5  # it really was locked out, and waited instead of failing


def test_imports_while_another_process_keeps_reading(tmp_path, small_msp, small_config):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    args = ["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]
    assert main(args) == 0
    reader = subprocess.Popen(
        [sys.executable, "-c", READ_LOOP, url, str(small_config), "6"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)  # let the reader start hammering the file
    with (small_msp / "tickets.csv").open("a") as fh:
        fh.write("T9,2024-12-05T09:00:00,New,C1,,Help Desk,Hardware,3,K1,,,,Keyboard\n")
    for _ in range(5):
        assert main(args) == 0
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert int(out.strip()) > 5
