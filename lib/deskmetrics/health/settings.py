"""parameters/health.yaml: the scoring rules, and the metrics and cut scores that seed the
warehouse the first time health is used. Checked in full; errors name the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from deskmetrics.config import PARAMETERS_DIR
from deskmetrics.errors import ConfigError, InputError
from deskmetrics.health.cut_scores import check_cut_scores
from deskmetrics.health.model import METRIC_KINDS, CutScore, HealthMetric

HEALTH_FILE = PARAMETERS_DIR / "health.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsatWindow(_Strict):
    days: int = Field(90, ge=1, le=730)
    min_responses: int = Field(3, ge=1)


class SeedMetric(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_][a-z0-9_-]{0,63}$")
    name: str = Field(min_length=1)
    description: str = ""
    max_score: float = Field(gt=0)
    icon: str = Field("", max_length=16)
    weight: float = Field(gt=0)
    kind: str = "manual"
    assessment: str | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in METRIC_KINDS:
            raise ValueError(f"kind {value!r} is not one of {', '.join(METRIC_KINDS)}")
        return value

    @model_validator(mode="after")
    def _assessment(self) -> SeedMetric:
        if self.kind == "assessment" and not self.assessment:
            raise ValueError("an assessment metric names its assessment")
        return self


class SeedCutScore(_Strict):
    name: str
    colour: str
    min_score: float


class HealthSettings(_Strict):
    min_coverage: float = Field(0.6, ge=0, le=1)
    trend_flat_points: float = Field(1.0, ge=0)
    csat: CsatWindow = CsatWindow()
    metrics: list[SeedMetric] = Field(min_length=1)
    cut_scores: list[SeedCutScore] = Field(min_length=1)

    @field_validator("metrics")
    @classmethod
    def _distinct(cls, value: list[SeedMetric]) -> list[SeedMetric]:
        ids = [m.id for m in value]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"metric id listed twice: {', '.join(twice)}")
        return value

    @field_validator("cut_scores")
    @classmethod
    def _cuts(cls, value: list[SeedCutScore]) -> list[SeedCutScore]:
        try:
            check_cut_scores(CutScore(c.name, c.colour, c.min_score) for c in value)
        except InputError as exc:
            raise ValueError(str(exc)) from None
        return value

    def seed_metrics(self) -> list[HealthMetric]:
        return [
            HealthMetric(
                m.id,
                m.name,
                m.max_score,
                m.weight,
                kind=m.kind,
                description=m.description,
                icon=m.icon,
                position=i,
                assessment=m.assessment,
            )
            for i, m in enumerate(self.metrics)
        ]

    def seed_cut_scores(self) -> list[CutScore]:
        return check_cut_scores(CutScore(c.name, c.colour, c.min_score) for c in self.cut_scores)


def load_health_settings(
    path: str | Path | None = None, overrides: dict[str, Any] | None = None
) -> HealthSettings:
    """Read parameters/health.yaml (or ``path``); top-level overrides replace keys."""
    file = Path(path) if path else HEALTH_FILE
    if not file.is_file():
        raise ConfigError(f"{file} does not exist; copy parameters/health.yaml and edit it")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: must hold a mapping of settings")
    data.update(overrides or {})
    try:
        return HealthSettings.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling; see parameters/health.yaml)"
            lines.append(f"{key}: {msg}")
        raise ConfigError(f"invalid health settings ({file}):\n  " + "\n  ".join(lines)) from None
