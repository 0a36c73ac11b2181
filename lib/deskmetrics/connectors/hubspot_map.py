"""HubSpot records -> canonical rows, and the mapping file (parameters/mappings/hubspot.yaml).

The only place that knows HubSpot property names. Property values arrive as strings;
datetimes as ISO strings (naive = UTC) or milliseconds; durations in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from deskmetrics.config import PARAMETERS_DIR, PROJECT_ROOT, STATUS_CATEGORIES
from deskmetrics.connectors.base import Quarantined
from deskmetrics.connectors.connectwise_fields import Malformed, norm, quarantined, text
from deskmetrics.connectors.hubspot_api import hs_instant
from deskmetrics.errors import ConfigError
from deskmetrics.schema.contract import SURVEY_SCALES

DEFAULT_MAPPING = PARAMETERS_DIR / "mappings" / "hubspot.yaml"
STAGE_ENTERED = "hs_v2_date_entered_"
TICKET_PROPERTIES = (
    "hs_object_id",
    "subject",
    "hs_pipeline",
    "hs_pipeline_stage",
    "createdate",
    "hs_lastmodifieddate",
    "closed_date",
    "first_agent_reply_date",
    "time_to_first_agent_reply",
    "time_to_close",
    "hs_time_to_first_response_sla_at",
    "hs_time_to_close_sla_at",
    "hubspot_owner_id",
    "hs_ticket_category",
    "hs_ticket_priority",
    "source_type",
)
FEEDBACK_PROPERTIES = (
    "hs_object_id",
    "hs_createdate",
    "hs_lastmodifieddate",
    "hs_survey_type",
    "hs_survey_name",
    "hs_value",
    "hs_content",
    "hs_submission_timestamp",
    "hs_ticket_id",
    "hs_contact_id",
)
COMPANY_PROPERTIES = ("hs_object_id", "name", "hs_lastmodifieddate")
# contacts keep their last-modified time in ``lastmodifieddate``, without the hs_ prefix, and
# their primary company in ``associatedcompanyid`` [lib: public sync code]
CONTACT_PROPERTIES = (
    "hs_object_id",
    "firstname",
    "lastname",
    "email",
    "associatedcompanyid",
    "lastmodifieddate",
)


@dataclass(frozen=True)
class HsMapping:
    priority: dict[str, int] = field(
        default_factory=lambda: {"URGENT": 1, "HIGH": 1, "MEDIUM": 3, "LOW": 4}
    )
    survey_scales: dict[str, str] = field(
        default_factory=lambda: {"CSAT": "stars5", "CES": "ces7", "NPS": "nps"}
    )
    seats_property: str | None = None  # the company property holding managed seats


_KEYS = {"priority", "survey_scales", "status_map", "seats_property"}
_TABLES = ("priority", "survey_scales", "status_map")


def load_mapping(path: str | Path | None = None) -> HsMapping:
    """The mapping file, validated; keys left out keep their defaults, unknown keys fail."""
    file = Path(path) if path else DEFAULT_MAPPING
    if path and not file.is_absolute():
        file = PROJECT_ROOT / file
    if not file.exists():
        if path:
            raise ConfigError(f"the HubSpot mapping file {file} does not exist")
        return HsMapping()
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or set(raw) - _KEYS:
        extra = sorted(set(raw) - _KEYS) if isinstance(raw, dict) else raw
        raise ConfigError(f"{file}: unknown key(s) {extra}; use {', '.join(sorted(_KEYS))}")
    for key in _TABLES:
        if raw.get(key) is not None and not isinstance(raw[key], dict):
            raise ConfigError(f"{file}: {key} should be a mapping of name: value")
    seats = raw.get("seats_property")
    if seats is not None and (not isinstance(seats, str) or not seats.strip()):
        raise ConfigError(f"{file}: seats_property should be a company property name")
    for name, value in (raw.get("priority") or {}).items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
            raise ConfigError(f"{file}: priority.{name}: use a whole number 1-4")
    for name, scale in (raw.get("survey_scales") or {}).items():
        if scale not in SURVEY_SCALES:
            raise ConfigError(
                f"{file}: survey_scales.{name}: {scale!r} is not one of {', '.join(SURVEY_SCALES)}"
            )
    for name, category in (raw.get("status_map") or {}).items():
        if category not in STATUS_CATEGORIES:
            raise ConfigError(f"{file}: status_map.{name}: {category!r} is not a status category")
    values: dict = {k: dict(raw[k]) for k in ("priority", "survey_scales") if raw.get(k)}
    return HsMapping(**values, seats_property=seats.strip() if seats else None)


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    closed: bool


@dataclass(frozen=True)
class Pipeline:
    id: str
    label: str
    stages: dict[str, Stage]


def pipelines_from(body: object) -> dict[str, Pipeline]:
    """``GET /pipelines/tickets`` -> {pipeline id: Pipeline}."""
    out = {}
    for raw in (body or {}).get("results", []) if isinstance(body, dict) else []:
        if not isinstance(raw, dict) or raw.get("id") in (None, ""):
            continue
        stages = {}
        for stage in raw.get("stages") or []:
            if isinstance(stage, dict) and stage.get("id") not in (None, ""):
                state = str((stage.get("metadata") or {}).get("ticketState", "")).upper()
                label = text(stage.get("label")) or str(stage["id"])
                stages[str(stage["id"])] = Stage(str(stage["id"]), label, state == "CLOSED")
        out[str(raw["id"])] = Pipeline(str(raw["id"]), text(raw.get("label")) or "", stages)
    return out


def _props(record: dict) -> dict:
    props = record.get("properties")
    if not isinstance(props, dict):
        raise Malformed("properties is missing")
    return props


def _id(record: dict, props: dict) -> str:
    value = props.get("hs_object_id") or record.get("id")
    if not str(value or "").strip().isdigit():
        raise Malformed(f"id is missing or not a number: {value!r}")
    return str(int(str(value).strip()))


def _millis(value: object, name: str) -> pd.Timedelta | None:
    if value in (None, ""):
        return None
    try:
        return pd.Timedelta(milliseconds=float(value))
    except (TypeError, ValueError):
        raise Malformed(f"{name} is not a number of milliseconds: {value!r}") from None


class HsMapper:
    def __init__(self, mapping: HsMapping, pipelines: dict[str, Pipeline]) -> None:
        self.mapping, self.pipelines = mapping, pipelines
        self._priorities = {norm(k): v for k, v in mapping.priority.items()}
        self._scales = {norm(k): v for k, v in mapping.survey_scales.items()}
        self._stages = {s.id: (p, s) for p in pipelines.values() for s in p.stages.values()}

    def stage_properties(self) -> list[str]:
        return sorted({STAGE_ENTERED + stage for stage in self._stages})

    def _stage(self, props: dict) -> tuple[Pipeline | None, Stage | None]:
        pipeline = self.pipelines.get(str(props.get("hs_pipeline") or ""))
        stage_id = str(props.get("hs_pipeline_stage") or "")
        if pipeline and stage_id in pipeline.stages:
            return pipeline, pipeline.stages[stage_id]
        found = self._stages.get(stage_id)  # stage ids are unique across a portal's pipelines
        return (pipeline or (found[0] if found else None)), (found[1] if found else None)

    def ticket(self, record: dict) -> dict:
        props = _props(record)
        ticket_id = _id(record, props)
        created = hs_instant(props.get("createdate") or record.get("createdAt"), "createdate")
        if created is None:
            raise Malformed("createdate (the creation time) is missing")
        updated = hs_instant(props.get("hs_lastmodifieddate"), "hs_lastmodifieddate")
        if updated is None:
            raise Malformed("hs_lastmodifieddate is missing")
        stage_id = text(props.get("hs_pipeline_stage"))
        if stage_id is None:
            raise Malformed("hs_pipeline_stage is missing")
        pipeline, stage = self._stage(props)
        first = hs_instant(props.get("first_agent_reply_date"), "first_agent_reply_date")
        to_first = _millis(props.get("time_to_first_agent_reply"), "time_to_first_agent_reply")
        if first is None and to_first is not None:
            first = created + to_first
        closed = hs_instant(props.get("closed_date"), "closed_date")
        to_close = _millis(props.get("time_to_close"), "time_to_close")
        if closed is None and to_close is not None and stage is not None and stage.closed:
            closed = created + to_close
        priority = text(props.get("hs_ticket_priority"))
        return {
            "ticket_id": ticket_id,
            "created_at": created,
            "status": stage.label if stage else stage_id,  # unknown stage: its raw id
            "board": pipeline.label if pipeline else text(props.get("hs_pipeline")),
            "category": text(props.get("hs_ticket_category")),
            "priority": self._priorities.get(norm(priority)) if priority else None,
            "channel": text(props.get("source_type")),
            "owner_tech_id": text(props.get("hubspot_owner_id")),
            "first_response_at": first,
            "closed_at": closed,
            "updated_at": updated,
            "response_due_at": hs_instant(
                props.get("hs_time_to_first_response_sla_at"), "hs_time_to_first_response_sla_at"
            ),
            "resolution_due_at": hs_instant(
                props.get("hs_time_to_close_sla_at"), "hs_time_to_close_sla_at"
            ),
            "title": text(props.get("subject")),
            "source": "hubspot",
        }

    def status_changes(self, ticket: dict, record: dict) -> tuple[list[dict], list[Quarantined]]:
        """One row per stage the ticket has a ``hs_v2_date_entered_<stage>`` time for: the
        latest entry into each stage (HubSpot keeps no earlier ones in these properties)."""
        rows, bad = [], []
        for name, value in _props(record).items():
            if not name.startswith(STAGE_ENTERED) or value in (None, ""):
                continue
            stage_id = name[len(STAGE_ENTERED) :]
            try:
                at = hs_instant(value, name)
            except Malformed as exc:
                bad.append(quarantined(f"{ticket['ticket_id']}/stage/{stage_id}", str(exc), record))
                continue
            found = self._stages.get(stage_id)
            label = found[1].label if found else stage_id
            rows.append({"ticket_id": ticket["ticket_id"], "changed_at": at, "status": label})
        rows.sort(key=lambda r: r["changed_at"])
        return [{**r, "tech_id": None} for r in rows], bad

    def survey(self, record: dict) -> dict | None:
        """A feedback submission as a survey row; None for types without a scale (CUSTOM,
        KNOWLEDGE...)."""
        props = _props(record)
        response_id = _id(record, props)
        kind = text(props.get("hs_survey_type"))
        scale = self._scales.get(norm(kind)) if kind else None
        if scale is None:
            return None
        at = hs_instant(
            props.get("hs_submission_timestamp") or props.get("hs_createdate"),
            "hs_submission_timestamp",
        )
        if at is None:
            raise Malformed("hs_submission_timestamp and hs_createdate are missing")
        try:
            rating = float(props.get("hs_value"))
        except (TypeError, ValueError):
            raise Malformed(f"hs_value is not a number: {props.get('hs_value')!r}") from None
        if rating not in SURVEY_SCALES[scale]:
            raise Malformed(f"hs_value {rating:g} is not on the {scale} scale of a {kind} survey")
        return {
            "response_id": f"hubspot:{response_id}",
            "source": "hubspot",
            "ticket_id": text(props.get("hs_ticket_id")),  # associations may replace these
            "contact_id": text(props.get("hs_contact_id")),  # (not a surveys column)
            "client_id": None,
            "tech_id": None,
            "submitted_at": at,
            "rating": rating,
            "scale": scale,
            "comment": text(props.get("hs_content")),
        }

    def client(self, record: dict) -> dict:
        props = _props(record)
        seats = self.mapping.seats_property
        raw = props.get(seats) if seats else None
        try:
            count = None if raw in (None, "") else int(float(raw))
        except (TypeError, ValueError):
            raise Malformed(f"{seats} is not a number of seats: {raw!r}") from None
        return {"client_id": _id(record, props), "name": text(props.get("name")), "seats": count}

    @staticmethod
    def contact(record: dict) -> dict:
        props = _props(record)
        name = " ".join(p for p in (text(props.get("firstname")), text(props.get("lastname"))) if p)
        return {
            "contact_id": _id(record, props),
            "client_id": text(props.get("associatedcompanyid")),
            "name": name or None,
            "email": text(props.get("email")),
        }

    @staticmethod
    def technician(record: dict) -> dict:
        value = record.get("id")
        if not str(value or "").strip():
            raise Malformed(f"owner id is missing: {value!r}")
        name = " ".join(
            p for p in (text(record.get("firstName")), text(record.get("lastName"))) if p
        )
        teams = [t for t in record.get("teams") or [] if isinstance(t, dict)]
        teams.sort(key=lambda t: not t.get("primary"))
        return {
            "tech_id": str(value).strip(),
            "name": name or text(record.get("email")),
            "team": text(teams[0].get("name")) if teams else None,
            "tier": None,
        }
