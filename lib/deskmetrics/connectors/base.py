"""What a connector is: named streams that yield batches of canonical rows.

A stream pages through one vendor resource and maps each page onto the canonical tables. The
sync engine commits a batch, its quarantined records and the stream's resume position in one
transaction, so a sync stopped at any point continues where the last commit left off.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from deskmetrics.config import Settings
from deskmetrics.connectors.http import HttpClient
from deskmetrics.connectors.sources import SourceConfig


@dataclass(frozen=True)
class Window:
    """Where a stream starts: records updated at or after ``since`` (None: everything), and an
    opaque position inside an interrupted run of the same window."""

    since: datetime | None
    resume: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Quarantined:
    record_key: str
    reason: str
    payload: str  # the raw record as JSON, for someone to fix at the source


@dataclass
class Batch:
    """One page's worth of canonical rows, ready to commit."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    deletions: dict[str, list[str]] = field(default_factory=dict)  # table -> primary keys
    quarantined: list[Quarantined] = field(default_factory=list)
    resume: dict = field(default_factory=dict)  # the position after this batch
    max_updated: datetime | None = None  # the newest server-side update time in the batch
    records: int = 0  # vendor records read, mapped or quarantined


@dataclass
class LiveKeys:
    """Every key the vendor still holds for one table, page by page, so that local rows it no
    longer has (deleted at the source, which no incremental feed reports) can be removed."""

    table: str  # a canonical table: "tickets" also removes the tickets' history and time
    source: str  # the value of the table's ``source`` column that this connector owns
    pages: Iterable[list[str]]


class Stream(ABC):
    """One vendor resource (tickets, time entries, surveys...)."""

    name: str

    @abstractmethod
    def batches(self, window: Window) -> Iterator[Batch]:
        """Yield batches in an order where ``resume`` always moves forward."""

    def live_keys(self) -> LiveKeys | None:
        """The keys the vendor still holds, for streams whose deletions no feed reports."""
        return None


class Connector(ABC):
    """A vendor system: its HTTP client and its streams, in the order they must load."""

    # requests per minute when the source does not say (under the vendor's documented limit;
    # 0 where none is documented)
    default_per_minute: float = 0

    def __init__(
        self, source: SourceConfig, settings: Settings, client: HttpClient | None = None
    ) -> None:
        self.source, self.settings = source, settings
        self.client = client or self.make_client()

    @abstractmethod
    def make_client(self) -> HttpClient:
        """An HttpClient with this vendor's authentication and pacing."""

    @abstractmethod
    def streams(self) -> list[Stream]:
        """Parents before children (clients before tickets before surveys)."""

    @property
    def per_minute(self) -> float:
        """The source's pacing, or this vendor's default when the source leaves it unset."""
        if self.source.per_minute is None:
            return self.default_per_minute
        return self.source.per_minute

    def close(self) -> None:
        self.client.close()
