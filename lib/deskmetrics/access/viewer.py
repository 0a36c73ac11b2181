"""Who is looking at a page, as the kernel learns it from the page address.

The server admits a request without a ``link`` only from logged-in staff, and a request with
one only when the link is genuine, unexpired and not revoked. The kernel checks the link again
itself, so a page can never widen its scope by a parameter the server did not vouch for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs

from deskmetrics.access.keys import secret_key
from deskmetrics.access.links import read_link
from deskmetrics.errors import AccessError

LINK_PARAM = "link"
# the tabs a client link may open; Business (margins, costs, other clients' revenue) is staff only
CLIENT_TABS = ("dashboard", "service_quality", "help_desk", "customer_experience", "health")


@dataclass(frozen=True)
class Viewer:
    """Staff see every client; a client link sees one."""

    client_id: str | None = None
    link_id: str | None = None
    link_token: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.client_id is None

    def may_open(self, tab: str) -> bool:
        return self.is_staff or tab in CLIENT_TABS

    def address_params(self) -> dict[str, str]:
        """What every link between pages must carry so a client stays inside its link."""
        return {} if self.is_staff else {LINK_PARAM: self.link_token or ""}

    def check_still_valid(self, store=None, now: datetime | None = None) -> None:
        """Raise AccessError once the link has expired or been revoked since the page opened."""
        if self.is_staff:
            return
        read_link(secret_key(), self.link_token or "", now)
        if store is None:
            from deskmetrics.access.store import AccessStore

            store = AccessStore()
        if store.is_revoked(self.link_id or ""):
            raise AccessError("this link has been revoked; ask the MSP for a new one")


STAFF = Viewer()


def link_token_in(query_string: str) -> str | None:
    values = parse_qs(query_string or "", keep_blank_values=True).get(LINK_PARAM)
    return values[-1] if values else None


def viewer_from_query(query_string: str, *, store=None, now: datetime | None = None) -> Viewer:
    """The viewer a page address stands for; AccessError for a bad, expired or revoked link."""
    token = link_token_in(query_string)
    if token is None:
        return STAFF
    claims = read_link(secret_key(), token, now)
    viewer = Viewer(client_id=claims.client_id, link_id=claims.link_id, link_token=token)
    viewer.check_still_valid(store, now)
    return viewer
