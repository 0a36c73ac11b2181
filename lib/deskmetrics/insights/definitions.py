"""The written definition of every report insight, collected for the generated docs page."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

# modules that register insight definitions when imported, in the order the docs list them
MODULES: tuple[str, ...] = (
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


def register(insight: Insight) -> Insight:
    existing = _INSIGHTS.get(insight.id)
    if existing is not None and existing != insight:
        raise ValueError(f"insight {insight.id!r} is defined twice")
    _INSIGHTS[insight.id] = insight
    return insight


def all_insights() -> list[Insight]:
    for module in MODULES:
        importlib.import_module(f"deskmetrics.insights.{module}")
    return list(_INSIGHTS.values())
