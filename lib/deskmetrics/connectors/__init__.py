"""Connectors for PSA and CSAT systems, behind one small registry."""

from __future__ import annotations

from deskmetrics.connectors.base import Connector
from deskmetrics.errors import ConfigError

CONNECTORS: dict[str, type[Connector]] = {}


def register(name: str):
    """Class decorator: make a connector available to `deskmetrics sync` by type name."""

    def add(cls: type[Connector]) -> type[Connector]:
        if not issubclass(cls, Connector):
            raise TypeError(f"{cls.__name__} is not a Connector")
        CONNECTORS[name] = cls
        return cls

    return add


def get_connector(name: str) -> type[Connector]:
    _load_builtin()
    try:
        return CONNECTORS[name]
    except KeyError:
        raise ConfigError(
            f"unknown source type {name!r}; available: {', '.join(sorted(CONNECTORS))}"
        ) from None


def _load_builtin() -> None:
    from deskmetrics.connectors import connectwise  # noqa: F401
