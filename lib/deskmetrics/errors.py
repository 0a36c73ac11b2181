"""One exception hierarchy for the package; every message says what to fix."""

from __future__ import annotations


class DeskmetricsError(Exception):
    """Base class for every error deskmetrics raises on purpose."""


class ConfigError(DeskmetricsError):
    """A configuration file or value is invalid; the message names the key."""


class InputError(DeskmetricsError):
    """Input data is unusable; the message names the file, row and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        where = ", ".join(
            part
            for part in (
                f"file {file}" if file else "",
                f"row {row}" if row is not None else "",
                f"column {column!r}" if column else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file, self.row, self.column = file, row, column


class WarehouseError(DeskmetricsError):
    """The warehouse cannot be reached or is not in the expected shape."""


class MetricError(DeskmetricsError):
    """A metric is unknown or was asked for with filters it does not allow."""


class AccessError(DeskmetricsError):
    """A credential or signed link is refused, or access is not configured; says which."""
