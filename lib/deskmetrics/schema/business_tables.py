"""Business tables beyond the service desk: agreements and what they earn and cost, devices,
projects and the sales pipeline. Loaded from CSV, the demo, or the PSA connectors.

Money is in the MSP's one currency; dates without a time are local calendar days (``Date``),
instants are naive UTC like every other table.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Double, Integer, String, Table, Text

from deskmetrics.schema.tables import metadata

agreements = Table(
    "agreements",
    metadata,
    Column("agreement_id", String, primary_key=True),
    Column("client_id", String, index=True),
    Column("name", String),
    Column("type", String),  # recurring, block_hours, time_and_materials, project, other
    Column("period_type", String),  # monthly, quarterly, annual, one_time
    Column("start_date", Date),
    Column("end_date", Date),  # NULL: open-ended (month to month)
    Column("recurring_revenue", Double),  # per period of period_type
    Column("cancelled", Boolean),
    Column("source", String),
    Column("updated_at", DateTime),
)

revenue_lines = Table(
    "revenue_lines",
    metadata,
    Column("line_id", String, primary_key=True),
    Column("client_id", String, index=True),
    Column("agreement_id", String),
    Column("service", String),  # e.g. Managed services, Hardware, Project, Block hours
    Column("amount", Double, nullable=False),
    Column("line_date", Date, nullable=False),
    Column("status", String, nullable=False),  # pending (not yet invoiced) or invoiced
    Column("invoice_id", String),
    Column("source", String),
)

# hourly cost of a technician, or of every technician holding a role; the latest rate on or
# before a time entry's day applies, and a technician's own rate wins over its role's
cost_rates = Table(
    "cost_rates",
    metadata,
    Column("subject", String, primary_key=True),  # technician or role
    Column("subject_id", String, primary_key=True),  # tech_id or role name
    Column("effective_from", Date, primary_key=True),
    Column("hourly_cost", Double, nullable=False),
)

hard_costs = Table(
    "hard_costs",
    metadata,
    Column("cost_id", String, primary_key=True),
    Column("client_id", String, index=True),
    Column("agreement_id", String),
    Column("service", String),
    Column("amount", Double, nullable=False),
    Column("cost_date", Date, nullable=False),
    Column("description", Text),
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", String, primary_key=True),
    Column("client_id", String, index=True),
    Column("name", String),
    Column("device_type", String),  # workstation, server, network, mobile, other
    Column("discovered_at", DateTime),
    Column("contract_status", String),  # covered, awaiting_review, not_covered
    Column("missing_patches", Integer),
    Column("source", String),
    Column("updated_at", DateTime),
)

projects = Table(
    "projects",
    metadata,
    Column("project_id", String, primary_key=True),
    Column("client_id", String, index=True),
    Column("name", String),
    Column("status", String),  # open, on_hold, closed, cancelled
    Column("category", String),
    Column("budget_hours", Double),
    Column("actual_hours", Double),
    Column("start_date", Date),
    Column("due_date", Date),
    Column("closed_at", DateTime),
    Column("source", String),
    Column("updated_at", DateTime),
)

opportunities = Table(
    "opportunities",
    metadata,
    Column("opportunity_id", String, primary_key=True),
    Column("client_id", String, index=True),  # NULL for a prospect not yet a client
    Column("name", String),
    Column("stage", String),
    Column("amount", Double),
    Column("probability", Double),  # percent, 0-100
    Column("category", String),
    Column("owner_tech_id", String),
    Column("created_at", DateTime, nullable=False),
    Column("expected_close", Date),
    Column("closed_at", DateTime),
    Column("outcome", String),  # won, lost; NULL while open
    Column("reason", String),  # why it was won or lost
    Column("source", String),
    Column("updated_at", DateTime),
)

opportunity_stages = Table(
    "opportunity_stages",
    metadata,
    Column("opportunity_id", String, primary_key=True),
    Column("changed_at", DateTime, primary_key=True),
    Column("stage", String, primary_key=True),
)

# one row per technician and week: a timesheet still open after its deadline is overdue
timesheets = Table(
    "timesheets",
    metadata,
    Column("tech_id", String, primary_key=True),
    Column("week_start", Date, primary_key=True),  # the Monday
    Column("status", String, nullable=False),  # open, submitted, approved
    Column("submitted_at", DateTime),
)

BUSINESS_TABLES = (
    agreements,
    revenue_lines,
    cost_rates,
    hard_costs,
    devices,
    projects,
    opportunities,
    opportunity_stages,
    timesheets,
)
