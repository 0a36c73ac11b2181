"""Connectors for PSA and CSAT systems, behind one small registry."""

from __future__ import annotations

import importlib

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


BUILTIN = ("connectwise", "autotask", "halo", "hubspot", "smileback", "crewhu", "simplesat")


def _load_builtin() -> None:
    """Import the built-in connector modules (each registers itself) that this release ships."""
    for name in BUILTIN:
        module = f"deskmetrics.connectors.{name}"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # a connector that is present but broken must fail loudly
                raise
