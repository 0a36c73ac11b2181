"""The access rules, applied before Voilà sees a request.

Staff reach everything. A client link reaches the client tabs, the assets they load, and only
the kernels started for that link. Nobody else reaches anything but the login and link pages:
pages redirect to the login, everything else is refused. Kernels fetch their page address
through a route keyed with a secret only they and the server know.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode

from tornado.httputil import HTTPServerRequest

from deskmetrics.access.keys import same_secret
from deskmetrics.access.viewer import LINK_PARAM
from deskmetrics.errors import AccessError
from deskmetrics.serving.identity import Identities, Requester
from deskmetrics.serving.routes import CLIENT_NOTEBOOKS, Route, match

# set while a page request starts or takes a kernel, so the kernel is tagged with its owner
CURRENT_OWNER: ContextVar[str | None] = ContextVar("deskmetrics_kernel_owner", default=None)
HOME = "/voila/render/dashboard.ipynb"
USER_HEADER = "X-Deskmetrics-User"
VIEWER_HEADER = "X-Deskmetrics-Viewer"


@dataclass(frozen=True)
class Decision:
    allow: bool
    status: int = 200
    location: str | None = None  # redirect here instead
    reason: str = ""
    requester: Requester | None = None
    viewer: str | None = None  # what the kernel is told: "staff" or "link <token>"


class KernelOwners:
    """Which requester each kernel was started or handed out for."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}

    def claim(self, kernel_id: str, owner: str | None) -> None:
        if owner:
            self._owners[kernel_id] = owner

    def release(self, kernel_id: str) -> None:
        self._owners.pop(kernel_id, None)

    def owner(self, kernel_id: str) -> str | None:
        return self._owners.get(kernel_id)


def _allow(requester: Requester | None = None) -> Decision:
    return Decision(True, requester=requester)


def _refuse(status: int, reason: str) -> Decision:
    return Decision(False, status=status, reason=reason)


def _redirect(location: str) -> Decision:
    return Decision(False, status=302, location=location)


def _uri(path: str, params: list[tuple[str, str]]) -> str:
    return path + (f"?{urlencode(params)}" if params else "")


class Guard:
    def __init__(self, identities: Identities, kernel_key: str, owners: KernelOwners) -> None:
        self.identities, self.kernel_key, self.owners = identities, kernel_key, owners

    def decide(self, request: HTTPServerRequest) -> Decision:
        decision = self._decide(request)
        # kernels learn who asked and what they may see through these headers (Voilà passes
        # them on as HTTP_X_DESKMETRICS_*); never through anything the caller sent
        for header in (USER_HEADER, VIEWER_HEADER):
            request.headers.pop(header, None)
        requester = decision.requester
        if decision.allow and requester is not None:
            request.headers[USER_HEADER] = requester.display_name
            staff = "staff" if requester.is_staff else f"link {requester.token}"
            request.headers[VIEWER_HEADER] = decision.viewer or staff
        return decision

    def _decide(self, request: HTTPServerRequest) -> Decision:
        found = match(request.path)
        route = found.route
        if route in (Route.LOGIN, Route.LOGOUT, Route.LINK):
            return _allow()
        if route is Route.KERNEL_QUERY:
            if same_secret(found.key or "", self.kernel_key):
                return _allow()
            return _refuse(403, "only the app's own kernels may read page addresses")
        params = parse_qsl(request.query, keep_blank_values=True)
        if request.method == "GET" and any(name == "token" for name, _ in params):
            # a staff token in the address is exchanged for a login cookie, then dropped
            token = next(value for name, value in params if name == "token")
            rest = _uri(request.path, [(k, v) for k, v in params if k != "token"])
            return _redirect(f"/login?{urlencode({'token': token, 'next': rest})}")
        requester = self.identities.from_request(request)
        link = self.identities.link_in_query(request)
        if route is Route.PAGE and link is not None:
            return self._page_with_link(request, found.notebook or "", link, requester)
        if requester is None:
            upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
            pages = (Route.ROOT, Route.PAGE, Route.STAFF_ONLY)
            if request.method == "GET" and route in pages and not upgrade:
                return _redirect(f"/login?next={quote(request.uri or '/', safe='')}")
            return _refuse(401, "log in first: this app needs a staff login or a client link")
        if requester.is_staff:
            if route is Route.ROOT:
                return _redirect(HOME)
            return _allow(requester)
        return self._client(request, route, found, requester, params)

    def _page_with_link(self, request, notebook: str, link: str, requester) -> Decision:
        try:
            claims = self.identities.check_link(link)
        except AccessError as exc:
            return _refuse(403, str(exc))
        if notebook not in CLIENT_NOTEBOOKS:
            return _refuse(403, "a client link opens the client tabs only")
        if requester is not None and (requester.is_staff or requester.token == link):
            # staff opening a client link see what the client sees
            owner = requester if requester.is_staff else Requester(claims=claims, token=link)
            return Decision(True, requester=owner, viewer=f"link {link}")
        # first visit with this link: set its cookie, then come back to this page
        return _redirect(f"/link/{quote(link, safe='')}?next={quote(request.uri, safe='')}")

    def _client(self, request, route: Route, found, requester: Requester, params) -> Decision:
        if route is Route.ROOT:
            return _redirect(_uri(HOME, [(LINK_PARAM, requester.token)]))
        if route is Route.PAGE:
            if found.notebook in CLIENT_NOTEBOOKS:
                kept = [(k, v) for k, v in params if k != LINK_PARAM]
                return _redirect(_uri(request.path, [*kept, (LINK_PARAM, requester.token)]))
            return _refuse(403, "a client link opens the client tabs only")
        if route is Route.ASSET:
            return _allow(requester)
        if route is Route.KERNEL:
            if self.owners.owner(found.kernel_id) == requester.owner_key:
                return _allow(requester)
            return _refuse(403, "this kernel belongs to another page")
        return _refuse(403, "a client link opens the client tabs only")
