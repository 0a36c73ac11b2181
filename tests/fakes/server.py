"""A real HTTP server on 127.0.0.1 for vendor fakes: a tiny router, a request log, faults.

A vendor fake registers handlers with ``route(method, pattern)``; a handler takes a
``Request`` and returns a ``Response`` (or any JSON-able value, served as 200). ``guard`` runs
before routing (authentication checks). ``fail(...)`` injects faults (429 with Retry-After, a
transient or permanent 5xx) on matching requests before they reach the guard or a handler.

    server = FakeServer()

    @server.route("GET", r"/items/(?P<id>\\d+)")
    def item(request):
        return {"id": int(request.params["id"])}

    with server:
        httpx.get(server.url + "/items/3")

Every request is logged (method, path, query, headers, status served, items in a list body),
faulted ones included. A handler that raises answers 500 and its traceback lands in
``server.errors`` so a bug in a fake never passes for a vendor error. ``clock`` (a callable
returning an aware datetime) sets the ``Date`` header, so a fake can live in its data's time.
``delay`` (seconds, default 0) slows every answer, so a sync lasts long enough for a test to do
something while it runs.
"""

from __future__ import annotations

import json
import re
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route pattern

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter (names compared case-insensitively)."""
        for key, values in self.query.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> object:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: object = None  # JSON-able, or bytes/str sent as they are
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int
    items: int | None  # length of a JSON array body, else None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Fault:
    """Answer ``status`` to matching requests: skip ``after`` of them, then fail ``times``
    (None: every one from then on)."""

    status: int
    times: int | None = 1
    after: int = 0
    path: str | None = None  # regex searched in the request path; None matches every path
    method: str | None = None
    retry_after: float | None = None
    body: object = None
    seen: int = 0
    fired: int = 0

    def take(self, request: Request) -> Response | None:
        if self.path is not None and not re.search(self.path, request.path):
            return None
        if self.method is not None and self.method != request.method:
            return None
        self.seen += 1
        if self.seen <= self.after or (self.times is not None and self.fired >= self.times):
            return None
        self.fired += 1
        headers = {} if self.retry_after is None else {"Retry-After": f"{self.retry_after:g}"}
        body = self.body if self.body is not None else {"code": "Fault", "message": "injected"}
        return Response(self.status, body, headers)


Handler = Callable[[Request], object]


class FakeServer:
    """A threaded HTTP/1.1 server on an ephemeral loopback port; start() or use ``with``."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.guard: Callable[[Request], Response | None] | None = None
        self.clock: Callable[[], datetime] | None = None  # the Date header; None: wall clock
        self.delay = 0.0  # seconds every answer waits: a slow vendor
        self.log: list[Logged] = []
        self.errors: list[str] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- routing -----------------------------------------------------------------------------
    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def add(handler: Handler) -> Handler:
            self.add_route(method, pattern, handler)
            return handler

        return add

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method.upper(), re.compile(pattern), handler))

    # -- faults ------------------------------------------------------------------------------
    def fail(self, status: int = 500, **kwargs) -> Fault:
        """Inject a fault (see ``Fault``); returns it so a test can read ``fired``."""
        fault = Fault(status, **kwargs)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- log ---------------------------------------------------------------------------------
    def requests(self, path: str | None = None, method: str | None = None) -> list[Logged]:
        """Logged requests whose path fully matches the regex ``path`` (None: all)."""
        with self._lock:
            return [
                r
                for r in self.log
                if (path is None or re.fullmatch(path, r.path))
                and (method is None or r.method == method)
            ]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the fake server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- dispatch ----------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        with self._lock:
            faults = list(self._faults)
        for fault in faults:
            with self._lock:
                response = fault.take(request)
            if response is not None:
                return response
        if self.guard is not None and (denied := self.guard(request)) is not None:
            return denied
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                bound = Request(**{**request.__dict__, "params": match.groupdict()})
                result = handler(bound)
                return result if isinstance(result, Response) else Response(200, result)
        return Response(404, {"code": "NotFound", "message": f"no route for {request.path}"})

    def _record(self, request: Request, response: Response) -> None:
        items = len(response.body) if isinstance(response.body, list) else None
        entry = Logged(
            request.method, request.path, request.query, request.headers, response.status, items
        )
        with self._lock:
            self.log.append(entry)


def _make_handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a client reuses one connection
        disable_nagle_algorithm = True  # with buffered writes: no 40 ms delayed-ACK stalls
        wbufsize = 1 << 16  # headers and body leave in one write, flushed per request

        def _handle(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            if server.delay:
                time.sleep(server.delay)
            try:
                response = server.dispatch(request)
            except Exception:  # a bug in the fake: answer 500, keep the traceback
                server.errors.append(traceback.format_exc())
                response = Response(500, {"code": "FakeError", "message": "fake handler failed"})
            server._record(request, response)
            body = response.body
            if isinstance(body, bytes):
                payload, kind = body, "application/octet-stream"
            elif isinstance(body, str):
                payload, kind = body.encode(), "text/plain; charset=utf-8"
            else:
                payload, kind = json.dumps(body).encode(), "application/json; charset=utf-8"
            self.send_response(response.status)
            headers = {"Content-Type": kind, **response.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def date_time_string(self, timestamp: float | None = None) -> str:
            if server.clock is None or timestamp is not None:
                return super().date_time_string(timestamp)
            return format_datetime(server.clock().astimezone(UTC), usegmt=True)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args) -> None:  # quiet: the log list is the record
            pass

    return _Handler
