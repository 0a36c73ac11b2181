"""Deterministic, realistic MSP service-desk demo data in the project's canonical frames.

``generate()`` returns clients, contacts, technicians, tickets, status_changes, time_entries,
surveys and ticket_events (the conversation: customer messages, agent replies, internal notes),
then the business tables (agreements, revenue_lines, cost_rates, hard_costs, devices, projects,
opportunities, opportunity_stages, timesheets; see :mod:`~deskmetrics.demo.business`).
Technicians gain their role and weekly hours; time entries their client, agreement and work
type, and time on projects and internal work follows the ticket time, without a ticket.
The same arguments always give identical frames: randomness comes only from ``seed``
and ``end`` defaults to a fixed instant, never the clock. All per-ticket work is vectorized
numpy (see :mod:`~deskmetrics.demo.lifecycle`), so a million tickets take seconds.

The data is deliberately not perfect, so data-quality checks have something to find: a few
tickets in unmapped legacy statuses, unassigned open tickets, resolved/closed tickets without
timestamps and a few resolved before they were created (clock skew).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa

from deskmetrics.demo import catalog as cat
from deskmetrics.demo._arrays import (
    DAY,
    HOUR,
    MINUTE,
    dirty_count,
    id_array,
    id_width,
    lognormal_seconds,
    pick_exact,
    take_strings,
    utc_column,
)
from deskmetrics.demo.activity import COMMENTS, SCALES, Surveys, TimeEntries, surveys, time_entries
from deskmetrics.demo.arrivals import TITLES, TicketCore, sample_core, window_days
from deskmetrics.demo.business import (
    BUSINESS_FRAMES,
    ENTRY_COLUMNS,
    Business,
    TicketTime,
    build_business,
)
from deskmetrics.demo.conversation import KINDS, TicketEvents, ticket_events
from deskmetrics.demo.entities import Directory, build_directory
from deskmetrics.demo.export import write_csv
from deskmetrics.demo.lifecycle import N_SLOTS, Lifecycle, simulate
from deskmetrics.errors import ConfigError

__all__ = ["DEFAULT_END_LOCAL", "FRAME_COLUMNS", "generate", "write_csv"]

DEFAULT_END_LOCAL = datetime(2026, 11, 20, 17, 0)  # interpreted in the `timezone` argument
NATIVE_DUE_SHARE = 0.10  # tickets whose PSA supplied its own SLA due dates
RESPONSE_DUE_H = np.array([1.0, 2.0, 4.0, 8.0])  # by priority 1..4
RESOLUTION_DUE_H = np.array([4.0, 8.0, 24.0, 72.0])
MISSING_TIMESTAMP_SHARE = 0.0005  # "a handful": ~10 at 20k tickets, at least 3
CLOCK_SKEW_SHARE = 0.0005
# AI help on a ticket grows as the desk adopts it: this share at the start of the history,
# rising linearly to the second at its end; alerts never get it (no human conversation)
AI_ASSISTED_SHARE = (0.05, 0.30)

FRAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("client_id", "name", "seats"),
    "contacts": ("contact_id", "client_id", "name", "email"),
    "technicians": ("tech_id", "name", "team", "tier", "role", "weekly_hours"),
    "tickets": (
        "ticket_id", "created_at", "status", "client_id", "contact_id", "board", "category",
        "subcategory", "item", "priority", "channel", "owner_tech_id", "first_response_at",
        "resolved_at", "closed_at", "updated_at", "response_due_at", "resolution_due_at",
        "title", "source", "ai_assisted",
    ),
    "status_changes": ("ticket_id", "changed_at", "status", "tech_id"),
    "time_entries": (
        "entry_id", "ticket_id", "tech_id", "started_at", "hours", "billable", *ENTRY_COLUMNS,
    ),
    "surveys": (
        "response_id", "source", "ticket_id", "client_id", "tech_id", "submitted_at", "rating",
        "scale", "comment",
    ),
    "ticket_events": ("ticket_id", "at", "kind", "tech_id"),
    **BUSINESS_FRAMES,
}  # fmt: skip


def _end_seconds(end: datetime | None, timezone: str) -> int:
    """Resolve ``end`` to epoch seconds; naive datetimes are local to ``timezone``."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"timezone {timezone!r} is not an IANA zone name such as 'Europe/Berlin'"
        ) from exc
    moment = DEFAULT_END_LOCAL if end is None else end
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return int(moment.timestamp())


def generate(
    tickets: int = 20_000,
    seed: int = 7,
    *,
    end: datetime | None = None,
    timezone: str = "America/New_York",
) -> dict[str, pd.DataFrame]:
    """Generate the demo frames for ``tickets`` tickets whose history ends at ``end``."""
    if isinstance(tickets, bool) or not isinstance(tickets, int | np.integer) or tickets < 1:
        raise ConfigError(f"tickets must be a positive integer, got {tickets!r}")
    n = int(tickets)
    end_s = _end_seconds(end, timezone)
    # Independent streams per stage: the clients/technicians do not change with `tickets`.
    # Appending streams keeps the earlier ones (and so the earlier frames) unchanged.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)]
    directory = build_directory(streams[0])
    core = sample_core(streams[1], n, end_s, timezone, directory)
    life = simulate(streams[2], core, directory, end_s)
    entries = time_entries(streams[3], core, life, end_s)
    feedback = surveys(streams[4], core, life, directory, end_s)
    events = ticket_events(streams[6], core, life, directory, end_s)

    ticket_time = TicketTime(
        core.client[entries.ticket],
        core.board[entries.ticket],
        entries.started,
        entries.hours,
        entries.billable,
    )
    history_start = end_s - int(window_days(n) * DAY)
    business = build_business(streams[8], directory, ticket_time, history_start, end_s, timezone)

    ticket_ids = id_array("T", n, id_width(n, 6))
    tech_ids = pa.array(directory.technicians["tech_id"].tolist(), pa.string())
    return {
        "clients": directory.clients,
        "contacts": directory.contacts,
        "technicians": directory.technicians.assign(**business.technician_columns),
        "tickets": _tickets_frame(
            streams[5], core, life, entries, directory, ticket_ids, end_s
        ).assign(ai_assisted=_ai_assisted(streams[7], core)),
        "status_changes": _status_frame(life, ticket_ids, tech_ids),
        "time_entries": _all_entries(entries, ticket_ids, tech_ids, business),
        "surveys": _surveys_frame(feedback, core, life, directory, ticket_ids, tech_ids),
        "ticket_events": _events_frame(events, ticket_ids, tech_ids),
        **business.frames,
    }


def _tickets_frame(
    rng: np.random.Generator,
    core: TicketCore,
    life: Lifecycle,
    entries: TimeEntries,
    directory: Directory,
    ticket_ids: pa.Array,
    end: int,
) -> pd.DataFrame:
    n = core.created.size
    created = core.created
    resolved, has_resolved = life.resolved.copy(), life.is_resolved.copy()
    has_closed = life.is_closed.copy()

    # Dirty on purpose: resolved/closed tickets whose PSA lost the timestamps ...
    done = np.flatnonzero(life.is_resolved)
    missing = pick_exact(rng, done, dirty_count(MISSING_TIMESTAMP_SHARE, n, 3))
    has_resolved[missing] = False
    has_closed[missing] = False
    # ... and a few "resolved" minutes before they were created (clock skew between systems).
    closed_ok = np.setdiff1d(np.flatnonzero(life.current == cat.CLOSED), missing)
    skewed = pick_exact(rng, closed_ok, dirty_count(CLOCK_SKEW_SHARE, n, 3))
    resolved[skewed] = created[skewed] - rng.integers(MINUTE, 30 * MINUTE, skewed.size)

    # updated_at: a little after the latest thing that happened to the ticket.
    latest = life.last_event.copy()
    np.maximum.at(latest, entries.ticket, entries.started)
    touch = lognormal_seconds(rng, 25 * MINUTE, 1.2, n, 0, 5 * DAY)
    updated = np.maximum(np.minimum(latest + touch, end), latest)

    p = core.priority - 1
    native_due = rng.random(n) < NATIVE_DUE_SHARE
    response_due = created + (RESPONSE_DUE_H[p] * HOUR).astype(np.int64)
    resolution_due = created + (RESOLUTION_DUE_H[p] * HOUR).astype(np.int64)

    items = cat.ITEMS
    contact_ids = pa.array(directory.contacts["contact_id"].tolist(), pa.string())
    client_ids = pa.array(directory.clients["client_id"].tolist(), pa.string())
    tech_ids = pa.array(directory.technicians["tech_id"].tolist(), pa.string())
    return pd.DataFrame(
        {
            "ticket_id": pd.Series(pd.array(ticket_ids, dtype="str")),
            "created_at": utc_column(created),
            "status": take_strings(cat.ALL_STATUSES, life.current),
            "client_id": take_strings(client_ids, core.client),
            "contact_id": take_strings(contact_ids, core.contact),
            "board": take_strings(cat.BOARDS, core.board),
            "category": take_strings([it.category for it in items], core.item),
            "subcategory": take_strings([it.subcategory for it in items], core.item),
            "item": take_strings([it.item for it in items], core.item),
            "priority": pd.Series(pd.array(core.priority, dtype="Int64")),
            "channel": take_strings(cat.CHANNELS, core.channel),
            "owner_tech_id": take_strings(tech_ids, life.owner),
            "first_response_at": utc_column(life.times[:, 2], life.valid[:, 2]),
            "resolved_at": utc_column(resolved, has_resolved),
            "closed_at": utc_column(life.closed, has_closed),
            "updated_at": utc_column(updated),
            "response_due_at": utc_column(response_due, native_due),
            "resolution_due_at": utc_column(resolution_due, native_due),
            "title": take_strings(TITLES, core.title),
            "source": take_strings(["demo"], np.zeros(n, dtype=np.int64)),
        }
    )


def _ai_assisted(rng: np.random.Generator, core: TicketCore) -> np.ndarray:
    first, last = core.created.min(), core.created.max()
    progress = (core.created - first) / max(last - first, 1)
    low, high = AI_ASSISTED_SHARE
    return (rng.random(core.created.size) < low + (high - low) * progress) & (
        core.channel != cat.CHANNELS.index("alert")
    )


def _status_frame(life: Lifecycle, ticket_ids: pa.Array, tech_ids: pa.Array) -> pd.DataFrame:
    # Row-major flattening keeps tickets together and each ticket's slots in time order.
    flat = np.flatnonzero(life.valid.ravel())
    return pd.DataFrame(
        {
            "ticket_id": take_strings(ticket_ids, flat // N_SLOTS),
            "changed_at": utc_column(life.times.ravel()[flat]),
            "status": take_strings(cat.ALL_STATUSES, life.status.ravel()[flat].astype(np.int64)),
            "tech_id": take_strings(tech_ids, life.tech.ravel()[flat].astype(np.int64)),
        }
    )


def _entries_frame(entries: TimeEntries, ticket_ids: pa.Array, tech_ids: pa.Array) -> pd.DataFrame:
    m = entries.ticket.size
    return pd.DataFrame(
        {
            "entry_id": pd.Series(pd.array(id_array("TE", m, id_width(m, 7)), dtype="str")),
            "ticket_id": take_strings(ticket_ids, entries.ticket),
            "tech_id": take_strings(tech_ids, entries.tech),
            "started_at": utc_column(entries.started),
            "hours": entries.hours,
            "billable": entries.billable,
        }
    )


def _all_entries(
    entries: TimeEntries, ticket_ids: pa.Array, tech_ids: pa.Array, business: Business
) -> pd.DataFrame:
    """Ticket time (its columns as before, then client, agreement, work type), then the time
    logged without a ticket."""
    on_tickets = _entries_frame(entries, ticket_ids, tech_ids).assign(**business.entry_columns)
    return pd.concat([on_tickets, business.other_entries], ignore_index=True)


def _surveys_frame(
    feedback: Surveys,
    core: TicketCore,
    life: Lifecycle,
    directory: Directory,
    ticket_ids: pa.Array,
    tech_ids: pa.Array,
) -> pd.DataFrame:
    m = feedback.ticket.size
    client_ids = pa.array(directory.clients["client_id"].tolist(), pa.string())
    # Surveys credit the ticket's owner (resolved tickets keep the owner who resolved them).
    owner = life.owner[feedback.ticket]
    return pd.DataFrame(
        {
            "response_id": pd.Series(pd.array(id_array("SR", m, id_width(m, 6)), dtype="str")),
            "source": take_strings([src for src, _ in cat.SURVEY_TOOLS], feedback.tool),
            "ticket_id": take_strings(ticket_ids, feedback.ticket),
            "client_id": take_strings(client_ids, core.client[feedback.ticket]),
            "tech_id": take_strings(tech_ids, owner),
            "submitted_at": utc_column(feedback.submitted),
            "rating": pd.Series(pd.array(feedback.rating, dtype="Int64")),
            "scale": take_strings(SCALES, feedback.scale),
            "comment": take_strings([c for group in COMMENTS for c in group], feedback.comment),
        }
    )


def _events_frame(events: TicketEvents, ticket_ids: pa.Array, tech_ids: pa.Array) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ticket_id": take_strings(ticket_ids, events.ticket),
            "at": utc_column(events.at),
            "kind": take_strings(KINDS, events.kind),
            "tech_id": take_strings(tech_ids, events.tech),
        }
    )
