"""The written definition of every report insight, collected for the generated docs page."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass

# modules that register insight definitions when imported, in the order the docs list them
MODULES: tuple[str, ...] = (
    "summary",
    "sentiment",
    "automation",
    "narrative",
    "alerts",
    "recurring",
    "recommendations",
    "health",
    "business",
    "team",
    "affinity",
    "companies",
    "escalations",
)


@dataclass(frozen=True)
class Insight:
    id: str
    title: str
    audience: str  # "business_owner" (also in the manager report) or "manager"
    definition: str
    attribution: str = "tickets created in the period"


_INSIGHTS: dict[str, Insight] = {}
_ORIGIN: dict[str, str] = {}  # insight id -> the module that registered it


def register(insight: Insight) -> Insight:
    existing = _INSIGHTS.get(insight.id)
    if existing is not None and existing != insight:
        raise ValueError(f"insight {insight.id!r} is defined twice")
    _INSIGHTS[insight.id] = insight
    _ORIGIN.setdefault(insight.id, sys._getframe(1).f_globals.get("__name__", ""))
    return insight


def all_insights() -> list[Insight]:
    """In MODULES order, whatever order the modules happened to be imported in."""
    for module in MODULES:
        importlib.import_module(f"deskmetrics.insights.{module}")
    rank = {f"deskmetrics.insights.{m}": i for i, m in enumerate(MODULES)}
    return sorted(_INSIGHTS.values(), key=lambda i: rank.get(_ORIGIN[i.id], len(MODULES)))
