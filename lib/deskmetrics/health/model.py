"""What a health metric and a cut score are, shared by the store, the scoring and the editor."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal

MetricKind = Literal["manual", "csat", "assessment"]
METRIC_KINDS: tuple[str, ...] = MetricKind.__args__  # type: ignore[attr-defined]
KIND_LABELS = {
    "manual": "Scored by hand per client",
    "csat": "Filled from CSAT survey responses",
    "assessment": "Latest score of an assessment",
}
INSUFFICIENT = "Insufficient data"
INSUFFICIENT_COLOUR = "#9ca3af"


@dataclass(frozen=True)
class HealthMetric:
    """One measure of client health, global across clients."""

    metric_id: str
    name: str
    max_score: float
    weight: float
    kind: str = "manual"
    description: str = ""
    icon: str = ""
    position: int = 0
    assessment: str | None = None  # kind "assessment": which assessment fills it
    deleted_at: datetime | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def as_dict(self) -> dict:
        return {
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()
        }


@dataclass(frozen=True)
class CutScore:
    """A tier: clients scoring at least ``min_score`` (and below the next tier up)."""

    name: str
    colour: str
    min_score: float

    def as_dict(self) -> dict:
        return asdict(self)
