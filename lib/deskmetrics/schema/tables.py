"""The canonical warehouse tables: one SQLAlchemy Core definition shared by every dialect.

Instants are stored as naive UTC timestamps so that DuckDB, SQLite and PostgreSQL compare them
the same way. Columns after the ``# facts`` marker in ``tickets`` and ``surveys`` are derived at
load time (see ``deskmetrics.warehouse.facts``) so that dashboard queries stay plain aggregates.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

clients = Table(
    "clients",
    metadata,
    Column("client_id", String, primary_key=True),
    Column("name", String),
    Column("seats", Integer),
)

contacts = Table(
    "contacts",
    metadata,
    Column("contact_id", String, primary_key=True),
    Column("client_id", String),
    Column("name", String),
    Column("email", String),
)

technicians = Table(
    "technicians",
    metadata,
    Column("tech_id", String, primary_key=True),
    Column("name", String),
    Column("team", String),
    Column("tier", Integer),
    Column("role", String),  # prices labour when the technician has no cost rate of their own
    Column("weekly_hours", Float),  # contracted hours a week; NULL: the business calendar's
)

tickets = Table(
    "tickets",
    metadata,
    Column("ticket_id", String, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("status", String, nullable=False),
    Column("client_id", String, index=True),
    Column("contact_id", String),
    Column("board", String),
    Column("category", String),
    Column("subcategory", String),
    Column("item", String),
    Column("priority", Integer),
    Column("channel", String),
    Column("owner_tech_id", String),
    Column("first_response_at", DateTime),
    Column("resolved_at", DateTime),
    Column("closed_at", DateTime),
    Column("updated_at", DateTime),
    Column("response_due_at", DateTime),
    Column("resolution_due_at", DateTime),
    Column("title", Text),
    Column("source", String),
    Column("ai_assisted", Boolean),  # the PSA flagged AI help on the ticket; NULL = not exported
    # facts: derived at load from the settings whose fingerprint is in warehouse_meta
    Column("status_category", String),
    Column("ended_at", DateTime),
    Column("created_date", Date),  # local calendar day, for trends
    Column("ended_date", Date),
    Column("response_business_s", Float),
    Column("resolution_business_s", Float),
    Column("resolution_calendar_s", Float),
    Column("pause_calendar_s", Float),
    Column("response_target_s", Float),
    Column("resolution_target_s", Float),
    Column("response_breach_at", DateTime),
    Column("resolution_breach_at", DateTime),
    Column("response_met", Boolean),
    Column("resolution_met", Boolean),
    Column("response_decided_at", DateTime),
    Column("resolution_decided_at", DateTime),
    Column("response_sla_source", String),
    Column("resolution_sla_source", String),
    Column("reopen_count", Integer),
    Column("negative_duration", Boolean),
    Column("close_time_missing", Boolean),  # resolved/closed status but no resolved/closed time
    Column("response_due_soon_at", DateTime),
    Column("resolution_due_soon_at", DateTime),
    # activity facts (deskmetrics.warehouse.activity)
    Column("time_entry_count", Integer),
    Column("time_entry_techs", Integer),
    Column("hours_logged", Float),
    Column("billable_hours", Float),
    Column("escalated", Boolean),
    Column("escalated_at", DateTime),
    Column("escalation_business_s", Float),
    Column("transferred", Boolean),
    Column("vendor_escalated", Boolean),
    Column("reopened_within_window", Boolean),
    Column("agent_replies", Integer),
    Column("customer_followups", Integer),
    Column("next_response_count", Integer),
    Column("next_response_late", Integer),
    Column("next_response_business_s", Float),
    Column("awaiting_reply_since", DateTime),  # unanswered customer message, as of the load
    Column("fcr_eligible", Boolean),
    Column("fcr_time_entry", Boolean),
    Column("fcr_one_touch", Boolean),
    Column("fcr_1_business_hour", Boolean),
    Column("fcr_no_customer_followup", Boolean),
)

TICKET_FACT_COLUMNS: tuple[str, ...] = tuple(
    c.name
    for c in tickets.columns
    if c.name
    not in {
        "ticket_id",
        "created_at",
        "status",
        "client_id",
        "contact_id",
        "board",
        "category",
        "subcategory",
        "item",
        "priority",
        "channel",
        "owner_tech_id",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "updated_at",
        "response_due_at",
        "resolution_due_at",
        "title",
        "source",
        "ai_assisted",
    }
)

status_changes = Table(
    "status_changes",
    metadata,
    Column("ticket_id", String, primary_key=True),
    Column("changed_at", DateTime, primary_key=True),
    Column("status", String, primary_key=True),
    Column("tech_id", String),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("ticket_id", String, primary_key=True),
    Column("at", DateTime, primary_key=True, quote=True),  # "at" is reserved in DuckDB
    Column("kind", String, primary_key=True),  # customer_message / agent_reply / internal_note
    Column("tech_id", String),
)

time_entries = Table(
    "time_entries",
    metadata,
    Column("entry_id", String, primary_key=True),
    Column("ticket_id", String, index=True),
    Column("tech_id", String),
    Column("started_at", DateTime),
    Column("hours", Float),
    Column("billable", Boolean),
    # work outside tickets (projects, admin) has no ticket_id but may name a client
    Column("client_id", String),
    Column("agreement_id", String),
    Column("project_id", String),
    Column("work_type", String),
)

surveys = Table(
    "surveys",
    metadata,
    Column("response_id", String, primary_key=True),
    Column("source", String),
    Column("ticket_id", String, index=True),
    Column("client_id", String),
    Column("tech_id", String),
    Column("submitted_at", DateTime, nullable=False),
    Column("rating", Float, nullable=False),
    Column("scale", String, nullable=False),
    Column("comment", Text),
    # facts
    Column("sentiment", String),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("source", String, primary_key=True),
    Column("stream", String, primary_key=True),
    Column("cursor", String),
    Column("last_success_at", DateTime),
    Column("rows_loaded", Integer),
    Column("detail", Text),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("source", String, primary_key=True),
    Column("stream", String, primary_key=True),
    Column("record_key", String, primary_key=True),
    Column("reason", Text),
    Column("payload", Text),
    Column("seen_at", DateTime),
)

# one row per scheduled report: an audience, a client ("" = the whole MSP) and a period. The
# row is claimed before the report runs, so two schedulers never send the same report twice.
report_runs = Table(
    "report_runs",
    metadata,
    Column("audience", String, primary_key=True),
    Column("client_id", String, primary_key=True),
    Column("period_end", Date, primary_key=True),
    Column("period_days", Integer, primary_key=True),
    Column("status", String, nullable=False),  # running, sent, failed
    Column("started_at", DateTime),
    Column("finished_at", DateTime),
    Column("recipients", Integer),
    Column("error", Text),
    Column("output", Text),  # the report's folder under reports/
)

warehouse_meta = Table(
    "warehouse_meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text),
)

CANONICAL_TABLES = (
    clients,
    contacts,
    technicians,
    tickets,
    status_changes,
    ticket_events,
    time_entries,
    surveys,
)
