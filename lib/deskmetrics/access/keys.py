"""The secrets access control needs, read only from the environment."""

from __future__ import annotations

import hashlib
import hmac
import os

from deskmetrics.errors import AccessError

SECRET_ENV = "DESKMETRICS_SECRET_KEY"  # signs client links and login cookies
STAFF_TOKEN_ENV = "DESKMETRICS_STAFF_TOKEN"  # optional: a shared token for staff and automation
MIN_SECRET_CHARS = 32


def secret_key() -> bytes:
    """The signing key; refused when missing or too short to resist guessing."""
    value = os.environ.get(SECRET_ENV, "")
    if len(value) < MIN_SECRET_CHARS:
        raise AccessError(
            f"set ${SECRET_ENV} to a random string of at least {MIN_SECRET_CHARS} characters "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`); it signs "
            "client links and logins, so keep it the same across restarts"
        )
    return value.encode()


MIN_TOKEN_CHARS = 24


def staff_token() -> str | None:
    """The shared staff token, if set; refused when short enough to guess."""
    value = os.environ.get(STAFF_TOKEN_ENV, "")
    if value and len(value) < MIN_TOKEN_CHARS:
        raise AccessError(
            f"${STAFF_TOKEN_ENV} must be at least {MIN_TOKEN_CHARS} characters "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )
    return value or None


def derived_key(key: bytes, purpose: str) -> bytes:
    """A separate key per purpose, so a cookie can never pass as a link or the reverse."""
    return hmac.new(key, purpose.encode(), hashlib.sha256).digest()


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
