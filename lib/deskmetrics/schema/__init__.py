"""The canonical tables and the CSV contract that maps any PSA export onto them."""

from deskmetrics.schema import health_tables  # noqa: F401  (registers the health tables)
