"""The ConnectWise mapping file: priority names, the audit-trail status pattern, and the
company and member fields that give seats, team and tier (parameters/mappings/connectwise.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from deskmetrics.config import PARAMETERS_DIR, PROJECT_ROOT, STATUS_CATEGORIES
from deskmetrics.errors import ConfigError

DEFAULT_MAPPING = PARAMETERS_DIR / "mappings" / "connectwise.yaml"
# audit-trail text of a status change; the real wording is UNCONFIRMED (reference 1.2), so it
# is configurable: group "new" is required, group "old" optional
DEFAULT_STATUS_PATTERN = (
    r'(?i)\bstatus\s+(?:has\s+been\s+)?changed\s+from\s+"(?P<old>[^"]*)"\s+to\s+"(?P<new>[^"]*)"'
)


@dataclass(frozen=True)
class CwMapping:
    """The tenant-specific parts of the mapping (parameters/mappings/connectwise.yaml)."""

    priority: dict[str, int] = field(default_factory=dict)
    status_pattern: str = DEFAULT_STATUS_PATTERN
    seats_field: str = "numberOfEmployees"  # a company field path, e.g. numberOfEmployees
    seats_custom_field: str = ""  # caption of a company custom field; wins when it has a value
    team_field: str = ""  # member field path, e.g. defaultDepartment/name
    tier_field: str = ""  # member field path, e.g. workRole/name
    tiers: dict[str, int] = field(default_factory=dict)  # tier_field value -> tier

    @property
    def status_regex(self) -> re.Pattern[str]:
        return re.compile(self.status_pattern)


_MAPPING_KEYS = {
    "business",  # read by the business streams (connectwise_business_config)
    "priority",
    "status_map",
    "status_pattern",
    "seats_field",
    "seats_custom_field",
    "team_field",
    "tier_field",
    "tiers",
}


def load_mapping(path: str | Path | None = None) -> CwMapping:
    """The mapping file (priority names, status pattern, seats/team/tier fields), validated.
    Keys it leaves out keep their built-in defaults; an unknown key is an error."""
    file = Path(path) if path else DEFAULT_MAPPING
    if path and not file.is_absolute():
        file = PROJECT_ROOT / file
    if not file.exists():
        if path:
            raise ConfigError(f"the ConnectWise mapping file {file} does not exist")
        return CwMapping()
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or set(raw) - _MAPPING_KEYS:
        extra = sorted(set(raw) - _MAPPING_KEYS) if isinstance(raw, dict) else raw
        raise ConfigError(f"{file}: unknown key(s) {extra}; use {', '.join(sorted(_MAPPING_KEYS))}")
    for key in raw:
        expected = dict if key in {"priority", "tiers", "status_map", "business"} else str
        if raw[key] is not None and not isinstance(raw[key], expected):
            kind = "a mapping of name: value" if expected is dict else "a string"
            raise ConfigError(f"{file}: {key} should be {kind}")
    for key, low, high in (("priority", 1, 4), ("tiers", 0, 99)):
        for name, value in (raw.get(key) or {}).items():
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(f"{file}: {key}.{name}: use a whole number {low}-{high}")
    for name, category in (raw.get("status_map") or {}).items():
        if category not in STATUS_CATEGORIES:
            raise ConfigError(
                f"{file}: status_map.{name}: {category!r} is not one of "
                + ", ".join(STATUS_CATEGORIES)
            )
    values = {k: v for k, v in raw.items() if k not in {"status_map", "business"} and v is not None}
    mapping = CwMapping(**{k: dict(v) if isinstance(v, dict) else v for k, v in values.items()})
    try:
        regex = mapping.status_regex
    except re.error as exc:
        raise ConfigError(f"{file}: status_pattern is not a regular expression: {exc}") from None
    if "new" not in regex.groupindex:
        raise ConfigError(f"{file}: status_pattern needs a (?P<new>...) group for the new status")
    return mapping
