"""Dashboard Health: how far the ticket status data can be trusted, why, and what to do.

Checks follow metrics reference section 8. Confidence is High when nothing is flagged and the
sample is large enough, Low when flagged records exceed 5 % of the tickets in scope (or the
sample is tiny), Medium in between.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import Connection, and_, case, func, or_, select

from deskmetrics.metrics.frames import tickets_frame
from deskmetrics.metrics.scope import Scope
from deskmetrics.schema.tables import sync_state, tickets

MIN_N = 20  # tickets; below this no rating is better than Low (DQ-17)
FLAGGED_SHARE_LOW = 0.05
UNASSIGNED_SHARE_WARN = 0.10


@dataclass
class Finding:
    check: str
    count: int
    share: float
    severity: str  # "warn" or "fail"
    reason: str
    action: str


@dataclass
class Confidence:
    rating: str  # High / Medium / Low
    tickets_in_scope: int
    flagged: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [f.reason for f in self.findings]

    @property
    def actions(self) -> list[str]:
        return [f.action for f in self.findings]

    def as_dict(self) -> dict:
        return {
            "rating": self.rating,
            "reasons": self.reasons,
            "actions": self.actions,
            "tickets_in_scope": self.tickets_in_scope,
            "flagged": self.flagged,
            "findings": [asdict(f) for f in self.findings],
        }


def _tickets(n: int, one: str = "is", many: str = "are") -> str:
    return f"1 ticket {one}" if n == 1 else f"{n:,} tickets {many}"


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def assess(conn: Connection, scope: Scope) -> Confidence:
    """Rate the ticket data behind the dashboard for this scope."""
    source, where, c = tickets_frame(scope)
    start, end, as_of = scope.naive
    # tickets that existed during the period: created before its end, not ended before its start
    active = and_(c["created_at"] < end, or_(c["ended_at"].is_(None), c["ended_at"] >= start))
    open_now = and_(c["created_at"] <= as_of, or_(c["ended_at"].is_(None), c["ended_at"] > as_of))
    unmapped = c["status_category"].is_(None)
    row = (
        conn.execute(
            select(
                _count_if(active).label("n"),
                _count_if(and_(active, unmapped)).label("unmapped"),
                _count_if(and_(active, c["close_time_missing"].is_(True))).label("no_close_time"),
                _count_if(and_(active, c["negative_duration"].is_(True))).label("negative"),
                _count_if(open_now).label("open"),
                _count_if(and_(open_now, c["owner_tech_id"].is_(None))).label("unassigned"),
            )
            .select_from(source)
            .where(where)
        )
        .mappings()
        .one()
    )
    n = int(row["n"] or 0)
    counts = {k: int(row[k] or 0) for k in row}
    names = _unmapped_names(conn, scope, active) if counts["unmapped"] else []
    duplicates = _duplicate_ids(conn)
    findings = _findings(counts, names, duplicates, n)
    flagged = counts["unmapped"] + counts["no_close_time"] + counts["negative"] + duplicates
    return Confidence(_rating(n, flagged, findings), n, flagged, findings)


def _findings(counts, names, duplicates: int, n: int) -> list[Finding]:
    share = (lambda k: k / n) if n else (lambda k: 0.0)
    out = []
    if counts["unmapped"]:
        shown = ", ".join(f"'{name}' ({count})" for name, count in names[:5])
        out.append(
            Finding(
                "unmapped_status",
                counts["unmapped"],
                share(counts["unmapped"]),
                "fail" if share(counts["unmapped"]) > FLAGGED_SHARE_LOW else "warn",
                f"{_tickets(counts['unmapped'])} in statuses with no mapping: {shown}",
                "Add these statuses to status_map in your config (parameters/) so they count as "
                "open, waiting or closed",
            )
        )
    if counts["open"] and counts["unassigned"] / counts["open"] > UNASSIGNED_SHARE_WARN:
        pct = 100 * counts["unassigned"] / counts["open"]
        out.append(
            Finding(
                "unassigned",
                counts["unassigned"],
                counts["unassigned"] / counts["open"],
                "warn",
                f"{counts['unassigned']} of {counts['open']} open tickets ({pct:.0f} %) have no owner",
                "Assign an owner to every open ticket in the PSA; technician views undercount",
            )
        )
    if counts["no_close_time"]:
        out.append(
            Finding(
                "closed_without_close_time",
                counts["no_close_time"],
                share(counts["no_close_time"]),
                "warn",
                f"{_tickets(counts['no_close_time'])} resolved or closed but carry no close time",
                "Export resolved_at/closed_at for these tickets; they are left out of resolution "
                "time",
            )
        )
    if counts["negative"]:
        out.append(
            Finding(
                "negative_duration",
                counts["negative"],
                share(counts["negative"]),
                "warn",
                f"{_tickets(counts['negative'], 'was', 'were')} resolved or answered before created",
                "Check the PSA's clock and time zone settings; these tickets are left out of "
                "averages",
            )
        )
    if duplicates:
        out.append(
            Finding(
                "duplicate_ids",
                duplicates,
                share(duplicates),
                "warn",
                f"the last import held {duplicates} duplicate ticket ids (the last row of each won)",
                "Export each ticket once; check the export's paging or joins",
            )
        )
    if n < MIN_N:
        out.append(
            Finding(
                "small_sample",
                n,
                1.0,
                "fail",
                f"only {n} tickets in scope (fewer than {MIN_N})",
                "Widen the date range or remove filters before drawing conclusions",
            )
        )
    return out


def _rating(n: int, flagged: int, findings: list[Finding]) -> str:
    if n < MIN_N or (n and flagged / n > FLAGGED_SHARE_LOW):
        return "Low"
    if any(f.severity == "fail" for f in findings):
        return "Low"
    if findings or n < 3 * MIN_N:
        return "Medium"
    return "High"


def _unmapped_names(conn: Connection, scope: Scope, active) -> list[tuple[str, int]]:
    source, where, c = tickets_frame(scope)
    query = (
        select(c["status"], func.count().label("n"))
        .select_from(source)
        .where(and_(where, active, c["status_category"].is_(None)))
        .group_by(c["status"])
        .order_by(func.count().desc(), c["status"])
    )
    return [(r[0], int(r[1])) for r in conn.execute(query)]


def _duplicate_ids(conn: Connection) -> int:
    total = 0
    rows = conn.execute(select(sync_state.c.detail).where(sync_state.c.stream == tickets.name))
    for (detail,) in rows:
        try:
            total += int(json.loads(detail or "{}").get("duplicate_ids", 0))
        except (ValueError, TypeError):
            continue
    return total
