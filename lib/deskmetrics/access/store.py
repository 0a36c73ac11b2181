"""Staff logins and client links, kept apart from the warehouse.

A small database of its own (SQLite under data/ unless ``$DESKMETRICS_ACCESS_DB`` names
another SQLAlchemy URL): a sync holding the warehouse's write lock never delays a login or a
revocation check, and password hashes never sit beside the ticket data. Passwords are
stored only as Argon2 hashes.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.pool import NullPool

from deskmetrics.access.keys import secret_key
from deskmetrics.access.links import sign_link
from deskmetrics.config import PROJECT_ROOT
from deskmetrics.errors import AccessError

ACCESS_DB_ENV = "DESKMETRICS_ACCESS_DB"
DEFAULT_ACCESS_DB = PROJECT_ROOT / "data" / "access.sqlite"
MIN_PASSWORD_CHARS = 12

metadata = MetaData()
client_links = Table(
    "client_links",
    metadata,
    Column("link_id", String, primary_key=True),
    Column("client_id", String, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("revoked_by", String),
    Column("note", Text),
)
staff_users = Table(
    "staff_users",
    metadata,
    Column("username", String, primary_key=True),
    Column("password_hash", String, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String, nullable=False),
)


@dataclass(frozen=True)
class ClientLink:
    link_id: str
    client_id: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    note: str | None = None


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


class AccessStore:
    """Create and revoke client links; add, check and remove staff logins."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or os.environ.get(ACCESS_DB_ENV) or f"sqlite:///{DEFAULT_ACCESS_DB}"
        if self.url.startswith("sqlite:///"):
            os.makedirs(os.path.dirname(self.url.removeprefix("sqlite:///")) or ".", exist_ok=True)
        self.engine = create_engine(self.url, poolclass=NullPool)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_wal)
        metadata.create_all(self.engine)
        self._hasher = PasswordHasher()

    # -- client links ---------------------------------------------------------------------
    def create_link(
        self,
        client_id: str,
        *,
        days: float,
        actor: str,
        note: str | None = None,
        now: datetime | None = None,
    ) -> tuple[ClientLink, str]:
        """Record a new link and return it with its token (the token itself is not stored)."""
        if days <= 0:
            raise AccessError(f"a link must last more than 0 days (got {days})")
        created = now or datetime.now(UTC)
        link = ClientLink(
            link_id=secrets.token_hex(8),
            client_id=client_id,
            created_at=created,
            created_by=actor,
            expires_at=created + timedelta(days=days),
            note=note,
        )
        with self.engine.begin() as conn:
            conn.execute(
                client_links.insert().values(
                    link_id=link.link_id,
                    client_id=client_id,
                    created_at=_naive(created),
                    created_by=actor,
                    expires_at=_naive(link.expires_at),
                    note=note,
                )
            )
        return link, sign_link(secret_key(), link.link_id, client_id, link.expires_at)

    def revoke_link(self, link_id: str, *, actor: str, now: datetime | None = None) -> ClientLink:
        """Mark a link revoked (revoking twice keeps the first time and person)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(client_links)
                .where(client_links.c.link_id == link_id, client_links.c.revoked_at.is_(None))
                .values(revoked_at=_naive(now or datetime.now(UTC)), revoked_by=actor)
            )
        link = self.link(link_id)
        if link is None:
            raise AccessError(f"no client link with id {link_id!r}; see `deskmetrics links list`")
        return link

    def link(self, link_id: str) -> ClientLink | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(client_links).where(client_links.c.link_id == link_id)
            ).first()
        return _link(row) if row is not None else None

    def links(self, client_id: str | None = None) -> list[ClientLink]:
        query = select(client_links).order_by(client_links.c.created_at)
        if client_id:
            query = query.where(client_links.c.client_id == client_id)
        with self.engine.connect() as conn:
            return [_link(row) for row in conn.execute(query)]

    def is_revoked(self, link_id: str) -> bool:
        """Unknown links count as revoked: a token for a link no store knows is refused."""
        link = self.link(link_id)
        return link is None or link.revoked_at is not None

    # -- staff ----------------------------------------------------------------------------
    def add_staff(self, username: str, password: str, *, actor: str) -> None:
        if not username.strip():
            raise AccessError("a staff login needs a user name")
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccessError(f"a staff password needs at least {MIN_PASSWORD_CHARS} characters")
        values = {
            "password_hash": self._hasher.hash(password),
            "created_at": _naive(datetime.now(UTC)),
            "created_by": actor,
        }
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(staff_users.c.username).where(staff_users.c.username == username)
            ).first()
            if exists:
                conn.execute(
                    update(staff_users).where(staff_users.c.username == username).values(**values)
                )
            else:
                conn.execute(staff_users.insert().values(username=username, **values))

    def remove_staff(self, username: str) -> None:
        with self.engine.begin() as conn:
            gone = conn.execute(staff_users.delete().where(staff_users.c.username == username))
        if gone.rowcount == 0:
            raise AccessError(f"no staff login named {username!r}")

    def staff(self) -> list[str]:
        with self.engine.connect() as conn:
            query = select(staff_users.c.username).order_by(staff_users.c.username)
            return list(conn.execute(query).scalars())

    def check_password(self, username: str, password: str) -> bool:
        with self.engine.connect() as conn:
            stored = conn.execute(
                select(staff_users.c.password_hash).where(staff_users.c.username == username)
            ).scalar()
        if stored is None:
            # hash anyway so a wrong user name costs as long as a wrong password
            self._hasher.hash(password)
            return False
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False


def _link(row) -> ClientLink:
    return ClientLink(
        link_id=row.link_id,
        client_id=row.client_id,
        created_at=_utc(row.created_at),
        created_by=row.created_by,
        expires_at=_utc(row.expires_at),
        revoked_at=_utc(row.revoked_at),
        revoked_by=row.revoked_by,
        note=row.note,
    )


def _sqlite_wal(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
