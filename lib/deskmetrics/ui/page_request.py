"""What a Voilà page learns from its address: its parameters and who is looking.

In a preheated kernel (``deskmetrics serve``) the notebook runs up to here before anyone asks
for the page, then waits until Voilà hands the kernel to a request and sends its address.
Elsewhere (JupyterLab, plain Voilà, papermill) there is nothing to wait for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from deskmetrics.access.viewer import STAFF, Viewer, viewer_from_query
from deskmetrics.ui.query import query_overrides

KERNEL_KEY_ENV = "DESKMETRICS_KERNEL_KEY"
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


def page_request(allowed: tuple[str, ...]) -> PageRequest:
    """The address's parameters and viewer; a client link always wins over ``client=``."""
    wait_for_page_address()
    query = os.environ.get("QUERY_STRING", "")
    viewer = viewer_from_query(query) if "link=" in query else STAFF
    params = query_overrides(allowed, query)
    if not viewer.is_staff:
        params["client"] = viewer.client_id
    return PageRequest(params, viewer)
