"""The canonical CSV contract: which files and columns exist, which are required, their kinds.

Any PSA export can be mapped to these files; tests and users load data through them. A
column's kind is one of ``Kind`` or a tuple of the values an enumerated column allows. Columns
are required where the warehouse needs a value (primary keys and NOT NULL columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "text",
    "instant",  # ISO 8601 timestamp; naive means local time
    "date",  # a local calendar day, YYYY-MM-DD
    "int",
    "count",  # whole number, not negative
    "float",  # any number (revenue lines may be credits)
    "amount",  # money, not negative
    "hours",  # not negative
    "percent",  # 0 to 100
    "bool",
    "priority",
    "scale",
    "event_kind",
]
ColumnKind = Kind | tuple[str, ...]  # a tuple: the values an enumerated column allows
EVENT_KINDS = ("customer_message", "agent_reply", "internal_note")

SURVEY_SCALES: dict[str, tuple[float, ...] | tuple[float, float]] = {
    "smileback": (-1, 0, 1),
    "crewhu": (-5, 0, 5),
    "stars5": (1, 2, 3, 4, 5),
    "nps": tuple(range(11)),
    "ces7": tuple(range(1, 8)),
}
CSAT_SCALES = ("smileback", "crewhu", "stars5")

AGREEMENT_TYPES = ("recurring", "block_hours", "time_and_materials", "project", "other")
PERIOD_TYPES = ("monthly", "quarterly", "annual", "one_time")
REVENUE_STATUSES = ("pending", "invoiced")
COST_SUBJECTS = ("technician", "role")
DEVICE_TYPES = ("workstation", "server", "network", "mobile", "other")
CONTRACT_STATUSES = ("covered", "awaiting_review", "not_covered")
PROJECT_STATUSES = ("open", "on_hold", "closed", "cancelled")
OUTCOMES = ("won", "lost")  # empty while the opportunity is open
TIMESHEET_STATUSES = ("open", "submitted", "approved")


@dataclass(frozen=True)
class FileContract:
    """One CSV file: its table, required and optional columns with their kinds."""

    name: str
    required: dict[str, ColumnKind]
    optional: dict[str, ColumnKind]
    mandatory: bool = False

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> dict[str, ColumnKind]:
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
            optional={
                "name": "text",
                "team": "text",
                "tier": "int",
                "role": "text",
                "weekly_hours": "hours",
            },
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
            # project and admin time has no ticket
            required={"entry_id": "text", "hours": "hours"},
            optional={
                "ticket_id": "text",
                "tech_id": "text",
                "started_at": "instant",
                "billable": "bool",
                "client_id": "text",
                "agreement_id": "text",
                "project_id": "text",
                "work_type": "text",
            },
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

BUSINESS_CONTRACTS: dict[str, FileContract] = {
    c.name: c
    for c in (
        FileContract(
            "agreements",
            required={"agreement_id": "text"},
            optional={
                "client_id": "text",
                "name": "text",
                "type": AGREEMENT_TYPES,
                "period_type": PERIOD_TYPES,
                "start_date": "date",
                "end_date": "date",
                "recurring_revenue": "amount",
                "cancelled": "bool",
                "source": "text",
                "updated_at": "instant",
            },
        ),
        FileContract(
            "revenue_lines",
            required={
                "line_id": "text",
                "amount": "float",
                "line_date": "date",
                "status": REVENUE_STATUSES,
            },
            optional={
                "client_id": "text",
                "agreement_id": "text",
                "service": "text",
                "invoice_id": "text",
                "source": "text",
            },
        ),
        FileContract(
            "cost_rates",
            required={
                "subject": COST_SUBJECTS,
                "subject_id": "text",
                "effective_from": "date",
                "hourly_cost": "amount",
            },
            optional={},
        ),
        FileContract(
            "hard_costs",
            required={"cost_id": "text", "amount": "amount", "cost_date": "date"},
            optional={
                "client_id": "text",
                "agreement_id": "text",
                "service": "text",
                "description": "text",
            },
        ),
        FileContract(
            "devices",
            required={"device_id": "text"},
            optional={
                "client_id": "text",
                "name": "text",
                "device_type": DEVICE_TYPES,
                "discovered_at": "instant",
                "contract_status": CONTRACT_STATUSES,
                "missing_patches": "count",
                "source": "text",
                "updated_at": "instant",
            },
        ),
        FileContract(
            "projects",
            required={"project_id": "text"},
            optional={
                "client_id": "text",
                "name": "text",
                "status": PROJECT_STATUSES,
                "category": "text",
                "budget_hours": "hours",
                "actual_hours": "hours",
                "start_date": "date",
                "due_date": "date",
                "closed_at": "instant",
                "source": "text",
                "updated_at": "instant",
            },
        ),
        FileContract(
            "opportunities",
            required={"opportunity_id": "text", "created_at": "instant"},
            optional={
                "client_id": "text",
                "name": "text",
                "stage": "text",
                "amount": "amount",
                "probability": "percent",
                "category": "text",
                "owner_tech_id": "text",
                "expected_close": "date",
                "closed_at": "instant",
                "outcome": OUTCOMES,
                "reason": "text",
                "source": "text",
                "updated_at": "instant",
            },
        ),
        FileContract(
            "opportunity_stages",
            required={"opportunity_id": "text", "changed_at": "instant", "stage": "text"},
            optional={},
        ),
        FileContract(
            "timesheets",
            required={"tech_id": "text", "week_start": "date", "status": TIMESHEET_STATUSES},
            optional={"submitted_at": "instant"},
        ),
    )
}
CONTRACTS.update(BUSINESS_CONTRACTS)

# Columns the MSP keeps itself (CSV import): no PSA sync carries them, so a sync leaves them as
# they are instead of writing them empty.
MSP_MAINTAINED: dict[str, tuple[str, ...]] = {"technicians": ("role", "weekly_hours")}

# Load order: parents before children, so a reader never sees a survey without its ticket or a
# revenue line without its agreement.
LOAD_ORDER = (
    "clients",
    "contacts",
    "technicians",
    "agreements",
    "projects",
    "tickets",
    "status_changes",
    "ticket_events",
    "time_entries",
    "surveys",
    "revenue_lines",
    "cost_rates",
    "hard_costs",
    "devices",
    "opportunities",
    "opportunity_stages",
    "timesheets",
)
