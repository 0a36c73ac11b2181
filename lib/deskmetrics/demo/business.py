"""The demo MSP's business: agreements, revenue and costs, devices, projects, the sales pipeline
and timesheets, plus what the service-desk frames gain from them (technicians' roles and
contracted hours; the client, agreement and work type of each time entry, and time logged on
projects and internal work, which has no ticket).

Everything comes from one random stream of the generator, split into a stream per part, so
the parts do not shift one another; the business tables do not depend on the number of
tickets, except the T&M revenue billed from ticket time. See the ``business_*`` modules for what
each part contains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from deskmetrics.demo._arrays import id_array, id_width, take_strings, utc_column
from deskmetrics.demo.business_agreements import agreements_frame, build_agreements
from deskmetrics.demo.business_common import Calendar, text_column
from deskmetrics.demo.business_devices import devices_frame
from deskmetrics.demo.business_people import (
    WORK_TYPES,
    admin_time,
    build_staff,
    cost_rates_frame,
    technician_columns,
    ticket_work_types,
    timesheets_frame,
)
from deskmetrics.demo.business_projects import build_projects, projects_frame
from deskmetrics.demo.business_revenue import hard_costs_frame, revenue_frame, revenue_lines
from deskmetrics.demo.business_sales import opportunities
from deskmetrics.demo.entities import Directory

BUSINESS_FRAMES: dict[str, tuple[str, ...]] = {
    "agreements": (
        "agreement_id", "client_id", "name", "type", "period_type", "start_date", "end_date",
        "recurring_revenue", "cancelled", "source", "updated_at",
    ),
    "revenue_lines": (
        "line_id", "client_id", "agreement_id", "service", "amount", "line_date", "status",
        "invoice_id", "source",
    ),
    "cost_rates": ("subject", "subject_id", "effective_from", "hourly_cost"),
    "hard_costs": (
        "cost_id", "client_id", "agreement_id", "service", "amount", "cost_date", "description",
    ),
    "devices": (
        "device_id", "client_id", "name", "device_type", "discovered_at", "contract_status",
        "missing_patches", "source", "updated_at",
    ),
    "projects": (
        "project_id", "client_id", "name", "status", "category", "budget_hours", "actual_hours",
        "start_date", "due_date", "closed_at", "source", "updated_at",
    ),
    "opportunities": (
        "opportunity_id", "client_id", "name", "stage", "amount", "probability", "category",
        "owner_tech_id", "created_at", "expected_close", "closed_at", "outcome", "reason",
        "source", "updated_at",
    ),
    "opportunity_stages": ("opportunity_id", "changed_at", "stage"),
    "timesheets": ("tech_id", "week_start", "status", "submitted_at"),
}  # fmt: skip
ENTRY_COLUMNS = ("client_id", "agreement_id", "project_id", "work_type")
PROJECT_TEAMS = {"Projects": 3, "Escalations": 1}  # who works on projects, and how much (tier 3)


@dataclass(frozen=True)
class TicketTime:
    """The generator's time entries on tickets, one row per entry, in the frame's order."""

    client: np.ndarray
    board: np.ndarray
    started: np.ndarray  # epoch seconds
    hours: np.ndarray
    billable: np.ndarray


@dataclass(frozen=True)
class Business:
    technician_columns: dict[str, pd.Series]  # role, weekly_hours
    entry_columns: dict[str, pd.Series]  # ENTRY_COLUMNS of the ticket time entries
    other_entries: pd.DataFrame  # time without a ticket, in the time_entries frame's columns
    frames: dict[str, pd.DataFrame]  # BUSINESS_FRAMES


def build_business(
    rng: np.random.Generator,
    directory: Directory,
    ticket_time: TicketTime,
    history_start: int,
    end: int,
    timezone: str,
) -> Business:
    """The business of the demo MSP whose ticket history runs from ``history_start`` to
    ``end`` (epoch seconds)."""
    parts = rng.spawn(11)
    cal = Calendar.ending(end, timezone)
    staff = build_staff(parts[0], directory)
    agreements = build_agreements(parts[1], directory, cal)
    projects, project_time = build_projects(parts[2], directory, cal, _project_techs(directory))
    agreements_table = agreements_frame(agreements, directory)
    agreement_ids = agreements_table["agreement_id"]

    day = cal.local_days(ticket_time.started)
    charged = agreements.covering(ticket_time.client, day, ticket_time.board)
    work = ticket_work_types(parts[3], ticket_time.board, ticket_time.started, timezone)
    entry_columns = {
        "client_id": take_strings(_strings(directory.clients["client_id"]), ticket_time.client),
        "agreement_id": take_strings(_strings(agreement_ids), charged),  # -1: none
        "project_id": take_strings([""], np.full(charged.size, -1)),  # all missing
        "work_type": take_strings(WORK_TYPES, work),
    }
    billable_hours = np.where(ticket_time.billable, ticket_time.hours, 0.0)
    lines, recurring = revenue_lines(
        parts[5], agreements, projects, (charged, day, billable_hours), directory, cal
    )
    stages = opportunities(parts[7], directory, cal)
    frames = {
        "agreements": agreements_table,
        "revenue_lines": revenue_frame(lines, recurring, agreement_ids, directory),
        "cost_rates": cost_rates_frame(parts[9], staff, directory, cal),
        "hard_costs": hard_costs_frame(parts[10], lines, recurring, agreement_ids, directory),
        "devices": devices_frame(parts[6], directory, agreements, cal),
        "projects": projects_frame(projects, directory),
        "opportunities": stages[0],
        "opportunity_stages": stages[1],
        "timesheets": timesheets_frame(parts[8], directory, cal),
    }
    other = _other_entries(
        parts[4], staff, projects, project_time, frames["projects"], directory, history_start, cal
    )
    return Business(technician_columns(staff), entry_columns, other, frames)


def _project_techs(directory: Directory) -> np.ndarray:
    """Technician rows doing project work, repeated by how much of it they do."""
    techs = directory.technicians
    rows = []
    for team, weight in PROJECT_TEAMS.items():
        picked = (techs["team"] == team) & ((team == "Projects") | (techs["tier"] == 3))
        rows += list(np.flatnonzero(picked.to_numpy())) * weight
    return np.array(sorted(rows), dtype=np.int64)


def _strings(values: pd.Series) -> pa.Array:
    return pa.array(values.tolist(), pa.string())


def _other_entries(
    rng, staff, projects, project_time, projects_table, directory, history_start, cal
) -> pd.DataFrame:
    """Project time (billable, with its project and client) then internal time (not)."""
    tech_ids = directory.technicians["tech_id"].to_numpy(dtype=object)
    client_ids = directory.clients["client_id"].to_numpy(dtype=object)
    p = project_time
    a_tech, a_started, a_hours, a_kind = admin_time(rng, staff, history_start, cal)
    m, k = p.project.size, a_tech.size
    none = [None] * (m + k)
    return pd.DataFrame(
        {
            "entry_id": pd.Series(
                pd.array(
                    [*id_array("PE", m, id_width(m, 6)).to_pylist()]
                    + id_array("AE", k, id_width(k, 6)).to_pylist(),
                    dtype="str",
                )
            ),
            "ticket_id": pd.Series(pd.array(none, dtype="str")),
            "tech_id": text_column(np.concatenate([tech_ids[p.tech], tech_ids[a_tech]])),
            "started_at": utc_column(np.concatenate([p.started, a_started])),
            "hours": np.concatenate([p.hours, a_hours]),
            "billable": np.concatenate([np.ones(m, dtype=bool), np.zeros(k, dtype=bool)]),
            "client_id": pd.Series(
                pd.array(list(client_ids[projects.client[p.project]]) + [None] * k, dtype="str")
            ),
            "agreement_id": pd.Series(pd.array(none, dtype="str")),
            "project_id": pd.Series(
                pd.array(
                    list(projects_table["project_id"].to_numpy()[p.project]) + [None] * k,
                    dtype="str",
                )
            ),
            "work_type": text_column(["Project"] * m + list(a_kind)),
        }
    )


__all__ = ["BUSINESS_FRAMES", "ENTRY_COLUMNS", "Business", "TicketTime", "build_business"]
