"""Autotask records -> canonical rows, and the mapping file (parameters/mappings/autotask.yaml).

Picklist ids (ticket status, priority, queueID, issueType, subIssueType, source; note publish
and noteType) are resolved to their tenant labels from ``entityInformation/fields``. Ids of
companies, contacts and resources are kept as strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from deskmetrics.config import PARAMETERS_DIR, PROJECT_ROOT, STATUS_CATEGORIES
from deskmetrics.connectors.base import Quarantined
from deskmetrics.connectors.connectwise_fields import (
    Malformed,
    instant,
    norm,
    quarantined,
    record_id,
    text,
)
from deskmetrics.errors import ConfigError

DEFAULT_MAPPING = PARAMETERS_DIR / "mappings" / "autotask.yaml"
# TicketHistory ``detail`` wording is UNCONFIRMED: group "new" is required, "old" optional
DEFAULT_STATUS_PATTERN = (
    r'(?i)\bstatus\b(?:\s+changed)?(?:\s+from)?\s*:?\s*"?(?P<old>[^"\n]*?)"?\s*(?:->|\bto\b)'
    r'\s*"?(?P<new>[^"\n]+?)"?\s*(?:[.;,]|$)'
)
EVENT_KINDS = ("customer_message", "agent_reply", "internal_note")
_PRIORITY_WORDS = {"critical": 1, "high": 2, "medium": 3, "normal": 3, "low": 4}


@dataclass(frozen=True)
class AtMapping:
    priority: dict[str, int] = field(default_factory=dict)  # priority label -> 1..4
    status_pattern: str = DEFAULT_STATUS_PATTERN
    note_publish: dict[str, str] = field(default_factory=dict)  # publish label -> event kind
    survey_rating_field: str = "surveyRating"

    @property
    def status_regex(self) -> re.Pattern[str]:
        return re.compile(self.status_pattern)


# business: read by the business streams (connectwise_business_config.load_business)
_KEYS = {
    "priority",
    "status_pattern",
    "note_publish",
    "survey_rating_field",
    "status_map",
    "business",
}


def load_mapping(path: str | Path | None = None) -> AtMapping:
    file = Path(path) if path else DEFAULT_MAPPING
    if path and not file.is_absolute():
        file = PROJECT_ROOT / file
    if not file.exists():
        if path:
            raise ConfigError(f"the Autotask mapping file {file} does not exist")
        return AtMapping()
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or set(raw) - _KEYS:
        extra = sorted(set(raw) - _KEYS) if isinstance(raw, dict) else raw
        raise ConfigError(f"{file}: unknown key(s) {extra}; use {', '.join(sorted(_KEYS))}")
    for name, value in (raw.get("priority") or {}).items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
            raise ConfigError(f"{file}: priority.{name}: use a whole number 1-4")
    for name, kind in (raw.get("note_publish") or {}).items():
        if kind not in EVENT_KINDS:
            raise ConfigError(f"{file}: note_publish.{name}: use one of {', '.join(EVENT_KINDS)}")
    for name, category in (raw.get("status_map") or {}).items():
        if category not in STATUS_CATEGORIES:
            raise ConfigError(f"{file}: status_map.{name}: {category!r} is not a category")
    values = {k: v for k, v in raw.items() if k not in {"status_map", "business"} and v is not None}
    mapping = AtMapping(**values)
    try:
        regex = mapping.status_regex
    except re.error as exc:
        raise ConfigError(f"{file}: status_pattern is not a regular expression: {exc}") from None
    if "new" not in regex.groupindex:
        raise ConfigError(f"{file}: status_pattern needs a (?P<new>...) group")
    return mapping


def ref(record: dict, key: str) -> str | None:
    """An id field (companyID, assignedResourceID...) as a string; 0 or empty is None."""
    value = record.get(key)
    if value in (None, "", 0) or isinstance(value, bool):
        return None
    return str(int(value)) if isinstance(value, int | float) else text(value)


class AtMapper:
    def __init__(self, mapping: AtMapping, picklists: dict[str, dict[str, dict[str, str]]]):
        self.mapping = mapping
        self.picklists = picklists  # entity -> field (lower) -> {value: label}
        self._priorities = {norm(str(k)): v for k, v in mapping.priority.items()}
        self._publish = {norm(str(k)): v for k, v in mapping.note_publish.items()}

    def label(self, entity: str, record: dict, key: str, *, required: bool = False) -> str | None:
        value = record.get(key)
        if value in (None, ""):
            if required:
                raise Malformed(f"{key} is missing")
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        labels = self.picklists.get(entity, {}).get(key.lower(), {})
        if str(value) in labels:
            return labels[str(value)]
        raise Malformed(f"{key} {value!r} is not in the {entity} {key} picklist")

    def priority(self, label: str | None) -> int | None:
        if label is None:
            return None
        if norm(label) in self._priorities:
            return self._priorities[norm(label)]
        return _PRIORITY_WORDS.get(norm(label))

    # -- entities --------------------------------------------------------------------------
    def client(self, record: dict) -> dict:
        return {
            "client_id": record_id(record),
            "name": text(record.get("companyName")),
            "seats": None,
        }

    def contact(self, record: dict) -> dict:
        name = " ".join(
            p for p in (text(record.get("firstName")), text(record.get("lastName"))) if p
        )
        return {
            "contact_id": record_id(record),
            "client_id": ref(record, "companyID"),
            "name": name or None,
            "email": text(record.get("emailAddress")),
        }

    def technician(self, record: dict) -> dict:
        name = " ".join(
            p for p in (text(record.get("firstName")), text(record.get("lastName"))) if p
        )
        return {"tech_id": record_id(record), "name": name or None, "team": None, "tier": None}

    def ticket(self, record: dict) -> dict:
        ticket_id = record_id(record)
        created = instant(record.get("createDate"), "createDate")
        if created is None:
            raise Malformed("createDate (the creation time) is missing")
        label = lambda key, **kw: self.label("Tickets", record, key, **kw)  # noqa: E731
        return {
            "ticket_id": ticket_id,
            "created_at": created,
            "status": label("status", required=True),
            "client_id": ref(record, "companyID"),
            "contact_id": ref(record, "contactID"),
            "board": label("queueID"),
            "category": label("issueType"),
            "subcategory": label("subIssueType"),
            "item": None,
            "priority": self.priority(label("priority")),
            "channel": label("source"),
            "owner_tech_id": ref(record, "assignedResourceID"),
            "first_response_at": instant(
                record.get("firstResponseDateTime"), "firstResponseDateTime"
            ),
            "resolved_at": instant(record.get("resolvedDateTime"), "resolvedDateTime"),
            "closed_at": instant(record.get("completedDate"), "completedDate"),
            "updated_at": instant(record.get("lastActivityDate"), "lastActivityDate"),
            "response_due_at": instant(
                record.get("firstResponseDueDateTime"), "firstResponseDueDateTime"
            ),
            "resolution_due_at": instant(record.get("resolvedDueDateTime"), "resolvedDueDateTime"),
            "title": text(record.get("title")),
            "source": "autotask",
        }

    def status_changes(
        self, ticket: dict, entries: list[dict]
    ) -> tuple[list[dict], list[Quarantined]]:
        """Status changes parsed from TicketHistory ``detail`` (or ``action``) text. A value
        that is a picklist id is resolved to its label. When the first change names the status
        it left and happened after creation, that status is recorded at ``created_at``."""
        rows, bad = [], []
        statuses = self.picklists.get("Tickets", {}).get("status", {})
        for n, entry in enumerate(entries):
            wording = " ".join(str(entry.get(k) or "") for k in ("action", "detail"))
            matches = list(self.mapping.status_regex.finditer(wording))
            if not matches:
                continue
            try:
                at = instant(entry.get("date"), "date")
                if at is None:
                    raise Malformed("date is missing")
            except Malformed as exc:
                key = f"{ticket['ticket_id']}/history/{entry.get('id', n)}"
                bad.append(quarantined(key, f"history entry: {exc}", entry))
                continue
            for match in matches:
                new = text(match["new"])
                if new is None:
                    continue
                old = text(match.groupdict().get("old"))
                rows.append(
                    {
                        "ticket_id": ticket["ticket_id"],
                        "changed_at": at,
                        "status": statuses.get(new, new),
                        "tech_id": ref(entry, "resourceID"),
                        "_old": statuses.get(old, old) if old else None,
                    }
                )
        rows.sort(key=lambda r: r["changed_at"])
        if rows and rows[0]["_old"] and rows[0]["changed_at"] > ticket["created_at"]:
            first = {"changed_at": ticket["created_at"], "status": rows[0]["_old"]}
            rows.insert(0, {"ticket_id": ticket["ticket_id"], "tech_id": None, **first})
        return [{k: v for k, v in r.items() if k != "_old"} for r in rows], bad

    def event(self, note: dict) -> dict:
        """A TicketNote as a conversation event: written by a contact (``createdByContactID``
        or a contact ``creatorType``) -> customer_message; otherwise the ``publish`` label
        decides through ``note_publish`` in the mapping, and a label not listed there is
        internal_note when it mentions "internal", else agent_reply."""
        ticket_id = ref(note, "ticketID")
        if ticket_id is None:
            raise Malformed("ticketID is missing")
        at = instant(note.get("createDateTime"), "createDateTime")
        if at is None:
            raise Malformed("createDateTime is missing")
        creator = str(note.get("creatorType") or "").lower()
        if ref(note, "createdByContactID") or creator == "contact":
            return {"ticket_id": ticket_id, "at": at, "kind": "customer_message", "tech_id": None}
        publish = self.label("TicketNotes", note, "publish") or ""
        kind = self._publish.get(norm(publish))
        if kind is None:
            kind = "internal_note" if "internal" in publish.lower() else "agent_reply"
        tech = ref(note, "creatorResourceID")
        return {"ticket_id": ticket_id, "at": at, "kind": kind, "tech_id": tech}

    def time_entry(self, record: dict) -> dict:
        ticket_id = ref(record, "ticketID")
        if ticket_id is None:
            raise Malformed("ticketID (the ticket) is missing")
        hours = record.get("hoursWorked")
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0:
            raise Malformed(f"hoursWorked is missing or not a number of hours: {hours!r}")
        started = instant(record.get("startDateTime"), "startDateTime") or instant(
            record.get("dateWorked"), "dateWorked"
        )
        billable = record.get("isNonBillable")
        return {
            "entry_id": record_id(record),
            "ticket_id": ticket_id,
            "tech_id": ref(record, "resourceID"),
            "started_at": started,
            "hours": float(hours),
            "billable": None if billable is None else not bool(billable),
        }

    def survey(self, record: dict) -> dict:
        """Native SurveyResults on the 1-5 star scale; a rating outside 1-5 is malformed."""
        name = self.mapping.survey_rating_field
        rating = record.get(name)
        if isinstance(rating, bool) or not isinstance(rating, int | float) or not 1 <= rating <= 5:
            raise Malformed(f"{name} is not a 1-5 rating: {rating!r}")
        submitted = instant(record.get("completeDate"), "completeDate")
        if submitted is None:
            raise Malformed("completeDate is missing (survey not completed)")
        return {
            "response_id": record_id(record),
            "source": "autotask",
            "ticket_id": ref(record, "ticketID"),
            "client_id": ref(record, "companyID"),
            "tech_id": None,
            "submitted_at": submitted,
            "rating": float(rating),
            "scale": "stars5",
            "comment": None,
        }
