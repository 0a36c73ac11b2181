"""What a Voilà page learns from its address: its parameters and who is looking.

In a preheated kernel (``deskmetrics serve``) the notebook runs up to here before anyone asks
for the page, then waits until Voilà hands the kernel to a request and sends its address.
Elsewhere (JupyterLab, plain Voilà, papermill) there is nothing to wait for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlencode

from deskmetrics.access.viewer import LINK_PARAM, STAFF, Viewer, viewer_from_query
from deskmetrics.errors import AccessError
from deskmetrics.ui.query import query_overrides

KERNEL_KEY_ENV = "DESKMETRICS_KERNEL_KEY"
VIEWER_ENV = "HTTP_X_DESKMETRICS_VIEWER"  # set by the app's guard, passed on by Voilà
_answered = False


def preheating() -> bool:
    """True in a pooled kernel that has not yet been handed to a page."""
    return os.environ.get("VOILA_PREHEAT") == "True" and not _answered


def wait_for_page_address() -> None:
    """Block a pooled kernel until its page is requested; QUERY_STRING is then set."""
    global _answered
    if not preheating():
        return
    from voila.utils import wait_for_request

    host = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_SERVER_URL", "/")
    key = os.environ.get(KERNEL_KEY_ENV, "")
    wait_for_request(f"ws://{host}:{port}{base}voila/query/{key}")
    _answered = True


def current_user() -> str | None:
    """The staff login behind this page, as the app's guard vouched for it (None elsewhere)."""
    return os.environ.get("HTTP_X_DESKMETRICS_USER") or None


@dataclass(frozen=True)
class PageRequest:
    params: dict[str, str]  # known parameters from the address; a client link fixes "client"
    viewer: Viewer


def served_by_app() -> bool:
    """True in a kernel of `deskmetrics serve`, whose guard says who is looking."""
    return bool(os.environ.get(KERNEL_KEY_ENV))


def page_viewer(query: str) -> Viewer:
    """Under the app: the viewer its guard vouched for, nothing else (a page it did not vouch
    for is refused). Elsewhere (JupyterLab, plain Voilà): the address's ``link``, if any."""
    if not served_by_app():
        return viewer_from_query(query)
    vouched = os.environ.get(VIEWER_ENV, "")
    if vouched == "staff":
        return STAFF
    if vouched.startswith("link "):
        return viewer_from_query(urlencode({LINK_PARAM: vouched.removeprefix("link ")}))
    raise AccessError("the app did not say who is viewing this page; reload it")


def page_request(allowed: tuple[str, ...]) -> PageRequest:
    """The address's parameters and viewer; a client link always wins over ``client=``."""
    wait_for_page_address()
    if os.environ.get("VOILA_PREHEAT") == "True" and "QUERY_STRING" not in os.environ:
        raise AccessError("this page never received its address; reload it")
    query = os.environ.get("QUERY_STRING", "")
    viewer = page_viewer(query)
    params = query_overrides(allowed, query)
    if not viewer.is_staff:
        params["client"] = viewer.client_id
    return PageRequest(params, viewer)
