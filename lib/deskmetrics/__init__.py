"""deskmetrics: service-desk KPIs for managed service providers, with published definitions."""

from deskmetrics.errors import (
    ConfigError,
    DeskmetricsError,
    InputError,
    MetricError,
    WarehouseError,
)

__version__ = "0.1.0"
__all__ = [
    "ConfigError",
    "DeskmetricsError",
    "InputError",
    "MetricError",
    "WarehouseError",
    "__version__",
]
