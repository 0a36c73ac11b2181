"""Voilà with a guard in front of every route and kernels tagged with who they serve.

The guard runs in the Tornado application's router, before any Voilà handler: a refused
request never reaches a page, a kernel, a websocket or a static file.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import tornado.web
from jupyter_core.utils import ensure_async
from tornado.httputil import HTTPServerRequest
from traitlets import Bool
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.handler import TornadoVoilaHandler

from deskmetrics.access.keys import secret_key, staff_token
from deskmetrics.access.store import AccessStore
from deskmetrics.serving.guard import CURRENT_OWNER, Guard, KernelOwners
from deskmetrics.serving.handlers import LinkHandler, LoginHandler, LogoutHandler, RefusedHandler
from deskmetrics.serving.identity import Identities
from deskmetrics.serving.routes import KERNEL_ID
from deskmetrics.ui.plotly_assets import BUNDLE_ROUTE, CHART_MODULE

TEMPLATES = Path(__file__).parent / "templates"  # the page template, over Voilà's lab one

KERNEL_KEY_ENV = "DESKMETRICS_KERNEL_KEY"  # kernels send it when they fetch their page address


class GuardedApplication(tornado.web.Application):
    """Routes a request to Voilà only when the guard allows it."""

    guard: Guard

    def find_handler(self, request: HTTPServerRequest, **kwargs):
        decision = self.guard.decide(request)
        if decision.allow:
            request.deskmetrics_requester = decision.requester
            return super().find_handler(request, **kwargs)
        return self.get_handler_delegate(
            request,
            RefusedHandler,
            {"status": decision.status, "reason": decision.reason, "location": decision.location},
        )


class OwnedVoilaHandler(TornadoVoilaHandler):
    """Voilà's page handler; the kernel it starts or takes from the pool is tagged."""

    async def get(self, path=None):
        requester = getattr(self.request, "deskmetrics_requester", None)
        token = CURRENT_OWNER.set(requester.owner_key if requester else None)
        try:
            await super().get(path)
        finally:
            CURRENT_OWNER.reset(token)


class ChartModuleHandler(tornado.web.RequestHandler):
    """The charts' module (plotly and the chart widget), cached for a year: its address
    carries a hash of its content."""

    _body = CHART_MODULE.encode()

    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "private, max-age=31536000, immutable")
        self.finish(ChartModuleHandler._body)


class KeyedRequestInfoHandler(RequestInfoSocketHandler):
    """Voilà's page-address socket for preheated kernels, reached only with the kernel key."""

    def open(self, key: str, kernel_id: str) -> None:  # the guard has checked the key
        super().open(kernel_id)


def _tag_kernels(kernel_manager, owners: KernelOwners) -> None:
    """Wrap the kernel manager so each kernel handed to a page records the page's owner."""
    take = getattr(kernel_manager, "get_rendered_notebook", None)
    start = kernel_manager.start_kernel
    shutdown = kernel_manager.shutdown_kernel

    async def get_rendered_notebook(*args, **kwargs):
        owner = CURRENT_OWNER.get()
        reset = CURRENT_OWNER.set(None)  # the pool refill started in here belongs to nobody yet
        try:
            task, cache, kernel_id = await take(*args, **kwargs)
        finally:
            CURRENT_OWNER.reset(reset)
        owners.claim(kernel_id, owner)
        return task, cache, kernel_id

    async def start_kernel(*args, **kwargs):
        kernel_id = await ensure_async(start(*args, **kwargs))
        owners.claim(kernel_id, CURRENT_OWNER.get())
        return kernel_id

    async def shutdown_kernel(kernel_id, *args, **kwargs):
        owners.release(kernel_id)
        RequestInfoSocketHandler._cache.pop(kernel_id, None)  # its page address (and link)
        return await ensure_async(shutdown(kernel_id, *args, **kwargs))

    if take is not None:
        kernel_manager.get_rendered_notebook = get_rendered_notebook
    kernel_manager.start_kernel = start_kernel
    kernel_manager.shutdown_kernel = shutdown_kernel


class DeskmetricsVoila(Voila):
    """Voilà serving notebooks/ with deskmetrics access control."""

    name = "deskmetrics-voila"
    behind_proxy = Bool(
        False,
        config=True,
        help="take the client's address and scheme from the reverse proxy's X-Real-Ip, "
        "X-Forwarded-For and X-Forwarded-Proto headers",
    )

    def setup_template_dirs(self):
        super().setup_template_dirs()
        self.template_paths = [str(TEMPLATES), *self.template_paths]

    def listen(self):
        if self.behind_proxy:
            # the failed-login lockout counts per client address: behind a proxy every request
            # comes from the proxy, so a few wrong guesses by anyone would lock out all staff.
            # Only behind a proxy: a client reaching the app directly could name any address.
            self.app.listen = functools.partial(self.app.listen, xheaders=True)
        super().listen()

    def init_settings(self):
        settings = super().init_settings()
        self.kernel_owners = KernelOwners()
        _tag_kernels(self.kernel_manager, self.kernel_owners)
        return settings

    def init_handlers(self):
        ours = [
            (r"/login/?", LoginHandler, {"identities": self.identities}),
            (r"/logout/?", LogoutHandler, {"identities": self.identities}),
            (r"/link/([^/]+)/?", LinkHandler, {"identities": self.identities}),
            (rf"/voila/query/([^/]+)/({KERNEL_ID})", KeyedRequestInfoHandler),
            (BUNDLE_ROUTE, ChartModuleHandler),  # once per browser (see ui.plotly_assets)
        ]
        theirs = []
        for pattern, handler, *rest in super().init_handlers():
            if handler is RequestInfoSocketHandler:
                continue  # replaced by the keyed route above
            if handler is TornadoVoilaHandler:
                handler = OwnedVoilaHandler
            theirs.append((pattern, handler, *rest))
        return ours + theirs

    def start(self):
        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        self.identities = Identities(secret_key(), AccessStore(), staff_token())
        settings = self.init_settings()
        settings["cookie_secret"] = self.identities.cookie_secret
        # every request has passed the guard, whose SameSite=Lax cookie a cross-site form
        # cannot carry; Voilà's own XSRF check would only refuse its shutdown call
        settings["disable_check_xsrf"] = True
        self.app = GuardedApplication(**settings)
        self.app.guard = Guard(self.identities, os.environ[KERNEL_KEY_ENV], self.kernel_owners)
        self.app.settings.update(self.tornado_settings)
        self.app.add_handlers(".*$", self.init_handlers())
        self.listen()
