"""parameters/reports.yaml: who receives the weekly reports, for which period, through which
mail server and with which branding. Everything is checked before a report runs. The file
names the environment variable that holds the SMTP password, never the password itself."""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from dotenv import dotenv_values
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from deskmetrics.config import PARAMETERS_DIR, PROJECT_ROOT
from deskmetrics.errors import ConfigError

REPORTS_FILE = PARAMETERS_DIR / "reports.yaml"
DOTENV_FILE = PROJECT_ROOT / ".env"
AUDIENCES = ("business_owner", "manager")
AUDIENCE_TITLES = {"business_owner": "Business Owner", "manager": "Manager"}
MAX_RECIPIENTS = 50
PERIODS = (7, 14, 30)
LOGO_TYPES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif"}
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def email_address(value: str) -> str:
    """The normalised address (domain lower-cased); syntax only, no DNS look-up."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"{value!r} is not a valid email address ({exc})") from None


EmailAddress = Annotated[str, AfterValidator(email_address)]


def _project_file(value: str | Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Audience(_Strict):
    emails: list[EmailAddress] = Field(default_factory=list)

    @field_validator("emails")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_RECIPIENTS:
            raise ValueError(
                f"{len(value)} addresses; at most {MAX_RECIPIENTS} per audience "
                "(use a distribution list for more)"
            )
        first: dict[str, int] = {}
        for index, address in enumerate(value):
            earlier = first.setdefault(address.casefold(), index)
            if earlier != index:
                raise ValueError(f"{address!r} is listed twice, at [{earlier}] and [{index}]")
        return value


class Audiences(_Strict):
    business_owner: Audience = Field(default_factory=Audience)
    manager: Audience = Field(default_factory=Audience)


class SmtpSettings(_Strict):
    """How reports leave: the relay, TLS (always verified) and who logs in."""

    host: str
    port: int = Field(587, ge=1, le=65535)
    starttls: bool = True
    user: str | None = None
    password_env: str | None = None
    from_address: EmailAddress
    ca_file: Path | None = None  # a private CA bundle, added to trust; never turns checks off
    timeout: float = Field(30, gt=0, le=600)

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        value = value.strip()
        if ":" in value:
            try:
                ipaddress.IPv6Address(value)
            except ValueError:
                raise ValueError(
                    "must be a bare host name such as smtp.example.com; put the port in "
                    "smtp.port and leave out any scheme"
                ) from None
        if not value or any(c.isspace() or c in "/@" for c in value):
            raise ValueError("must be a host name such as smtp.example.com")
        return value

    @field_validator("user")
    @classmethod
    def _user(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None

    @field_validator("password_env")
    @classmethod
    def _variable_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            # never echoed: a value that is not a variable name may be the password itself
            raise ValueError(
                "must be the NAME of the environment variable that holds the password, such "
                "as DESKMETRICS_SMTP_PASSWORD (the value given is not shown in case it is the "
                "password itself)"
            )
        return value

    @field_validator("ca_file")
    @classmethod
    def _ca_bundle(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        path = _project_file(value)
        if not path.is_file():
            raise ValueError(f"{path} does not exist")
        try:
            ssl.create_default_context(cafile=str(path))
        except ssl.SSLError:
            raise ValueError(f"{path} is not a PEM bundle of CA certificates") from None
        return path

    @model_validator(mode="after")
    def _login(self) -> SmtpSettings:
        if self.user and not self.password_env:
            raise ValueError("user is set, so password_env must name the password's variable")
        if self.password_env and not self.user:
            raise ValueError("password_env is set but user is empty; set the login user")
        if self.user and not self.starttls and self.host not in _LOOPBACK:
            raise ValueError(
                "logging in without starttls would send the password unencrypted; "
                "set starttls: true"
            )
        return self

    def password(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The login password from the environment or .env; None when no login is set."""
        if self.user is None or self.password_env is None:
            return None
        env = environ if environ is not None else read_environment()
        value = env.get(self.password_env)
        if not value:
            raise ConfigError(
                f"set the environment variable {self.password_env} (or put it in .env) to the "
                f"password of SMTP user {self.user!r}; secrets are never read from YAML"
            )
        return value


class Branding(_Strict):
    logo: str | None = None  # https URL, or an image file (relative to the project root)
    primary_colour: str = "#1f3a5f"
    accent_colour: str = "#e07a1f"

    @field_validator("primary_colour", "accent_colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not _COLOUR.match(value):
            raise ValueError(f"{value!r} is not a colour written #rrggbb, e.g. #1f3a5f")
        return value.lower()

    @field_validator("logo")
    @classmethod
    def _logo(cls, value: str | None) -> str | None:
        if not value:
            return None
        if "://" in value or value.lower().startswith(("data:", "javascript:")):
            _https_url(value)
            return value
        path = _project_file(value)
        if path.suffix.lower() not in LOGO_TYPES:
            raise ValueError(f"{value!r} must be a {', '.join(LOGO_TYPES)} image or https URL")
        if not path.is_file():
            raise ValueError(f"{path} does not exist")
        return str(path)

    @property
    def logo_path(self) -> Path | None:
        return Path(self.logo) if self.logo and "://" not in self.logo else None


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("must be an https:// URL such as https://reports.example.com/desk")
    if parts.username or parts.password:
        raise ValueError("must not carry a user name or password")
    return value


class ReportSettings(_Strict):
    """The whole of parameters/reports.yaml, validated."""

    enabled: bool = False
    organization: str
    audiences: Audiences = Field(default_factory=Audiences)
    period_days: int = 7
    smtp: SmtpSettings
    base_url: str
    branding: Branding = Field(default_factory=Branding)

    @field_validator("organization")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value or len(value) > 100 or not value.isprintable():
            raise ValueError("must be a one-line display name of 1 to 100 characters")
        return value

    @field_validator("period_days")
    @classmethod
    def _period(cls, value: int) -> int:
        if value not in PERIODS:
            raise ValueError(f"{value} is not one of {', '.join(map(str, PERIODS))} (days)")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return _https_url(value.strip()).rstrip("/")

    @model_validator(mode="after")
    def _someone(self) -> ReportSettings:
        if self.enabled and not any(self.recipients(a) for a in AUDIENCES):
            raise ValueError("enabled is true but no audience has an email address")
        return self

    def recipients(self, audience: str) -> list[str]:
        if audience not in AUDIENCES:
            raise ConfigError(f"unknown audience {audience!r}; use one of {', '.join(AUDIENCES)}")
        return list(getattr(self.audiences, audience).emails)


def read_environment() -> dict[str, str]:
    """os.environ over the project's gitignored .env (the environment wins)."""
    values = dotenv_values(DOTENV_FILE) if DOTENV_FILE.is_file() else {}
    return {**{k: v for k, v in values.items() if v}, **os.environ}


def load_report_settings(
    path: str | Path | None = None, overrides: dict[str, Any] | None = None
) -> ReportSettings:
    """Read and validate the report settings; overrides (nested or dotted keys) win.

    Every problem raises one ConfigError listing each bad setting by its path."""
    file = Path(path) if path else REPORTS_FILE
    label = _label(file)
    layer = _nest(overrides or {})
    data = _merge(_read(file, label), layer)
    try:
        return ReportSettings.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(err, label, layer) for err in exc.errors()]
    # raised outside the handler so no chained error carries a rejected input value
    raise ConfigError("\n".join(problems))


def _label(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(PROJECT_ROOT.resolve()))
    except ValueError:
        return str(file)


def _read(file: Path, label: str) -> dict[str, Any]:
    if not file.is_file():
        raise ConfigError(f"{label} does not exist; copy parameters/reports.yaml and edit it")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        # the parser's snippet of the line is left out: it may hold a pasted secret
        raise ConfigError(f"{label}: not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{label}: must hold a mapping of settings")
    return data


def _nest(overrides: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in overrides.items():
        *parents, leaf = str(key).split(".")
        branch = {leaf: _nest(value) if isinstance(value, dict) else value}
        for part in reversed(parents):
            branch = {part: branch}
        nested = _merge(nested, branch)
    return nested


def _merge(base: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _problem(err: Any, label: str, layer: dict[str, Any]) -> str:
    loc = err["loc"]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = _unknown(loc)
    elif err["type"] == "missing":
        message = "missing; this setting is required"
    source = "overrides" if _holds(layer, loc) else label
    return f"{source}: {where or '(top level)'}: {message}"


def _unknown(loc: tuple[Any, ...]) -> str:
    if loc[-2:] == ("smtp", "password"):
        return (
            "unknown key: the password never goes in this file; put it in an environment "
            "variable (or .env) and name that variable in smtp.password_env"
        )
    model: type[BaseModel] = ReportSettings
    for part in loc[:-1]:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return "unknown key"
        model = annotation
    return f"unknown key; expected one of {', '.join(model.model_fields)}"


def _holds(layer: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    node: Any = layer
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    return bool(loc)
