"""parameters/sources.yaml: which systems to sync, where they are, and which environment
variables hold their secrets. The file names variables, never values; values are read from
the environment (or a gitignored .env) only when a sync needs them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from deskmetrics.config import PARAMETERS_DIR, PROJECT_ROOT
from deskmetrics.errors import ConfigError

SOURCES_FILE = PARAMETERS_DIR / "sources.yaml"


class SourceConfig(BaseModel):
    """One configured source: its connector type, base URL, secret names and options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    type: str
    base_url: str
    secrets: dict[str, str] = Field(default_factory=dict)  # role -> environment variable
    settings: dict[str, Any] = Field(default_factory=dict)  # non-secret connector settings
    page_size: int = Field(500, gt=0, le=10_000)
    per_minute: float | None = Field(None, ge=0)  # None: the vendor's default; 0: unpaced
    reconcile_days: int = Field(7, ge=0)  # look for records deleted at the source this often
    # pages are committed together until they hold this many records (fewer, larger writes;
    # a sync stopped mid-group re-reads at most this many)
    commit_records: int = Field(5000, gt=0)
    start: str = "2000-01-01T00:00:00Z"  # the first full sync starts here
    overlap_minutes: int = Field(5, ge=0)

    @field_validator("base_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("must be an https:// URL (plain http only for a local test server)")
        return value.rstrip("/")

    @field_validator("secrets")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        for role, variable in value.items():
            if not variable.replace("_", "").isalnum() or not variable.upper() == variable:
                # the value is not echoed: someone may have pasted the secret itself
                raise ValueError(
                    f"{role}: should be an environment variable name such as CW_PRIVATE_KEY, "
                    "not a secret value"
                )
        return value

    def check_settings(self, allowed, vendor: str) -> None:
        """Refuse a connector setting the vendor's connector does not know, naming it."""
        unknown = sorted(set(self.settings) - set(allowed))
        if unknown:
            raise ConfigError(
                f"sources.{self.name}.settings: unknown key(s) {unknown}; "
                f"{vendor} accepts {', '.join(allowed) or 'none'}"
            )

    def secret(self, role: str, environ: dict[str, str] | None = None) -> str:
        """The secret for ``role`` from the environment; a clear error names the variable."""
        variable = self.secrets.get(role)
        if variable is None:
            raise ConfigError(f"sources.{self.name}.secrets.{role} is not configured")
        env = environ if environ is not None else _environment()
        value = env.get(variable)
        if not value:
            raise ConfigError(
                f"set the environment variable {variable} (the {role} of source "
                f"{self.name!r}); secrets are never read from YAML"
            )
        return value


def _environment() -> dict[str, str]:
    dotenv = PROJECT_ROOT / ".env"
    values = {k: v for k, v in dotenv_values(dotenv).items() if v} if dotenv.exists() else {}
    return {**values, **os.environ}


def load_sources(path: str | Path | None = None) -> dict[str, SourceConfig]:
    file = Path(path) if path else SOURCES_FILE
    if not file.exists():
        raise ConfigError(f"{file} does not exist; copy parameters/sources.yaml and edit it")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file} is not valid YAML: {exc}") from None
    if set(raw) - {"sources"}:
        raise ConfigError(
            f"{file}: unknown key(s) {sorted(set(raw) - {'sources'})}; "
            "use a top-level 'sources:' mapping"
        )
    sources = {}
    for name, body in (raw.get("sources") or {}).items():
        try:
            sources[name] = SourceConfig.model_validate({**(body or {}), "name": name})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: "
                + (
                    "unknown key"
                    if e["type"] == "extra_forbidden"
                    else e["msg"].removeprefix("Value error, ")
                )
                for e in exc.errors()
            )
            raise ConfigError(f"{file}: sources.{name}: {problems}") from None
    return sources
