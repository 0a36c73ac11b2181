"""The health audit log: one row per change, with who, when, and the values before and after."""

from __future__ import annotations

import getpass
import json
import os
import uuid
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Connection, insert, select

from deskmetrics.schema.health_tables import health_audit

ACTOR_ENV = "DESKMETRICS_USER"


def default_actor() -> str:
    """Who is editing: $DESKMETRICS_USER, else the operating-system user."""
    try:
        return os.environ.get(ACTOR_ENV) or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


def utc_now() -> datetime:
    """Now as the naive UTC instant the warehouse stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(
    conn: Connection,
    actor: str,
    action: str,
    subject: str | None,
    before: object = None,
    after: object = None,
    *,
    at: datetime | None = None,
) -> None:
    """Write one audit row inside the caller's transaction, so a change and its record commit
    together or not at all."""
    conn.execute(
        insert(health_audit).values(
            change_id=uuid.uuid4().hex,
            at=at or utc_now(),
            actor=actor,
            action=action,
            subject=subject,
            before=None if before is None else json.dumps(before, default=str, sort_keys=True),
            after=None if after is None else json.dumps(after, default=str, sort_keys=True),
        )
    )


def audit_log(conn: Connection, limit: int = 200) -> pd.DataFrame:
    """The latest changes first: at, actor, action, subject, before, after."""
    a = health_audit.c
    query = (
        select(a.at, a.actor, a.action, a.subject, a.before, a.after)
        .order_by(a.at.desc(), a.change_id)
        .limit(limit)
    )
    return pd.DataFrame(conn.execute(query).all(), columns=list(query.selected_columns.keys()))
