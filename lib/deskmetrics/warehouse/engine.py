"""Where the warehouse is and how to open it: one SQLAlchemy URL, connections on demand.

DuckDB lets one process write at a time and a writer locks readers out, so readers open
read-only connections, retrying with backoff while a load holds the lock; a dashboard
therefore waits a moment instead of failing. A DuckDB reader keeps its connection between
reads until it idles or a writer announces itself (see ``resident``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.pool import NullPool
from tenacity import (
    Retrying,
    before_sleep_log,
    retry_if_exception,
    stop_after_delay,
    wait_exponential,
)

from deskmetrics.config import PROJECT_ROOT
from deskmetrics.errors import WarehouseError
from deskmetrics.warehouse.resident import ResidentReader, short_lived, writer_announced

log = logging.getLogger(__name__)

DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse.duckdb"
ENV_VAR = "DESKMETRICS_WAREHOUSE"
LOCK_WAIT_SECONDS = float(os.environ.get("DESKMETRICS_LOCK_WAIT", "120"))


def resolve_url(url: str | None = None) -> str:
    """The URL given, else $DESKMETRICS_WAREHOUSE, else the embedded DuckDB file."""
    chosen = url or os.environ.get(ENV_VAR) or f"duckdb:///{DEFAULT_WAREHOUSE}"
    try:
        make_url(chosen)
    except ArgumentError:
        raise WarehouseError(
            f"{chosen!r} is not a SQLAlchemy URL; use e.g. duckdb:///data/warehouse.duckdb, "
            "sqlite:///file.db or postgresql+psycopg://user@host/db"
        ) from None
    return chosen


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text or "locked" in text)


class Warehouse:
    """A handle on one warehouse URL; cheap to create, opens connections only when asked."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
        self._parsed = make_url(self.url)
        self.dialect = self._parsed.get_backend_name()
        self._engines: dict[bool, Engine] = {}
        self._resident: ResidentReader | None = None

    def __repr__(self) -> str:
        return f"Warehouse({self._parsed.render_as_string(hide_password=True)!r})"

    @property
    def is_duckdb(self) -> bool:
        return self.dialect == "duckdb"

    @property
    def file_path(self) -> Path | None:
        """The database file for the embedded engines, or None for a server."""
        if self.dialect in {"duckdb", "sqlite"} and self._parsed.database not in (None, ":memory:"):
            return Path(self._parsed.database)
        return None

    def engine(self, *, read_only: bool) -> Engine:
        read_only = read_only and self.is_duckdb  # only DuckDB distinguishes the two
        if read_only not in self._engines:
            self._engines[read_only] = self._create_engine(read_only)
        return self._engines[read_only]

    def _create_engine(self, read_only: bool) -> Engine:
        path = self.file_path
        if path is not None and not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"read_only": True} if read_only else {}
        # NullPool: a pooled DuckDB connection would keep the file locked between refreshes.
        engine = create_engine(self.url, poolclass=NullPool, connect_args=connect_args)
        if self.dialect == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def _retrying(self) -> Retrying:
        return Retrying(
            retry=retry_if_exception(_is_lock_error),
            wait=wait_exponential(multiplier=0.05, max=2.0),
            stop=stop_after_delay(LOCK_WAIT_SECONDS),
            before_sleep=before_sleep_log(log, logging.INFO),
            reraise=True,
        )

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read connection; waits (with backoff) while a writer holds the file."""
        path = self.file_path
        if path is not None and not path.exists():
            raise WarehouseError(
                f"the warehouse {path} does not exist yet: load data first with "
                "`deskmetrics demo-data` or `deskmetrics import-csv DIR`"
            )
        if self.is_duckdb and path is not None:
            if self._resident is None:
                self._resident = ResidentReader(path, lambda: self._connect(read_only=True))
            with self._resident.reading() as conn:
                yield conn
            return
        yield from short_lived(lambda: self._connect(read_only=True))

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One transaction: everything inside commits together or not at all."""
        with ExitStack() as stack:
            if self.is_duckdb and self.file_path is not None:
                stack.enter_context(writer_announced(self.file_path))  # readers let go
            conn = self._connect(read_only=False)
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.close()

    def _connect(self, *, read_only: bool) -> Connection:
        try:
            for attempt in self._retrying():
                with attempt:
                    return self.engine(read_only=read_only).connect()
        except (OperationalError, DBAPIError) as exc:
            raise WarehouseError(f"cannot open the warehouse {self!r}: {exc.orig}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def dispose(self) -> None:
        if self._resident is not None:
            self._resident.release()
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")  # wait for a writer instead of failing
    cursor.close()
