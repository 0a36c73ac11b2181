"""The demo MSP's projects over the last 18 months, and the time logged on them.

Projects are dealt into fixed shares so every view has something to show: on track, over their
budgeted hours, past their due date, or both. A project's actual hours are exactly the sum of
its time entries, which carry the project and the client but no ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from deskmetrics.demo._arrays import utc_column
from deskmetrics.demo.business_common import (
    SOURCE,
    Calendar,
    business_seconds,
    date_column,
    ids,
    text_column,
    weekday_days,
)
from deskmetrics.demo.entities import Directory

# category, median budget hours
CATEGORIES: tuple[tuple[str, float], ...] = (
    ("Server migration", 120.0),
    ("Microsoft 365 migration", 60.0),
    ("Network refresh", 80.0),
    ("Workstation rollout", 50.0),
    ("Security hardening", 40.0),
    ("Backup & DR", 30.0),
    ("Office move", 70.0),
    ("Firewall replacement", 24.0),
)
STATUSES = ("closed", "open", "on_hold", "cancelled")
STATUS_SHARE = (0.45, 0.35, 0.12, 0.08)
ON_TRACK, OVER_HOURS, OVER_SCHEDULE, BOTH = range(4)
TROUBLE_SHARE = (0.45, 0.2, 0.2, 0.15)
PROJECT_RATE = 165.0  # the fixed fee is quoted at this rate per budgeted hour
ENTRY_HOURS = 3.0  # typical length of a day's project work


@dataclass(frozen=True)
class Projects:
    client: np.ndarray
    category: np.ndarray  # index into CATEGORIES
    status: np.ndarray  # str
    trouble: np.ndarray  # ON_TRACK, OVER_HOURS, OVER_SCHEDULE or BOTH
    start: np.ndarray  # datetime64[D]
    due: np.ndarray
    closed_day: np.ndarray  # NaT while open or on hold
    closed_s: np.ndarray  # epoch seconds, meaningless where closed_day is NaT
    budget: np.ndarray
    actual: np.ndarray  # set from the time entries
    price: np.ndarray
    updated_s: np.ndarray


@dataclass(frozen=True)
class ProjectTime:
    project: np.ndarray
    tech: np.ndarray
    started: np.ndarray  # epoch seconds
    hours: np.ndarray


def _dealt(rng: np.random.Generator, n: int, shares: tuple[float, ...]) -> np.ndarray:
    """Exactly round(share * n) of each code (at least one), shuffled."""
    counts = np.maximum(np.rint(np.array(shares) * n).astype(np.int64), 1)
    counts[0] += n - counts.sum()
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def build_projects(
    rng: np.random.Generator, directory: Directory, cal: Calendar, project_techs: np.ndarray
) -> tuple[Projects, ProjectTime]:
    n = int(rng.integers(24, 36))
    seats = directory.clients["seats"].to_numpy(dtype=np.float64)
    client = rng.choice(seats.size, size=n, p=seats**0.7 / (seats**0.7).sum())
    category = rng.integers(0, len(CATEGORIES), n)
    median = np.array([h for _, h in CATEGORIES])[category]
    budget = np.clip(np.rint(median * rng.lognormal(0.0, 0.4, n)), 8, 400)
    status = np.array(STATUSES, dtype=object)[_dealt(rng, n, STATUS_SHARE)]
    trouble = _dealt(rng, n, TROUBLE_SHARE)
    trouble[status == "cancelled"] = ON_TRACK
    late = (trouble == OVER_SCHEDULE) | (trouble == BOTH)
    over = (trouble == OVER_HOURS) | (trouble == BOTH)

    duration = np.rint(budget / 8 * rng.uniform(2.0, 4.0, n) + 14).astype(np.int64)
    overrun = np.where(late, rng.integers(7, 60, n), -rng.integers(0, 7, n))
    finished = (status == "closed") | (status == "cancelled")
    # finished projects end before the last week; open ones started recently and, when late,
    # were due some days ago
    latest_start = 540 - duration - np.maximum(overrun, 0) - 7
    back = np.where(
        finished,
        duration + np.maximum(overrun, 0) + 7 + (rng.random(n) * np.maximum(latest_start, 1)),
        np.where(late, duration + rng.integers(5, 45, n), rng.integers(10, 120, n)),
    ).astype(np.int64)
    start = cal.days_ago(back)
    due = start + duration
    due = np.where(~finished & ~late, np.maximum(due, cal.end_day + rng.integers(7, 60, n)), due)
    closed_day = np.where(
        status == "closed",
        due + overrun,
        np.where(status == "cancelled", start + rng.integers(10, 60, n), np.datetime64("NaT")),
    ).astype("datetime64[D]")
    closed_day = np.where(finished, np.minimum(closed_day, cal.end_day - 1), closed_day)
    closed_s = cal.instants(
        np.where(finished, closed_day, cal.end_day), business_seconds(rng, n, 14, 17)
    )

    elapsed = (cal.end_day - start).astype(np.float64) / (due - start).astype(np.float64)
    progress = np.where(
        finished,
        np.where(status == "cancelled", rng.uniform(0.05, 0.3, n), rng.uniform(0.75, 1.0, n)),
        np.clip(elapsed, 0.1, 0.95) * rng.uniform(0.7, 1.0, n),
    )
    target = budget * np.where(over, rng.uniform(1.1, 1.6, n), progress)
    work_end = np.where(finished, closed_day, cal.end_day)
    time = _project_time(rng, client, start, work_end, target, project_techs, cal)
    actual = np.bincount(time.project, weights=time.hours, minlength=n)
    price = np.round(budget * PROJECT_RATE / 50) * 50
    updated = np.where(finished, closed_s, cal.end_s - rng.integers(0, 10 * 86_400, n))
    order = np.argsort(start, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    projects = Projects(
        *(v[order] for v in (client, category, status, trouble, start, due, closed_day, closed_s)),
        budget[order],
        actual[order],
        price[order],
        updated[order],
    )
    return projects, ProjectTime(rank[time.project], time.tech, time.started, time.hours)


def _project_time(rng, client, start, work_end, target, techs, cal) -> ProjectTime:
    """Entries of about three hours on weekdays, in quarter hours, adding up to ``target``."""
    units = np.maximum(np.rint(target * 4).astype(np.int64), 1)
    count = np.maximum(np.rint(units / (ENTRY_HOURS * 4)).astype(np.int64), 1)
    project = np.repeat(np.arange(units.size), count)
    # split each project's quarter hours over its entries, at least one each
    quarters = np.concatenate(
        [1 + rng.multinomial(u - c, np.full(c, 1.0 / c)) for u, c in zip(units, count, strict=True)]
    )
    day = weekday_days(rng, start[project], work_end[project])
    started = cal.instants(day, business_seconds(rng, project.size, 8, 15))
    tech = techs[rng.integers(0, techs.size, project.size)]
    order = np.lexsort((project, started))
    return ProjectTime(project[order], tech[order], started[order], quarters[order] / 4)


def projects_frame(p: Projects, directory: Directory) -> pd.DataFrame:
    n = p.client.size
    names = directory.clients["name"].to_numpy(dtype=object)[p.client]
    finished = ~np.isnat(p.closed_day)
    return pd.DataFrame(
        {
            "project_id": ids("PR", n, 3),
            "client_id": text_column(directory.clients["client_id"].to_numpy()[p.client]),
            "name": text_column(
                f"{CATEGORIES[c][0]} - {name}" for c, name in zip(p.category, names, strict=True)
            ),
            "status": text_column(p.status),
            "category": text_column(CATEGORIES[c][0] for c in p.category),
            "budget_hours": p.budget.astype(np.float64),
            "actual_hours": np.round(p.actual, 2),
            "start_date": date_column(p.start),
            "due_date": date_column(p.due),
            "closed_at": utc_column(p.closed_s, finished),
            "source": text_column([SOURCE] * n),
            "updated_at": utc_column(p.updated_s.astype(np.int64)),
        }
    )


__all__ = ["Projects", "ProjectTime", "build_projects", "projects_frame"]
