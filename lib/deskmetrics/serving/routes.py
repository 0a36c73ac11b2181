"""Every route the app answers, sorted into what kind of thing it is.

One table, so the access rules and the test that knocks on every route read the same list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from deskmetrics.access.viewer import CLIENT_TABS

KERNEL_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

CLIENT_NOTEBOOKS = tuple(f"{tab}.ipynb" for tab in CLIENT_TABS)


class Route(Enum):
    LOGIN = "login"  # public: the staff login form and token exchange
    LOGOUT = "logout"
    LINK = "link"  # public: a client link exchanged for a session cookie
    KERNEL_QUERY = "kernel_query"  # kernels fetch their page address here, with the kernel key
    ROOT = "root"
    PAGE = "page"  # /voila/render/<notebook>
    ASSET = "asset"  # static files, templates, themes, lab extensions
    KERNEL = "kernel"  # kernel websocket, kernel API, shutdown: carry a kernel id
    STAFF_ONLY = "staff_only"  # tree listing, contents API, files, anything else


@dataclass(frozen=True)
class Match:
    route: Route
    notebook: str | None = None
    kernel_id: str | None = None
    key: str | None = None


_PATTERNS: list[tuple[re.Pattern, Route]] = [
    (re.compile(r"/login/?"), Route.LOGIN),
    (re.compile(r"/logout/?"), Route.LOGOUT),
    (re.compile(r"/link/(?P<token>[^/]+)/?"), Route.LINK),
    (re.compile(rf"/voila/query/(?P<key>[^/]+)/(?P<kernel_id>{KERNEL_ID})"), Route.KERNEL_QUERY),
    (re.compile(r"/?"), Route.ROOT),
    (re.compile(r"/voila/render/(?P<notebook>.+)"), Route.PAGE),
    (re.compile(r"/voila/(static|templates|labextensions|api/themes)/.*"), Route.ASSET),
    (re.compile(rf"/api/kernels/(?P<kernel_id>{KERNEL_ID})(/channels)?"), Route.KERNEL),
    (re.compile(rf"/voila/api/shutdown/(?P<kernel_id>{KERNEL_ID})"), Route.KERNEL),
]


def match(path: str) -> Match:
    """The kind of route a request path is; unknown paths are staff only."""
    for pattern, route in _PATTERNS:
        found = pattern.fullmatch(path)
        if found:
            groups = found.groupdict()
            return Match(
                route,
                notebook=groups.get("notebook"),
                kernel_id=groups.get("kernel_id"),
                key=groups.get("key"),
            )
    return Match(Route.STAFF_ONLY)


# one sample path per route kind, for the test that every route refuses strangers
SAMPLE_PATHS = (
    "/",
    "/voila/render/dashboard.ipynb",
    "/voila/render/business.ipynb",
    "/voila/render/reports/manager.ipynb",
    "/voila/tree",
    "/voila/api/contents/",
    "/voila/files/dashboard.ipynb",
    "/voila/static/voila.js",
    "/voila/templates/lab/static/voila.js",
    "/voila/labextensions/@voila-dashboards/widgets-manager8/package.json",
    "/voila/api/themes/@jupyterlab/theme-light-extension/index.css",
    "/api/kernels/00000000-0000-0000-0000-000000000000",
    "/api/kernels/00000000-0000-0000-0000-000000000000/channels",
    "/voila/api/shutdown/00000000-0000-0000-0000-000000000000",
    "/voila/query/00000000-0000-0000-0000-000000000000",
    "/voila/query/wrong-key/00000000-0000-0000-0000-000000000000",
    "/api/kernels",
    "/api/sessions",
    "/api/contents",
    "/lab",
    "/anything/else",
)
