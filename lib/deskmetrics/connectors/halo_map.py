"""Halo PSA records -> canonical rows, and the Halo mapping file
(parameters/mappings/halo.yaml): the only place that knows Halo field names.

Halo sends naive ISO timestamps (read as UTC) and ``1900-01-01T00:00:00`` (any date before
1980) for "not set". Action ids are unique only inside their ticket, so time entries are keyed
``{ticket_id}-{action_id}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml

from deskmetrics.config import PARAMETERS_DIR, PROJECT_ROOT, STATUS_CATEGORIES
from deskmetrics.connectors.base import Quarantined
from deskmetrics.connectors.connectwise_fields import (
    Malformed,
    instant,
    norm,
    path_value,
    quarantined,
    record_id,
    text,
)
from deskmetrics.errors import ConfigError

DEFAULT_MAPPING = PARAMETERS_DIR / "mappings" / "halo.yaml"
EMPTY_BEFORE = datetime(1980, 1, 1, tzinfo=UTC)  # Halo's "not set" is 1900-01-01


@dataclass(frozen=True)
class HaloMapping:
    priority: dict[str, int] = field(default_factory=dict)  # priority_id (as text) -> 1..4
    unassigned_agent_ids: tuple[int, ...] = (0, 1)  # agent_id 1 is "Unassigned" in Halo data
    team_field: str = "team"  # agent field path for technicians.team
    seats_field: str = ""  # client field path for clients.seats ("" = none)


_KEYS = {"priority", "status_map", "unassigned_agent_ids", "team_field", "seats_field"}


def load_mapping(path: str | Path | None = None) -> HaloMapping:
    file = Path(path) if path else DEFAULT_MAPPING
    if path and not file.is_absolute():
        file = PROJECT_ROOT / file
    if not file.exists():
        if path:
            raise ConfigError(f"the Halo mapping file {file} does not exist")
        return HaloMapping(priority={str(n): n for n in range(1, 5)})
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or set(raw) - _KEYS:
        extra = sorted(set(raw) - _KEYS) if isinstance(raw, dict) else raw
        raise ConfigError(f"{file}: unknown key(s) {extra}; use {', '.join(sorted(_KEYS))}")
    priority = {}
    for name, value in (raw.get("priority") or {}).items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
            raise ConfigError(f"{file}: priority.{name}: use a whole number 1-4")
        priority[norm(str(name))] = value
    for name, category in (raw.get("status_map") or {}).items():
        if category not in STATUS_CATEGORIES:
            raise ConfigError(f"{file}: status_map.{name}: {category!r} is not a category")
    unassigned = raw.get("unassigned_agent_ids", [0, 1])
    if not isinstance(unassigned, list) or not all(isinstance(i, int) for i in unassigned):
        raise ConfigError(f"{file}: unassigned_agent_ids should be a list of agent ids")
    return HaloMapping(
        priority=priority,
        unassigned_agent_ids=tuple(unassigned),
        team_field=str(raw.get("team_field") or ""),
        seats_field=str(raw.get("seats_field") or ""),
    )


def halo_instant(value: object, name: str) -> pd.Timestamp | None:
    """A Halo timestamp as aware UTC; None when empty or the pre-1980 "not set" sentinel."""
    moment = instant(value, name)
    return None if moment is None or moment < EMPTY_BEFORE else moment


def _ref(value: object) -> str | None:
    """An id reference; 0 and negative ids mean "none" in Halo."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int):
        return str(value) if value > 0 else None
    return text(value)


class HaloMapper:
    def __init__(self, mapping: HaloMapping, statuses: dict[int, str] | None = None) -> None:
        self.mapping = mapping
        self.statuses = statuses or {}

    def agent_ref(self, value: object) -> str | None:
        if isinstance(value, int) and value in self.mapping.unassigned_agent_ids:
            return None
        return _ref(value)

    def priority(self, record: dict) -> int | None:
        for key in ("priority_id", "priority_name"):
            value = record.get(key)
            if value is not None and norm(str(value)) in self.mapping.priority:
                return self.mapping.priority[norm(str(value))]
        return None

    def status_name(self, status_id: object, fallback: object = None) -> str | None:
        if isinstance(status_id, int) and status_id in self.statuses:
            return self.statuses[status_id]
        return text(fallback)

    def client(self, record: dict) -> dict:
        seats = path_value(record, self.mapping.seats_field) if self.mapping.seats_field else None
        ok = isinstance(seats, int) and not isinstance(seats, bool) and seats >= 0
        return {
            "client_id": record_id(record),
            "name": text(record.get("name")),
            "seats": seats if ok else None,
        }

    def technician(self, record: dict) -> dict:
        team = path_value(record, self.mapping.team_field) if self.mapping.team_field else None
        return {
            "tech_id": record_id(record),
            "name": text(record.get("name")),
            "team": text(team),
            "tier": None,
        }

    def ticket(self, record: dict) -> dict:
        ticket_id = record_id(record)
        created = halo_instant(record.get("dateoccurred"), "dateoccurred")
        if created is None:
            raise Malformed("dateoccurred (the creation time) is missing")
        status = self.status_name(record.get("status_id"), record.get("status_name"))
        if status is None:
            raise Malformed(f"status_id {record.get('status_id')!r} names no known status")
        closed = halo_instant(record.get("dateclosed"), "dateclosed")
        response = record.get("responsedate") or record.get("first_responsedate")
        return {
            "ticket_id": ticket_id,
            "created_at": created,
            "status": status,
            "client_id": _ref(record.get("client_id")),
            "contact_id": _ref(record.get("user_id")),
            "board": text(record.get("team")),
            "category": text(record.get("category_1")),
            "subcategory": text(record.get("category_2")),
            "item": text(record.get("category_3")),
            "priority": self.priority(record),
            "channel": None,  # Halo's intake source field is UNCONFIRMED
            "owner_tech_id": self.agent_ref(record.get("agent_id")),
            "first_response_at": halo_instant(response, "responsedate"),
            "resolved_at": closed,  # Halo has one close time (filter name datecleared)
            "closed_at": closed,
            "updated_at": halo_instant(record.get("last_update"), "last_update"),
            "response_due_at": halo_instant(record.get("respondbydate"), "respondbydate"),
            "resolution_due_at": halo_instant(record.get("fixbydate"), "fixbydate"),
            "title": text(record.get("summary")),
            "source": "halo",
        }

    def actions(
        self, ticket: dict, actions: list[dict]
    ) -> tuple[list[dict], list[dict], list[dict], list[Quarantined]]:
        """(status_changes, ticket_events, time_entries, quarantined) of one ticket."""
        ticket_id = ticket["ticket_id"]
        changes, events, entries, bad = [], [], [], []
        for n, action in enumerate(actions):
            try:
                self._action(ticket, action, changes, events, entries)
            except Malformed as exc:
                key = f"{ticket_id}/action/{action.get('id', f'#{n}')}"
                bad.append(quarantined(key, f"action: {exc}", action))
        changes.sort(key=lambda r: r["changed_at"])
        if changes and changes[0]["_old"] and changes[0]["changed_at"] > ticket["created_at"]:
            first = {"ticket_id": ticket_id, "changed_at": ticket["created_at"], "tech_id": None}
            changes.insert(0, {**first, "status": changes[0]["_old"]})
        changes = [{k: v for k, v in r.items() if k != "_old"} for r in changes]
        return _unique(changes, 3), _unique(events, 3), entries, bad

    def _action(self, ticket, action, changes, events, entries) -> None:
        ticket_id = ticket["ticket_id"]
        at = None
        for key in ("datetime", "actiondatecreated", "actionarrivaldate"):
            at = at or halo_instant(action.get(key), key)
        if at is None:
            raise Malformed("datetime (when the action happened) is missing")
        who = self.agent_ref(action.get("who_agentid"))
        new = action.get("new_status")
        old = action.get("old_status")
        if isinstance(new, int) and new > 0 and new != old:
            status = self.status_name(new, action.get("new_status_name"))
            if status is None:
                raise Malformed(f"new_status {new!r} names no known status")
            old_name = self.status_name(old) if isinstance(old, int) and old > 0 else None
            changes.append(
                {"ticket_id": ticket_id, "changed_at": at, "status": status, "tech_id": who}
                | {"_old": old_name}
            )
        direction = str(action.get("emaildirection") or "").upper()
        if text(action.get("note")) or direction in {"I", "O"}:
            if direction == "I" or (who is None and direction != "O"):
                kind, who = "customer_message", None
            elif action.get("hiddenfromuser") is True:
                kind = "internal_note"
            else:
                kind = "agent_reply"
            events.append({"ticket_id": ticket_id, "at": at, "kind": kind, "tech_id": who})
        hours = action.get("timetaken")
        if hours not in (None, 0, 0.0):
            if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0:
                raise Malformed(f"timetaken is not a number of hours: {hours!r}")
            action_id = record_id(action)
            billable = action.get("actisbillable")
            entries.append(
                {
                    "entry_id": f"{ticket_id}-{action_id}",
                    "ticket_id": ticket_id,
                    "tech_id": who,
                    "started_at": halo_instant(action.get("actionarrivaldate"), "arrival") or at,
                    "hours": float(hours),
                    "billable": billable if isinstance(billable, bool) else None,
                }
            )


def _unique(rows: list[dict], width: int) -> list[dict]:
    """First row per primary key (the first ``width`` columns): one key, one row per batch."""
    seen, out = set(), []
    for row in rows:
        key = tuple(list(row.values())[:width])
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out
