"""The canonical CSV contract: which files and columns exist, which are required, their kinds.

Any PSA export can be mapped to these files; tests and users load data through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "instant", "int", "float", "bool", "priority", "scale", "event_kind"]
EVENT_KINDS = ("customer_message", "agent_reply", "internal_note")

SURVEY_SCALES: dict[str, tuple[float, ...] | tuple[float, float]] = {
    "smileback": (-1, 0, 1),
    "crewhu": (-5, 0, 5),
    "stars5": (1, 2, 3, 4, 5),
    "nps": tuple(range(11)),
    "ces7": tuple(range(1, 8)),
}
CSAT_SCALES = ("smileback", "crewhu", "stars5")


@dataclass(frozen=True)
class FileContract:
    """One CSV file: its table, required and optional columns with their kinds."""

    name: str
    required: dict[str, Kind]
    optional: dict[str, Kind]
    mandatory: bool = False

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> dict[str, Kind]:
        return {**self.required, **self.optional}


CONTRACTS: dict[str, FileContract] = {
    c.name: c
    for c in (
        FileContract(
            "tickets",
            required={"ticket_id": "text", "created_at": "instant", "status": "text"},
            optional={
                "client_id": "text",
                "contact_id": "text",
                "board": "text",
                "category": "text",
                "subcategory": "text",
                "item": "text",
                "priority": "priority",
                "channel": "text",
                "owner_tech_id": "text",
                "first_response_at": "instant",
                "resolved_at": "instant",
                "closed_at": "instant",
                "updated_at": "instant",
                "response_due_at": "instant",
                "resolution_due_at": "instant",
                "title": "text",
                "source": "text",
                "ai_assisted": "bool",
            },
            mandatory=True,
        ),
        FileContract(
            "clients",
            required={"client_id": "text"},
            optional={"name": "text", "seats": "int"},
        ),
        FileContract(
            "contacts",
            required={"contact_id": "text"},
            optional={"client_id": "text", "name": "text", "email": "text"},
        ),
        FileContract(
            "technicians",
            required={"tech_id": "text"},
            optional={"name": "text", "team": "text", "tier": "int"},
        ),
        FileContract(
            "status_changes",
            required={"ticket_id": "text", "changed_at": "instant", "status": "text"},
            optional={"tech_id": "text"},
        ),
        FileContract(
            "ticket_events",
            required={"ticket_id": "text", "at": "instant", "kind": "event_kind"},
            optional={"tech_id": "text"},
        ),
        FileContract(
            "time_entries",
            required={"entry_id": "text", "ticket_id": "text", "hours": "float"},
            optional={"tech_id": "text", "started_at": "instant", "billable": "bool"},
        ),
        FileContract(
            "surveys",
            required={
                "response_id": "text",
                "submitted_at": "instant",
                "rating": "float",
                "scale": "scale",
            },
            optional={
                "source": "text",
                "ticket_id": "text",
                "client_id": "text",
                "tech_id": "text",
                "comment": "text",
            },
        ),
    )
}

# Load order: parents before children, so a reader never sees a survey without its ticket.
LOAD_ORDER = (
    "clients",
    "contacts",
    "technicians",
    "tickets",
    "status_changes",
    "ticket_events",
    "time_entries",
    "surveys",
)
