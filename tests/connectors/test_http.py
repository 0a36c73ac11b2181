"""The shared HTTP client against a real local server: retries, Retry-After, pacing, errors."""

from __future__ import annotations

import logging

import pytest

from deskmetrics.connectors.http import HttpClient, Pacer, SourceError
from fakes.server import FakeServer, Response

SECRET = "s3cr3t-token-6d1f"


@pytest.fixture
def server():
    fake = FakeServer()
    fake.add_route("GET", r"/items", lambda request: [{"id": 1}, {"id": 2}])
    fake.add_route("GET", r"/broken", lambda request: Response(404, {"message": "no such thing"}))
    with fake:
        yield fake


def _client(server, **kwargs):
    slept: list[float] = []
    client = HttpClient(
        server.url,
        auth_headers=lambda: {"Authorization": f"Bearer {SECRET}"},
        sleep=slept.append,
        **kwargs,
    )
    return client, slept


def test_retries_429_honouring_retry_after_then_succeeds(server):
    server.fail(429, times=2, retry_after=7)
    client, slept = _client(server)
    assert client.get_json("items") == [{"id": 1}, {"id": 2}]
    assert slept == [7.0, 7.0]
    assert [r.status for r in server.requests("/items")] == [429, 429, 200]
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in server.log)


def test_transient_500_backs_off_exponentially(server):
    server.fail(500, times=2)
    client, slept = _client(server, backoff_base=0.5)
    assert client.get_json("items")
    assert slept == [0.5, 1.0]
    assert client.retries == 2


def test_gives_up_with_an_error_that_names_the_path_not_the_secret(server, caplog):
    server.fail(503, times=None)
    client, _ = _client(server, max_attempts=3)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceError, match="HTTP 503 from /items after 3 attempts") as err:
        client.get_json("items", params={"token": SECRET})
    assert SECRET not in str(err.value) and SECRET not in caplog.text


def test_client_errors_are_not_retried_and_carry_the_vendor_message(server):
    client, slept = _client(server)
    with pytest.raises(SourceError, match="HTTP 404 from /broken: no such thing") as err:
        client.get_json("broken")
    assert err.value.status == 404
    assert slept == [] and len(server.requests("/broken")) == 1


def test_unreachable_host_is_a_clear_error():
    client = HttpClient("http://127.0.0.1:9", sleep=lambda s: None, max_attempts=2)
    with pytest.raises(SourceError, match="cannot reach /items: ConnectError"):
        client.get_json("items")


def test_pacer_spaces_requests_under_the_limit():
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    pacer = Pacer(per_minute=120, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        pacer.wait()
    assert waits == [0.5, 0.5]  # 120 a minute: one every half second
    unpaced = Pacer(0, sleep=sleep)
    unpaced.wait()
    assert waits == [0.5, 0.5]


def test_the_client_tells_waiting_on_the_server_from_deliberate_waits(server):
    import threading
    import time

    def slow(request):
        time.sleep(0.2)
        return [{"id": 1}]

    server.add_route("GET", r"/slow", slow)
    server.fail(429, times=1, retry_after=3)
    client = HttpClient(server.url, sleep=lambda seconds: time.sleep(seconds / 100))
    client.get_json("slow")  # a 429, a 0.03 s backoff, then 0.2 s at the server
    assert 0.03 <= client.waited_seconds < 0.2
    assert 0.2 <= client.request_seconds < 1.0
    before = client.request_seconds
    threads = [threading.Thread(target=client.get_json, args=("slow",)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # three overlapping requests: counted as the wall time they were in flight, not 3 x 0.2 s
    assert 0.2 <= client.request_seconds - before < 0.55
