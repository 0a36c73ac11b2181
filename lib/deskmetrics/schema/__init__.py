"""The canonical tables and the CSV contract that maps any PSA export onto them."""

from deskmetrics.schema import business_tables, health_tables  # noqa: F401  (register tables)
