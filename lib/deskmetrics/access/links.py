"""Per-client signed links: an HMAC over (link id, client id, expiry).

The token carries its claims, so the server and the kernels can check it without a lookup;
revocation is the one thing that needs the store (``AccessStore.is_revoked``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer

from deskmetrics.access.keys import derived_key
from deskmetrics.errors import AccessError

SALT = "deskmetrics.client-link.v1"


@dataclass(frozen=True)
class LinkClaims:
    link_id: str
    client_id: str
    expires_at: datetime  # UTC


def _serializer(key: bytes) -> URLSafeSerializer:
    return URLSafeSerializer(derived_key(key, "client-link"), salt=SALT)


def sign_link(key: bytes, link_id: str, client_id: str, expires_at: datetime) -> str:
    expiry = int(expires_at.astimezone(UTC).timestamp())
    return _serializer(key).dumps({"l": link_id, "c": client_id, "e": expiry})


def read_link(key: bytes, token: str, now: datetime | None = None) -> LinkClaims:
    """The claims of a genuine, unexpired token; AccessError says why one is refused."""
    try:
        payload = _serializer(key).loads(token)
        claims = LinkClaims(
            link_id=str(payload["l"]),
            client_id=str(payload["c"]),
            expires_at=datetime.fromtimestamp(int(payload["e"]), UTC),
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        raise AccessError("this link is not valid: it was altered or not issued here") from None
    if (now or datetime.now(UTC)) >= claims.expires_at:
        raise AccessError(
            f"this link expired on {claims.expires_at:%Y-%m-%d %H:%M} UTC; ask for a new one"
        )
    return claims
