"""The demo's technicians as a business sees them: roles, contracted hours, hourly costs,
timesheets, and the time they log outside tickets.

Roles follow the roster (service desk and NOC tiers, escalation tiers, project engineers).
Hourly costs are fully burdened, by role, rising each January; three technicians have a rate of
their own. Timesheets cover the last 12 weeks: the current week is still open, and three
technicians have open timesheets past the deadline (noon on the Monday after the week).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deskmetrics.demo._arrays import utc_column
from deskmetrics.demo.business_common import (
    ROLES,
    Calendar,
    Staff,
    business_seconds,
    date_column,
    text_column,
    weekday_days,
)
from deskmetrics.demo.catalog import ALERTS, PROJECTS, TIER2
from deskmetrics.demo.entities import Directory

ROLE_OF = {("Projects", 2): 3, ("Projects", 3): 3, ("Escalations", 3): 2}  # else tier - 1
BASE_COST = np.array([31.0, 39.0, 50.0, 56.0])  # per role, two years before the demo's year
YEARLY_RAISE = 1.04
N_PERSONAL = 3
TIMESHEET_WEEKS = 12

# time outside tickets: work type, entries a technician logs a week, median hours
ADMIN_WORK: tuple[tuple[str, float, float], ...] = (
    ("Internal Meeting", 1.0, 0.75),
    ("Admin", 1.2, 0.75),
    ("Training", 0.4, 1.5),
)
WORK_TYPES = ("Remote Support", "Onsite", "After Hours", "NOC", "Project")
REMOTE, ONSITE, AFTER_HOURS, NOC, PROJECT = range(len(WORK_TYPES))
ONSITE_SHARE = {PROJECTS: 0.35, TIER2: 0.15}  # other boards 5 %
AFTER_HOURS_SHARE = 0.1


def build_staff(rng: np.random.Generator, directory: Directory) -> Staff:
    techs = directory.technicians
    role = np.array(
        [
            ROLE_OF.get((team, tier), tier - 1)
            for team, tier in zip(techs["team"], techs["tier"], strict=True)
        ]
    )
    hours = np.full(len(techs), 40.0)
    picks = rng.permutation(len(techs))
    hours[picks[:2]] = 32.0
    hours[picks[2]] = 24.0
    hours[picks[3:5]] = np.nan  # not recorded: the business calendar's hours apply
    return Staff(role, hours)


def technician_columns(staff: Staff) -> dict[str, pd.Series]:
    return {
        "role": text_column(ROLES[r] for r in staff.role),
        "weekly_hours": pd.Series(
            pd.array(np.where(np.isnan(staff.weekly_hours), None, staff.weekly_hours), "Float64")
        ),
    }


def cost_rates_frame(
    rng: np.random.Generator, staff: Staff, directory: Directory, cal: Calendar
) -> pd.DataFrame:
    year = cal.end_day.astype("datetime64[Y]")
    januaries = (year - np.arange(2, -1, -1)).astype("datetime64[D]")
    role_rows = [
        ("role", ROLES[r], day, round(BASE_COST[r] * YEARLY_RAISE**k, 2))
        for r in range(len(ROLES))
        for k, day in enumerate(januaries)
    ]
    personal = rng.choice(len(staff.role), N_PERSONAL, replace=False)
    since = cal.days_ago(rng.integers(60, 540, N_PERSONAL)).astype("datetime64[M]")
    premium = rng.uniform(1.08, 1.2, N_PERSONAL)
    tech_ids = directory.technicians["tech_id"].to_numpy(dtype=object)
    tech_rows = [
        ("technician", tech_ids[t], day.astype("datetime64[D]"), round(BASE_COST[r] * p * 1.08, 2))
        for t, r, day, p in zip(personal, staff.role[personal], since, premium, strict=True)
    ]
    rows = role_rows + sorted(tech_rows, key=lambda row: row[1])
    return pd.DataFrame(
        {
            "subject": text_column(r[0] for r in rows),
            "subject_id": text_column(r[1] for r in rows),
            "effective_from": date_column(np.array([r[2] for r in rows], dtype="datetime64[D]")),
            "hourly_cost": np.array([r[3] for r in rows]),
        }
    )


def timesheets_frame(rng: np.random.Generator, directory: Directory, cal: Calendar) -> pd.DataFrame:
    n = len(directory.technicians)
    weekday = (cal.end_day.astype(np.int64) + 3) % 7
    monday = cal.end_day - weekday
    weeks = monday - 7 * np.arange(TIMESHEET_WEEKS - 1, -1, -1)  # oldest first
    tech, week = np.meshgrid(np.arange(n), np.arange(TIMESHEET_WEEKS), indexing="ij")
    tech, week = tech.ravel(), week.ravel()
    current, last = week == TIMESHEET_WEEKS - 1, week == TIMESHEET_WEEKS - 2
    u = rng.random(tech.size)
    status = np.where(last & (u < 0.6), "submitted", "approved").astype(object)
    status[current] = np.where(u[current] < 0.2, "submitted", "open")
    late = rng.choice(n, 3, replace=False)  # open past the deadline: 1 week, 2 weeks, 1 older
    for t, back in ((late[0], (1,)), (late[1], (1, 2)), (late[2], (int(rng.integers(3, 6)),))):
        for b in back:
            status[(tech == t) & (week == TIMESHEET_WEEKS - 1 - b)] = "open"
    friday = weeks[week] + 4
    early = cal.instants(friday, business_seconds(rng, tech.size, 13, 17))
    # most are in on Friday afternoon, some on the Monday morning before the noon deadline
    monday_after = cal.instants(weeks[week] + 7, business_seconds(rng, tech.size, 8, 12))
    submitted = np.where((rng.random(tech.size) < 0.8) | current, early, monday_after)
    return pd.DataFrame(
        {
            "tech_id": text_column(directory.technicians["tech_id"].to_numpy()[tech]),
            "week_start": date_column(weeks[week]),
            "status": text_column(status),
            "submitted_at": utc_column(submitted, status != "open"),
        }
    )


def ticket_work_types(
    rng: np.random.Generator, board: np.ndarray, started: np.ndarray, timezone: str
) -> np.ndarray:
    """NOC for alerts, Onsite for some visits, After Hours for some work outside 7:00-19:00
    on weekdays."""
    local = pd.DatetimeIndex(started.astype("datetime64[s]"), tz="UTC").tz_convert(timezone)
    hour, weekday = local.hour.to_numpy(), local.day_of_week.to_numpy()
    onsite_share = np.full(board.size, 0.05)
    for code, share in ONSITE_SHARE.items():
        onsite_share[board == code] = share
    kind = np.where(rng.random(board.size) < onsite_share, ONSITE, REMOTE)
    # an on-call charge only for some of the work done out of hours (most is logged later)
    outside = (weekday >= 5) | (hour < 7) | (hour >= 19)
    kind = np.where(outside & (rng.random(board.size) < AFTER_HOURS_SHARE), AFTER_HOURS, kind)
    return np.where(board == ALERTS, NOC, kind)


def admin_time(
    rng: np.random.Generator, staff: Staff, start_s: int, cal: Calendar
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(tech, started, hours, work type) of meetings, admin and training since ``start_s``."""
    first = cal.local_days(np.array([start_s]))[0]
    weeks = max(int((cal.end_day - first).astype(np.int64) // 7), 1)
    scale = np.where(np.isnan(staff.weekly_hours), 40.0, staff.weekly_hours) / 40.0
    techs, kinds = [], []
    for kind, per_week, _ in ADMIN_WORK:
        count = rng.poisson(per_week * weeks * scale)
        techs.append(np.repeat(np.arange(scale.size), count))
        kinds.append(np.full(int(count.sum()), kind, dtype=object))
    tech, kind = np.concatenate(techs), np.concatenate(kinds)
    median = np.select([kind == k for k, _, _ in ADMIN_WORK], [h for _, _, h in ADMIN_WORK])
    hours = np.clip(np.ceil(median * rng.lognormal(0.0, 0.4, tech.size) * 4) / 4, 0.25, 4.0)
    day = weekday_days(rng, np.full(tech.size, first), np.full(tech.size, cal.end_day))
    started = cal.instants(day, business_seconds(rng, tech.size, 8, 16))
    order = np.lexsort((tech, started))
    return tech[order], started[order], hours[order], kind[order]


__all__ = [
    "WORK_TYPES",
    "admin_time",
    "build_staff",
    "cost_rates_frame",
    "technician_columns",
    "ticket_work_types",
    "timesheets_frame",
]
