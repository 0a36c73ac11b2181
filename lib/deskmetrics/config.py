"""Settings: the YAML layers under parameters/, validated, with errors that name the key.

Precedence, lowest first: parameters/defaults.yml < the file given with --config <
parameters/local.yml < runtime overrides. A top-level key in a higher layer replaces the lower
one, except ``sla``, ``analysis``, ``insights`` and ``business`` whose entries are replaced one
by one.
"""

from __future__ import annotations

import os
import re
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from deskmetrics.errors import ConfigError

PROJECT_ROOT = Path(os.environ.get("DESKMETRICS_HOME", Path(__file__).resolve().parents[2]))
PARAMETERS_DIR = PROJECT_ROOT / "parameters"
DEFAULTS_FILE = PARAMETERS_DIR / "defaults.yml"
LOCAL_FILE = PARAMETERS_DIR / "local.yml"

StatusCategory = Literal[
    "new", "in_progress", "waiting_customer", "waiting_vendor", "resolved", "closed", "cancelled"
]
STATUS_CATEGORIES: tuple[str, ...] = StatusCategory.__args__  # type: ignore[attr-defined]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartDayHoliday(_Strict):
    date: date
    hours: str | list[str]

    @field_validator("hours")
    @classmethod
    def _windows(cls, value: str | list[str]) -> str | list[str]:
        for window in [value] if isinstance(value, str) else value:
            _check_window(window)
        return value


class SlaTargets(_Strict):
    response_hours: dict[int, float] = Field(default_factory=dict)
    resolution_hours: dict[int, float] = Field(default_factory=dict)
    next_response_hours: dict[int, float] = Field(default_factory=dict)
    due_soon_pct: float = Field(0.75, gt=0, le=1)

    @field_validator("response_hours", "resolution_hours", "next_response_hours")
    @classmethod
    def _priorities(cls, value: dict[int, float]) -> dict[int, float]:
        for priority, hours in value.items():
            if not 1 <= priority <= 4:
                raise ValueError(f"priority {priority} is not one of 1, 2, 3, 4")
            if hours <= 0:
                raise ValueError(f"priority {priority}: target must be positive hours")
        return value


FcrVariant = Literal[
    "fcr_time_entry", "fcr_one_touch", "fcr_1_business_hour", "fcr_no_customer_followup"
]


class Analysis(_Strict):
    """Knobs of the detailed tabs (metrics reference sections 2-6)."""

    age_buckets: list[int] = Field(default_factory=lambda: [7, 14, 30])
    long_ticket_days: int = Field(30, gt=0)
    reopen_window_days: int = Field(7, gt=0)
    fcr_variant: FcrVariant = "fcr_time_entry"
    fcr_max_time_entries: int = Field(1, ge=0)
    board_tiers: dict[str, int] = Field(default_factory=dict)
    ticket_url: str = ""

    @field_validator("age_buckets")
    @classmethod
    def _buckets(cls, value: list[int]) -> list[int]:
        if not value or any(b <= a for a, b in zip(value, value[1:], strict=False)) or value[0] < 0:
            raise ValueError("must be increasing whole days, e.g. [7, 14, 30]")
        return value

    @field_validator("ticket_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and "{ticket_id}" not in value:
            raise ValueError(
                "must contain {ticket_id}, e.g. https://psa.example/tickets/{ticket_id}"
            )
        return value

    def age_labels(self) -> list[str]:
        """Labels such as 0-7, 8-14, 15-30, 31+ for the configured bucket bounds."""
        lows = [0, *(b + 1 for b in self.age_buckets)]
        labels = [f"{lo}-{hi}" for lo, hi in zip(lows, self.age_buckets, strict=False)]
        return [*labels, f"{lows[-1]}+"]


class Insights(_Strict):
    """Thresholds of the weekly reports' alerts, automation potential, recurring issues and
    client dependency."""

    automation_accounts: list[str] = Field(default_factory=list)  # technician ids or names
    automation_min_tickets: int = Field(5, gt=0)
    automation_max_median_minutes: float = Field(30, gt=0)
    automation_max_cv: float = Field(0.5, gt=0)
    sla_target_pct: float = Field(90, gt=0, le=100)
    volume_spike_pct: float = Field(30, gt=0)
    client_surge_pct: float = Field(50, gt=0)
    client_surge_min_tickets: int = Field(5, gt=0)
    csat_drop_points: float = Field(5, gt=0)
    backlog_growth_pct: float = Field(20, gt=0)
    alert_min_sample: int = Field(10, gt=0)  # smaller samples raise no alert
    frustrated_reopens: int = Field(2, gt=0)
    recurring_min_count: int = Field(3, gt=1)
    recurring_similarity: float = Field(0.6, gt=0, le=1)
    # "package.module:function" rewording the report narrative; None keeps the built-in text
    summarizer: str | None = Field(None, pattern=r"^[\w.]+:[\w.]+$")
    affinity_dependency_share: float = Field(0.8, gt=0, le=1)
    affinity_min_tickets: int = Field(5, gt=0)


class Business(_Strict):
    """Knobs of the Business tab (utilization, timesheets and the sales pipeline)."""

    timesheet_overdue_days: int = Field(2, ge=0)  # open this many days after its week ended
    pipeline_coverage_target: float = Field(4.0, gt=0)  # open pipeline / monthly sales target
    monthly_sales_target: float | None = Field(None, gt=0)  # None: trailing 3-month won average


class Settings(_Strict):
    """Everything the metrics need to know about an MSP's calendar, targets and statuses."""

    timezone: str = "UTC"
    business_hours: dict[str, list[str]] = Field(default_factory=dict)
    holidays: list[date | PartDayHoliday] = Field(default_factory=list)
    sla: SlaTargets = Field(default_factory=SlaTargets)
    status_map: dict[str, StatusCategory] = Field(default_factory=dict)
    analysis: Analysis = Field(default_factory=Analysis)
    insights: Insights = Field(default_factory=Insights)
    business: Business = Field(default_factory=Business)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/London") from None
        return value

    @field_validator("business_hours")
    @classmethod
    def _week(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, windows in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday; use {', '.join(WEEKDAYS)}")
            for window in windows:
                _check_window(window, f"{day}: ")
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _status_lookup(self) -> dict[str, str]:
        return {_norm(raw): category for raw, category in self.status_map.items()}

    def status_category(self, raw_status: object) -> str | None:
        """Canonical category of a raw PSA status, or None when no mapping covers it."""
        if not isinstance(raw_status, str):
            return None
        return self._status_lookup.get(_norm(raw_status))

    def calendar(self):
        """The business calendar these settings describe."""
        from deskmetrics.sla import BusinessCalendar

        holidays: list[Any] = [
            h if isinstance(h, date) else {"date": h.date, "hours": h.hours} for h in self.holidays
        ]
        return BusinessCalendar.from_spec(self.timezone, self.business_hours, holidays)

    def fingerprint(self) -> str:
        """Stable digest of what per-ticket facts depend on; facts are rebuilt when it changes."""
        import hashlib
        import json

        # the reports' thresholds and the Business tab's knobs shape no per-ticket fact:
        # changing one must not rebuild them
        payload = self.model_dump(mode="json", exclude={"insights", "business"})
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _norm(status: str) -> str:
    return " ".join(status.split()).casefold()


def _check_window(window: object, prefix: str = "") -> None:
    if not isinstance(window, str) or not _WINDOW.match(window):
        raise ValueError(f'{prefix}{window!r} is not a window "HH:MM-HH:MM" (24:00 allowed as end)')


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of keys, not {type(data)}")
    return data


def _merge(base: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in layer.items():
        if (
            key in ("sla", "analysis", "insights", "business")
            and isinstance(value, dict)
            and isinstance(base.get(key), dict)
        ):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


def load_settings(
    config_file: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    use_local: bool = True,
) -> Settings:
    """Merge the layers and validate; a bad or unknown key raises ConfigError naming it."""
    layers: list[tuple[str, dict[str, Any]]] = [(str(DEFAULTS_FILE), _read_yaml(DEFAULTS_FILE))]
    if config_file:
        layers.append((str(config_file), _read_yaml(Path(config_file))))
    if use_local and LOCAL_FILE.exists():
        layers.append((str(LOCAL_FILE), _read_yaml(LOCAL_FILE)))
    if overrides:
        layers.append(("overrides", overrides))
    merged: dict[str, Any] = {}
    for _, layer in layers:
        merged = _merge(merged, layer)
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        source = layers[-1][0] if len(layers) > 1 else layers[0][0]
        raise ConfigError(_describe(exc, source)) from None


def _describe(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"] if not str(p).startswith(("date", "function")))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see parameters/defaults.yml)"
        lines.append(f"{key}: {msg}")
    return f"invalid configuration ({source}):\n  " + "\n  ".join(lines)
