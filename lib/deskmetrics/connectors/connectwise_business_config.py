"""The ``business:`` section of a PSA mapping file (parameters/mappings/<vendor>.yaml): how the
vendor's agreement types, billing periods, statuses and fields become the canonical business
values. Shared by the ConnectWise and Autotask business streams; each vendor accepts its own
keys and brings its own defaults (``CW_BUSINESS``, ``AT_BUSINESS``).

A name listed in a mapping wins (matched ignoring case and repeated spaces); a name not listed
falls back to keywords (``classify``), so a tenant with the usual names needs no mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import yaml

from deskmetrics.config import PROJECT_ROOT
from deskmetrics.connectors.connectwise_fields import norm
from deskmetrics.errors import ConfigError
from deskmetrics.schema.contract import (
    AGREEMENT_TYPES,
    DEVICE_TYPES,
    OUTCOMES,
    PERIOD_TYPES,
    PROJECT_STATUSES,
)


@dataclass(frozen=True)
class BusinessMapping:
    agreement_types: dict[str, str] = field(default_factory=dict)  # vendor type -> canonical
    period_types: dict[str, str] = field(default_factory=dict)  # billing cycle -> period_type
    cancelled_statuses: tuple[str, ...] = ("Cancelled", "Canceled")  # agreement statuses
    agreement_revenue_field: str = ""  # the recurring amount per period
    invoice_amount_field: str = ""
    invoice_tax_field: str = ""  # subtracted from the amount when set
    invoice_pending_statuses: tuple[str, ...] = ()  # invoice statuses not yet invoiced
    invoice_services: dict[str, str] = field(default_factory=dict)  # invoice type -> service
    device_types: dict[str, str] = field(default_factory=dict)  # vendor type -> device_type
    device_review_statuses: tuple[str, ...] = ()  # configuration statuses awaiting review
    device_review_field: str = ""  # a field whose true value means awaiting review
    device_patches_field: str = ""  # a field holding the number of missing patches
    project_statuses: dict[str, str] = field(default_factory=dict)  # status -> canonical
    opportunity_outcomes: dict[str, str] = field(default_factory=dict)  # status -> won/lost
    opportunity_amount_field: str = ""
    opportunity_reason_field: str = ""


_ALLOWED = {
    "agreement_types": AGREEMENT_TYPES,
    "period_types": PERIOD_TYPES,
    "device_types": DEVICE_TYPES,
    "project_statuses": PROJECT_STATUSES,
    "opportunity_outcomes": OUTCOMES,
    "invoice_services": None,  # free text
}
_LISTS = {"cancelled_statuses", "invoice_pending_statuses", "device_review_statuses"}

# ConnectWise: every field name below is from public client models, not the connector notes
# (UNCONFIRMED); each is a key of the mapping file, so a tenant can correct it.
CW_BUSINESS = BusinessMapping(
    agreement_revenue_field="billAmount",
    invoice_amount_field="subtotal",
    invoice_pending_statuses=("New",),
    invoice_services={
        "Agreement": "Managed services",
        "Progress": "Project",
        "DownPayment": "Project",
    },
    device_review_statuses=("Awaiting Review",),
    opportunity_amount_field="forecast/forecastRevenueTotals/revenue",
)
CW_KEYS = tuple(f.name for f in fields(BusinessMapping))
# Autotask: field names from a public client's entity types (UNCONFIRMED); no invoice status
# (every Invoice is invoiced) and no configuration status exist there.
AT_BUSINESS = BusinessMapping(
    invoice_amount_field="invoiceTotal",
    invoice_tax_field="totalTaxValue",
    device_patches_field="rmmDeviceAuditMissingPatchCount",
    opportunity_amount_field="amount",
    opportunity_outcomes={"Closed": "won", "Implemented": "won", "Lost": "lost"},
)
AT_KEYS = tuple(
    k
    for k in CW_KEYS
    if k not in {"invoice_pending_statuses", "invoice_services", "device_review_statuses"}
)


def load_business(
    file: Path | str | None, defaults: BusinessMapping, keys: tuple[str, ...]
) -> BusinessMapping:
    """``defaults`` overridden by the ``business:`` section of ``file`` (None or a file without
    the section: the defaults). Mapping keys given replace the default mapping whole."""
    if file is None:
        return defaults
    path = Path(file)
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    if not path.exists():
        return defaults
    try:
        raw = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("business") or {}
    except (yaml.YAMLError, AttributeError) as exc:
        raise ConfigError(f"{path} is not a valid mapping file: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: business should be a mapping of key: value")
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise ConfigError(f"{path}: business: unknown key(s) {unknown}; use {', '.join(keys)}")
    values: dict[str, object] = {}
    for key, value in raw.items():
        if value is None:
            continue
        where = f"{path}: business.{key}"
        if key in _ALLOWED:
            if not isinstance(value, dict):
                raise ConfigError(f"{where} should be a mapping of name: value")
            allowed = _ALLOWED[key]
            for name, target in value.items():
                if allowed is not None and target not in allowed:
                    raise ConfigError(
                        f"{where}.{name}: {target!r} is not one of {', '.join(allowed)}"
                    )
            values[key] = {str(k): str(v) for k, v in value.items()}
        elif key in _LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where} should be a list of names")
            values[key] = tuple(value)
        elif not isinstance(value, str):
            raise ConfigError(f"{where} should be a field name (a string)")
        else:
            values[key] = value
    return replace(defaults, **values)


# -- classifying vendor names ---------------------------------------------------------------
_AGREEMENT_WORDS = (
    (r"block|pre-?paid|bank|retainer", "block_hours"),
    (r"time\s*(?:and|&)\s*materials?|\bt\s*&\s*m\b|\bt&m\b|hourly", "time_and_materials"),
    (r"project|fixed\s*(?:price|fee)", "project"),
    (r"managed|recurring|msp|monthly|support|subscription", "recurring"),
)
_PERIOD_WORDS = (
    (r"semi|bi-?annual|half", None),  # twice a year: no canonical period, left empty
    (r"one[\s-]*time|once|single", "one_time"),
    (r"quarter", "quarterly"),
    (r"annual|year", "annual"),
    (r"month", "monthly"),
)
_DEVICE_WORDS = (
    (r"server|\bhost\b|\bnas\b|\bsan\b|hypervisor", "server"),
    (r"workstation|desktop|laptop|notebook|\bpc\b|\bmac\b|computer", "workstation"),
    (r"firewall|switch|router|network|access\s*point|\bwap\b|wireless|gateway", "network"),
    (r"phone|mobile|tablet|ipad|iphone|android", "mobile"),
)
_PROJECT_WORDS = (
    (r"cancel", "cancelled"),
    (r"hold|paused|waiting", "on_hold"),
    (r"closed|complete|done|finished|inactive", "closed"),
)
_OUTCOME_WORDS = ((r"\bwon\b|\bwin\b", "won"), (r"\blost\b|\bloss\b|no\s*decision", "lost"))
WORDS = {
    "agreement_types": _AGREEMENT_WORDS,
    "period_types": _PERIOD_WORDS,
    "device_types": _DEVICE_WORDS,
    "project_statuses": _PROJECT_WORDS,
    "opportunity_outcomes": _OUTCOME_WORDS,
}


def classify(mapping: BusinessMapping, key: str, name: str | None) -> str | None:
    """The canonical value of a vendor name: listed in ``mapping.<key>``, else the first
    keyword rule that matches (see ``WORDS``), else None."""
    if name is None:
        return None
    listed = {norm(k): v for k, v in getattr(mapping, key).items()}
    if norm(name) in listed:
        return listed[norm(name)]
    for pattern, value in WORDS.get(key, ()):
        if re.search(pattern, name, re.I):
            return value
    return None


def listed(names: tuple[str, ...], name: str | None) -> bool:
    """``name`` is one of ``names``, ignoring case and repeated spaces."""
    return name is not None and norm(name) in {norm(n) for n in names}
