"""One HTTP client for every connector: timeouts, TLS verification, retry with backoff on 429
and 5xx honouring Retry-After, and pacing under the vendor's request limits.

Errors never carry request headers or query strings, because those are where secrets live.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from deskmetrics.errors import DeskmetricsError

log = logging.getLogger(__name__)
RETRY_STATUSES = {429, 500, 502, 503, 504}
_QUERY = re.compile(r"\?[^\s\"']*")


class _RedactQueries(logging.Filter):
    """httpx logs each request URL; a query string may carry a token, so it is cut."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _QUERY.sub("?…", str(record.msg))
        if record.args:
            record.args = tuple(
                _QUERY.sub("?…", str(a)) if isinstance(a, str | httpx.URL) else a
                for a in record.args
            )
        return True


for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_RedactQueries())


class SourceError(DeskmetricsError):
    """A source answered with an error that retrying does not fix."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RetryableStatus(Exception):
    def __init__(self, status: int, retry_after: float | None, path: str) -> None:
        super().__init__(f"HTTP {status} from {path}")
        self.status, self.retry_after, self.path = status, retry_after, path


class Pacer:
    """At most ``per_minute`` requests in any rolling minute (0 = unpaced)."""

    def __init__(
        self,
        per_minute: float = 0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class HttpClient:
    """A thin httpx wrapper; ``auth_headers`` is called per request so tokens can refresh."""

    def __init__(
        self,
        base_url: str,
        *,
        auth_headers: Callable[[], Mapping[str, str]] = dict,
        per_minute: float = 0,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            timeout=timeout,
            verify=True,
            follow_redirects=False,
        )
        self._auth_headers = auth_headers
        self._raw_sleep = sleep
        self.pacer = Pacer(per_minute, sleep=self._sleep)
        self.max_attempts, self.backoff_base, self.backoff_max = (
            max_attempts,
            backoff_base,
            backoff_max,
        )
        self.requests = 0
        self.retries = 0
        # where a sync's time goes: waiting on the vendor vs deliberate pacing and backoff.
        # Connectors may send requests from several threads, so request_seconds counts the
        # wall time during which at least one request was in flight, not the sum of them.
        self.request_seconds = 0.0
        self.waited_seconds = 0.0
        self._in_flight = 0
        self._flight_started = 0.0
        self._timing = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def _flight(self, step: int) -> None:
        with self._timing:
            now = time.perf_counter()
            if step > 0 and self._in_flight == 0:
                self._flight_started = now
            self._in_flight += step
            if step < 0 and self._in_flight == 0:
                self.request_seconds += now - self._flight_started

    def _sleep(self, seconds: float) -> None:
        started = time.perf_counter()
        self._raw_sleep(seconds)
        self.waited_seconds += time.perf_counter() - started

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableStatus) and error.retry_after is not None:
            return min(error.retry_after, self.backoff_max)
        return min(self.backoff_max, self.backoff_base * 2 ** (state.attempt_number - 1))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping | None = None,
        json: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One call with retries; raises SourceError naming the path (never the secrets)."""
        retrying = Retrying(
            retry=retry_if_exception(
                lambda e: isinstance(e, RetryableStatus | httpx.TransportError)
            ),
            wait=self._wait,
            stop=stop_after_attempt(self.max_attempts),
            sleep=self._sleep,
            reraise=True,
            before_sleep=self._count_retry,
        )
        route = "/" + path.split("?", 1)[0].lstrip("/")
        try:
            for attempt in retrying:
                with attempt:
                    return self._send(method, path, route, params, json, headers)
        except RetryableStatus as exc:
            raise SourceError(f"{exc} after {self.max_attempts} attempts", exc.status) from None
        except httpx.TransportError as exc:
            raise SourceError(f"cannot reach {route}: {type(exc).__name__}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _count_retry(self, state: RetryCallState) -> None:
        self.retries += 1
        log.info("retrying %s (attempt %d)", state.outcome.exception(), state.attempt_number)

    def _send(self, method, path, route, params, json, headers) -> httpx.Response:
        self.pacer.wait()
        merged = {**self._auth_headers(), **(headers or {})}
        self.requests += 1
        self._flight(+1)
        try:
            response = self._client.request(method, path, params=params, json=json, headers=merged)
        finally:
            self._flight(-1)
        return self.check(response, route)

    def check(self, response: httpx.Response, route: str) -> httpx.Response:
        """Raise for an error answer (retryable or not); vendors with their own 429 rules
        override this."""
        if response.status_code in RETRY_STATUSES:
            raise RetryableStatus(response.status_code, retry_after_seconds(response), route)
        if response.status_code >= 400:
            raise SourceError(
                f"HTTP {response.status_code} from {route}: {safe_message(response)}",
                response.status_code,
            )
        return response

    def get_json(self, path: str, **kwargs) -> object:
        return self.request("GET", path, **kwargs).json()


def safe_message(response: httpx.Response) -> str:
    """The vendor's error message, without echoing anything we sent."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if isinstance(body, dict):
        for key in ("message", "error", "Message", "errors"):
            if key in body:
                return str(body[key])[:200]
    return response.reason_phrase
