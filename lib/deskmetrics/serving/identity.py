"""Who sent a request: staff (login cookie or token) or a client link (cookie or ``link=``).

The login cookie is signed with a key derived from ``$DESKMETRICS_SECRET_KEY``; a client's
cookie holds its link token, so every request re-checks the link's signature, expiry and
revocation (revocations are cached for a couple of seconds to keep static files cheap).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from tornado.httputil import HTTPServerRequest
from tornado.web import create_signed_value, decode_signed_value

from deskmetrics.access.keys import derived_key, same_secret
from deskmetrics.access.links import LinkClaims, read_link
from deskmetrics.access.store import AccessStore
from deskmetrics.access.viewer import link_token_in
from deskmetrics.errors import AccessError

COOKIE = "deskmetrics_auth"
STAFF_SESSION_DAYS = 0.5  # a staff login lasts a working day
REVOCATION_TTL_SECONDS = 2.0


@dataclass(frozen=True)
class Requester:
    """Staff (``user``) or one client link (``claims`` and its token)."""

    user: str | None = None
    claims: LinkClaims | None = None
    token: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.user is not None

    @property
    def display_name(self) -> str:
        """Who made a change, for audit rows: the staff login, or the client link's id."""
        if self.is_staff:
            return "staff token" if self.user == "token" else self.user
        return f"client link {self.claims.link_id}"

    @property
    def owner_key(self) -> str:
        """Kernels started for this requester are tagged with it."""
        return "staff" if self.is_staff else f"link:{self.claims.link_id}"


class Identities:
    """Reads and writes the login cookie and checks links, for one server."""

    def __init__(self, key: bytes, store: AccessStore, staff_token: str | None) -> None:
        self.cookie_secret = derived_key(key, "login-cookie")
        self.key, self.store, self.staff_token = key, store, staff_token
        self._revoked: dict[str, tuple[float, bool]] = {}
        self._staff: dict[str, tuple[float, bool]] = {}

    # -- cookies --------------------------------------------------------------------------
    def staff_cookie(self, user: str) -> bytes:
        return create_signed_value(self.cookie_secret, COOKIE, f"staff:{user}")

    def link_cookie(self, token: str) -> bytes:
        return create_signed_value(self.cookie_secret, COOKIE, f"link:{token}")

    # -- checks ---------------------------------------------------------------------------
    def check_link(self, token: str) -> LinkClaims:
        """Claims of a genuine, unexpired, unrevoked link; AccessError otherwise."""
        claims = read_link(self.key, token)
        if self._is_revoked(claims.link_id):
            raise AccessError("this link has been revoked; ask the MSP for a new one")
        return claims

    def token_matches(self, given: str | None) -> bool:
        return bool(given and self.staff_token and same_secret(given, self.staff_token))

    def from_request(self, request: HTTPServerRequest) -> Requester | None:
        """The requester behind a header token or the login cookie, or None."""
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("token ") and self.token_matches(header[6:].strip()):
            return Requester(user="token")
        morsel = request.cookies.get(COOKIE)
        if morsel is None:
            return None
        raw = decode_signed_value(
            self.cookie_secret, COOKIE, morsel.value, max_age_days=STAFF_SESSION_DAYS
        )
        if raw is None:
            return None
        kind, _, value = raw.decode().partition(":")
        if kind == "staff" and value:
            # a removed login or a withdrawn token ends its sessions too
            still = self.staff_token is not None if value == "token" else self._is_staff(value)
            return Requester(user=value) if still else None
        if kind == "link":
            try:
                return Requester(claims=self.check_link(value), token=value)
            except AccessError:
                return None
        return None

    def link_in_query(self, request: HTTPServerRequest) -> str | None:
        return link_token_in(request.query)

    def _is_staff(self, user: str) -> bool:
        now = time.monotonic()
        cached = self._staff.get(user)
        if cached is not None and now - cached[0] < REVOCATION_TTL_SECONDS:
            return cached[1]
        known = user in self.store.staff()
        self._staff[user] = (now, known)
        return known

    def _is_revoked(self, link_id: str) -> bool:
        now = time.monotonic()
        cached = self._revoked.get(link_id)
        if cached is not None and now - cached[0] < REVOCATION_TTL_SECONDS:
            return cached[1]
        revoked = self.store.is_revoked(link_id)
        self._revoked[link_id] = (now, revoked)
        return revoked
