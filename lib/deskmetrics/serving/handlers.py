"""The app's own pages: staff login and logout, client link entry, and refusals."""

from __future__ import annotations

import time
from html import escape
from urllib.parse import urlencode, urlsplit

from tornado.web import RequestHandler

from deskmetrics.errors import AccessError
from deskmetrics.serving.guard import HOME
from deskmetrics.serving.identity import COOKIE, STAFF_SESSION_DAYS, Identities

MAX_FAILURES = 5  # per address, within FAILURE_WINDOW, before logins are refused
FAILURE_WINDOW = 900  # seconds

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif;background:#f3f4f6;
display:flex;justify-content:center;padding-top:10vh}}main{{background:#fff;padding:28px 32px;
border-radius:10px;box-shadow:0 1px 4px #0002;min-width:320px}}label{{display:block;margin:10px 0
4px}}input{{width:100%;padding:6px;box-sizing:border-box}}button{{margin-top:16px;padding:8px 16px;
background:#2563eb;color:#fff;border:0;border-radius:6px}}.dm-error{{color:#b91c1c}}</style>
</head><body><main>{body}</main></body></html>"""


def safe_next(value: str | None, default: str = HOME) -> str:
    """Only paths on this server: never another site, never a protocol-relative URL (browsers
    drop tabs and newlines, so ``/\t/evil.com`` would be one)."""
    if not value or any(ord(c) < 0x21 or c == "\\" for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return default
    return value


class BaseHandler(RequestHandler):
    def initialize(self, identities: Identities) -> None:
        self.identities = identities

    def set_auth_cookie(self, value: bytes, expires_days: float) -> None:
        self.set_cookie(
            COOKIE,
            value.decode(),
            expires_days=expires_days,
            httponly=True,
            samesite="Lax",
            secure=self.request.protocol == "https",
        )

    def page(self, title: str, body: str, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(PAGE.format(title=escape(title), body=body))


class LoginHandler(BaseHandler):
    failures: dict[str, list[float]] = {}

    def get(self) -> None:
        token = self.get_argument("token", None)
        target = safe_next(self.get_argument("next", None))
        if token is None:
            self._form(target)
        elif self._locked_out():
            self._form(target, "Too many failed logins; wait 15 minutes.", status=429)
        elif self.identities.token_matches(token):
            self.failures.pop(self._address(), None)
            self.set_auth_cookie(self.identities.staff_cookie("token"), STAFF_SESSION_DAYS)
            self.redirect(target)
        else:
            self._failed()
            self._form(target, "That token is not valid.", status=403)

    def _address(self) -> str:
        return self.request.remote_ip or "?"

    def _recent_failures(self) -> list[float]:
        now = time.time()
        recent = [t for t in self.failures.get(self._address(), []) if now - t < FAILURE_WINDOW]
        if recent:
            self.failures[self._address()] = recent
        else:
            self.failures.pop(self._address(), None)  # keeps the table small
        return recent

    def _locked_out(self) -> bool:
        return len(self._recent_failures()) >= MAX_FAILURES

    def _failed(self) -> None:
        self.failures[self._address()] = [*self._recent_failures(), time.time()]

    def post(self) -> None:
        self.check_xsrf_cookie()
        target = safe_next(self.get_argument("next", None))
        if self._locked_out():
            self._form(target, "Too many failed logins; wait 15 minutes.", status=429)
            return
        user = self.get_argument("username", "").strip()
        password = self.get_argument("password", "")
        store = self.identities.store
        if user and store.check_password(user, password):
            self.failures.pop(self._address(), None)
            self.set_auth_cookie(self.identities.staff_cookie(user), STAFF_SESSION_DAYS)
            self.redirect(target)
            return
        self._failed()
        self._form(target, "Wrong user name or password.", status=403)

    def _form(self, target: str, error: str = "", status: int = 200) -> None:
        message = f'<p class="dm-error">{escape(error)}</p>' if error else ""
        body = (
            "<h2>deskmetrics: staff login</h2>"
            + message
            + f'<form method="post" action="/login?{escape(urlencode({"next": target}))}">'
            + self.xsrf_form_html()
            + '<label for="username">User name</label><input id="username" name="username"'
            ' autocomplete="username" autofocus>'
            '<label for="password">Password</label><input id="password" name="password"'
            ' type="password" autocomplete="current-password">'
            '<button type="submit">Log in</button></form>'
            "<p><small>Clients: open the link your MSP sent you.</small></p>"
        )
        self.page("deskmetrics login", body, status)


class LogoutHandler(BaseHandler):
    def get(self) -> None:
        self.clear_cookie(COOKIE)
        self.page("Logged out", '<p>You are logged out.</p><p><a href="/login">Log in</a></p>')


class LinkHandler(BaseHandler):
    """A client link: check it, keep it in a cookie for the page's assets, open the page."""

    def get(self, token: str) -> None:
        try:
            claims = self.identities.check_link(token)
        except AccessError as exc:
            self.page("Link refused", f"<h2>Link refused</h2><p>{escape(str(exc))}</p>", 403)
            return
        days_left = max((claims.expires_at.timestamp() - time.time()) / 86400, 0.0)
        self.set_auth_cookie(self.identities.link_cookie(token), min(days_left, STAFF_SESSION_DAYS))
        target = safe_next(self.get_argument("next", None), "")
        if not target.startswith("/voila/render/") or f"link={token}" not in target:
            target = f"{HOME}?{urlencode({'link': token})}"
        self.redirect(target)


class RefusedHandler(RequestHandler):
    """What a refused request gets: a redirect to log in, or a short reason and no data."""

    def initialize(self, status: int, reason: str, location: str | None) -> None:
        self.status, self.reason, self.location = status, reason, location

    def prepare(self) -> None:
        self.set_header("Cache-Control", "no-store")
        if self.location:
            self.redirect(self.location)
            return
        self.set_status(self.status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{self.status}: {self.reason}\n")
