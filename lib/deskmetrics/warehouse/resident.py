"""A DuckDB read connection kept open between reads, let go when idle or when a writer waits.

Opening a DuckDB file costs tens of milliseconds and starts with a cold buffer pool: at 1M
tickets a Dashboard refresh takes about 170 ms with a connection per refresh and about 95 ms
with one kept open. But an open read-only connection holds DuckDB's file lock, which keeps
every writer out (a sync, an import, a health edit in another kernel). So the kept connection
lets go:

- after ``IDLE_SECONDS`` without a read, so an idle page never holds the file;
- as soon as a writer announces itself: ``writer_announced`` puts a marker file next to the
  database for as long as the writer waits and writes, and a resident reader checks for one
  before each read and every ``TICK_SECONDS`` while it holds the file. While a marker is
  there, reads open a connection each, as before; the writer's retry loop gets in once the
  last resident reader has let go (within a tick).

A writer in this process first closes this process's resident readers of the file, since
DuckDB refuses a read-write open while a read-only one of the same file is alive.
"""

from __future__ import annotations

import atexit
import gc
import os
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection

IDLE_SECONDS = 30.0
TICK_SECONDS = 0.25
_MARKER = ".writer-"
_RESIDENTS: weakref.WeakSet[ResidentReader] = weakref.WeakSet()
_EXITING = threading.Event()


class ResidentReader:
    """One kept read connection to one DuckDB file, shared by the reads of one Warehouse."""

    def __init__(self, path: Path, connect: Callable[[], Connection]) -> None:
        self.path = path.resolve()
        self._connect = connect
        self._lock = threading.Lock()  # held for a read, and by the ticker while it decides
        self._conn: Connection | None = None
        self._last_read = 0.0
        self._ticker: threading.Thread | None = None
        _RESIDENTS.add(self)

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        # busy (a nested read, another thread) or a writer waiting: a connection of its own
        if not self._lock.acquire(blocking=False):
            yield from short_lived(self._connect)
            return
        try:
            if writer_waiting(self.path):
                self._close()
                yield from short_lived(self._connect)
                return
            if self._conn is None:
                self._conn = self._connect()
                self._start_ticker()
            try:
                yield self._conn
            finally:
                self._end_read()
        finally:
            self._lock.release()

    def release(self) -> None:
        """Close the kept connection now (waits for a read in progress)."""
        with self._lock:
            self._close()

    def _end_read(self) -> None:
        self._last_read = time.monotonic()
        try:
            self._conn.rollback()  # end the read's implicit transaction, keep the connection
        except Exception:
            self._close()  # a broken connection is dropped; the next read opens a new one
            raise

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _start_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, name="dm-reader", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not _EXITING.wait(TICK_SECONDS):
            with self._lock:
                idle = time.monotonic() - self._last_read > IDLE_SECONDS
                if self._conn is not None and (idle or writer_waiting(self.path)):
                    self._close()
                if self._conn is None:
                    self._ticker = None
                    return


@atexit.register
def _release_all() -> None:
    # closed, and their tickers ended, before the interpreter tears DuckDB down (it warns
    # about objects still alive then)
    _EXITING.set()
    for reader in list(_RESIDENTS):
        ticker = reader._ticker
        if ticker is not None:
            ticker.join(timeout=5)
        reader.release()
    gc.collect()


def short_lived(connect: Callable[[], Connection]) -> Iterator[Connection]:
    """A connection for one read, closed after it."""
    conn = connect()
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def writer_announced(path: Path) -> Iterator[None]:
    """While inside, resident readers of ``path`` in every process let go of the file."""
    path = path.resolve()
    marker = path.with_name(f"{path.name}{_MARKER}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    marker.touch()
    try:
        for reader in list(_RESIDENTS):
            if reader.path == path:
                reader.release()
        yield
    finally:
        marker.unlink(missing_ok=True)


def writer_waiting(path: Path) -> bool:
    """Whether a live writer has announced itself for ``path`` (a crashed one's marker is
    ignored, so it only ever costs speed, never correctness)."""
    prefix = f"{path.name}{_MARKER}"
    try:
        names = [e.name for e in os.scandir(path.parent) if e.name.startswith(prefix)]
    except FileNotFoundError:
        return False
    return any(_alive(name[len(prefix) :].split("-", 1)[0]) for name in names)


def _alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    if os.name != "posix":
        return True  # no cheap, safe liveness probe: trust the marker
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True
