"""The guarded app end to end: a real `deskmetrics serve` (preheated pool of one kernel per tab),
real HTTP and websocket clients, and Chromium for what a person sees.

Covers: every route refuses strangers; staff token and password logins; client links
(tampered, expired, revoked); a client never reaches another page's kernel nor another
client's data; browsers cannot execute code; a preheated page honours its query parameters.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import websocket
from serving_app import SECRET_KEY, STAFF_HEADERS, STAFF_TOKEN, app_environment, start_app, stop_app
from sqlalchemy import select

from deskmetrics.access.store import AccessStore
from deskmetrics.cli import main
from deskmetrics.schema.tables import clients, tickets
from deskmetrics.serving.launch import PAGE_EXTENSIONS
from deskmetrics.serving.routes import SAMPLE_PATHS
from deskmetrics.ui.plotly_assets import BUNDLE_ADDRESS
from deskmetrics.warehouse.engine import Warehouse

CONFIG = Path(__file__).parents[1] / "fixtures" / "dashboard_small" / "config.yml"
LOAD_TIMEOUT = 120_000


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("app")
    url = f"duckdb:///{folder / 'w.duckdb'}"
    assert main(["demo-data", "--tickets", "1500", "--warehouse", url]) == 0
    access_url = f"sqlite:///{folder / 'access.sqlite'}"
    env = app_environment(url, CONFIG, folder / "access.sqlite")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESKMETRICS_SECRET_KEY", SECRET_KEY)
        store = AccessStore(access_url)
        with Warehouse(url).reading() as conn:
            names = dict(conn.execute(select(clients.c.client_id, clients.c.name)).all())
            counts = conn.execute(
                select(tickets.c.client_id).group_by(tickets.c.client_id)
            ).scalars()
            ids = sorted(counts)
        a, b = ids[0], ids[1]
        _, link_a = store.create_link(a, days=7, actor="test")
        _, link_b = store.create_link(b, days=7, actor="test")
        revoked, link_revoked = store.create_link(a, days=7, actor="test")
        store.revoke_link(revoked.link_id, actor="test")
        past = datetime.now(UTC) - timedelta(days=3)
        _, link_expired = store.create_link(a, days=1, actor="test", now=past)
        store.add_staff("ana", "correct horse battery", actor="test")
    proc, log, base = start_app(env, folder / "app.log", pool_size=1)
    yield {
        "base": base,
        "store": store,
        "names": names,
        "a": a,
        "b": b,
        "link_a": link_a,
        "link_b": link_b,
        "link_revoked": link_revoked,
        "link_expired": link_expired,
        "log": folder / "app.log",
    }
    stop_app(proc, log)


def _client(app, **kwargs) -> httpx.Client:
    return httpx.Client(base_url=app["base"], follow_redirects=False, timeout=120, **kwargs)


def _kernel_id(html: str) -> str:
    found = re.search(r'"kernelId": "([0-9a-f-]{36})"', html)
    assert found, "no kernel id in the page"
    return found.group(1)


def _ws_url(app, kernel_id: str) -> str:
    return app["base"].replace("http", "ws") + f"/api/kernels/{kernel_id}/channels?session_id=t"


def _refused(response: httpx.Response) -> bool:
    if response.status_code == 302:
        return response.headers["location"].startswith("/login")
    return response.status_code in (401, 403)


@contextmanager
def _link_session(app, token: str) -> Iterator[httpx.Client]:
    with _client(app) as client:
        entry = client.get(f"/link/{token}")
        assert entry.status_code == 302, entry.text
        yield client


# -- strangers --------------------------------------------------------------------------------
def test_every_route_refuses_requests_without_credentials(app):
    with _client(app) as stranger:
        for path in SAMPLE_PATHS:
            for method in ("GET", "POST", "DELETE"):
                response = stranger.request(method, path)
                assert _refused(response), (method, path, response.status_code)
                assert "kernelId" not in response.text and "dm-" not in response.text
        # a real kernel's websocket and API, by id, are refused too
        with _client(app, headers=STAFF_HEADERS) as staff:
            kernel = _kernel_id(staff.get("/voila/render/help_desk.ipynb").text)
        for path in (f"/api/kernels/{kernel}", f"/voila/api/shutdown/{kernel}"):
            assert _refused(stranger.get(path)) and _refused(stranger.post(path))
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(_ws_url(app, kernel), timeout=10)
    assert refused.value.status_code == 401


def test_kernels_read_their_page_address_only_with_the_kernel_key(app):
    kernel = str(uuid.uuid4())
    base = app["base"].replace("http", "ws")
    for path in (f"/voila/query/{kernel}", f"/voila/query/not-the-key/{kernel}"):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(base + path, timeout=10)
        assert refused.value.status_code in (401, 403)


# -- staff ------------------------------------------------------------------------------------
def test_staff_token_login_sets_a_cookie_that_opens_every_tab(app):
    with _client(app) as browser:
        wrong = browser.get("/login", params={"token": "nope", "next": "/voila/tree"})
        assert wrong.status_code == 403 and "not valid" in wrong.text
        right = browser.get("/voila/tree", params={"token": STAFF_TOKEN})
        assert right.status_code == 302 and right.headers["location"].startswith("/login?token")
        login = browser.get(right.headers["location"])
        assert login.status_code == 302 and login.headers["location"] == "/voila/tree"
        assert browser.get("/voila/tree").status_code == 200
        page = browser.get("/voila/render/business.ipynb")
        assert page.status_code == 200 and "kernelId" in page.text
        assert browser.get("/logout").status_code == 200
        assert _refused(browser.get("/voila/tree"))


def test_staff_password_login_against_a_stored_hash(app):
    stored = (
        app["store"]
        .engine.connect()
        .exec_driver_sql("select password_hash from staff_users where username = 'ana'")
    )
    assert stored.scalar().startswith("$argon2")  # never the password itself
    with _client(app) as browser:
        form = browser.get("/login", params={"next": "/voila/render/dashboard.ipynb"})
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text).group(1)
        fields = {"_xsrf": xsrf, "username": "ana"}
        no_xsrf = browser.post("/login", data={"username": "ana", "password": "x"})
        assert no_xsrf.status_code == 403
        bad = browser.post("/login", data={**fields, "password": "wrong password!"})
        assert bad.status_code == 403 and "Wrong user name or password" in bad.text
        good = browser.post(
            "/login?next=%2Fvoila%2Frender%2Fdashboard.ipynb",
            data={**fields, "password": "correct horse battery"},
        )
        assert good.status_code == 302
        assert good.headers["location"] == "/voila/render/dashboard.ipynb"
        assert browser.get("/voila/tree").status_code == 200


# -- client links -----------------------------------------------------------------------------
def test_a_client_link_opens_its_client_tabs_and_nothing_else(app):
    with _link_session(app, app["link_a"]) as client:
        home = client.get("/")
        assert home.status_code == 302 and f"link={app['link_a']}" in home.headers["location"]
        page = client.get("/voila/render/customer_experience.ipynb", params={"link": app["link_a"]})
        assert page.status_code == 200 and "kernelId" in page.text
        # no link in the address: sent back with its own link, never served unscoped
        bare = client.get("/voila/render/help_desk.ipynb", params={"client": app["b"]})
        assert bare.status_code == 302 and f"link={app['link_a']}" in bare.headers["location"]
        for path in (
            "/voila/render/business.ipynb",
            "/voila/render/reports/manager.ipynb",
            "/voila/tree",
            "/voila/api/contents/",
            "/voila/files/dashboard.ipynb",
            "/api/kernels",
        ):
            assert client.get(path).status_code == 403, path
        business = client.get("/voila/render/business.ipynb", params={"link": app["link_a"]})
        assert business.status_code == 403


@pytest.mark.parametrize(
    ("which", "reason"),
    [("tampered", "not valid"), ("link_expired", "expired"), ("link_revoked", "revoked")],
)
def test_tampered_expired_and_revoked_links_are_refused(app, which, reason):
    token = app["link_a"][:-4] + "AAAA" if which == "tampered" else app[which]
    with _client(app) as client:
        entry = client.get(f"/link/{token}")
        assert entry.status_code == 403 and reason in entry.text
        page = client.get("/voila/render/dashboard.ipynb", params={"link": token})
        assert page.status_code == 403 and reason in page.text
        assert "kernelId" not in page.text


def test_revoking_a_link_ends_its_session(app):
    store = app["store"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESKMETRICS_SECRET_KEY", SECRET_KEY)
        link, token = store.create_link(app["a"], days=1, actor="test")
    with _link_session(app, token) as client:
        assert client.get("/voila/static/voila.js").status_code != 403
        store.revoke_link(link.link_id, actor="test")
        time.sleep(2.5)  # revocations are cached for two seconds
        assert client.get("/voila/static/voila.js").status_code == 401
        assert (
            client.get("/voila/render/dashboard.ipynb", params={"link": token}).status_code == 403
        )


def test_a_client_cannot_reach_a_kernel_started_for_someone_else(app):
    with _client(app, headers=STAFF_HEADERS) as staff:
        staff_kernel = _kernel_id(staff.get("/voila/render/dashboard.ipynb").text)
    with _link_session(app, app["link_a"]) as client:
        own = _kernel_id(
            client.get("/voila/render/dashboard.ipynb", params={"link": app["link_a"]}).text
        )
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        for path in (f"/api/kernels/{staff_kernel}", f"/voila/api/shutdown/{staff_kernel}"):
            assert client.get(path).status_code == 403
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(_ws_url(app, staff_kernel), cookie=cookie, timeout=10)
        assert refused.value.status_code == 403
        mine = websocket.create_connection(_ws_url(app, own), cookie=cookie, timeout=10)
        mine.close()


def test_browsers_cannot_execute_code_in_a_kernel(app, tmp_path):
    marker = tmp_path / "executed"
    with _client(app, headers=STAFF_HEADERS) as staff:
        kernel = _kernel_id(staff.get("/voila/render/help_desk.ipynb").text)
    ws = websocket.create_connection(
        _ws_url(app, kernel), header=[f"Authorization: token {STAFF_TOKEN}"], timeout=10
    )
    for msg_type, content in (
        ("execute_request", {"code": f"open({str(marker)!r}, 'w').write('x')", "silent": False}),
        ("inspect_request", {"code": "import os", "cursor_pos": 3}),
        ("complete_request", {"code": "import o", "cursor_pos": 8}),
    ):
        ws.send(json.dumps(_message(msg_type, content)))
    replies = []
    ws.settimeout(1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            replies.append(json.loads(ws.recv())["header"]["msg_type"])
        except websocket.WebSocketTimeoutException:
            continue
    ws.close()
    assert not marker.exists()
    assert not {"execute_reply", "inspect_reply", "complete_reply", "execute_input"} & set(replies)


def _widget_states(app, kernel_id: str, **auth) -> str:
    """Everything the browser can ask a kernel for: every widget's state, over its websocket."""
    ws = websocket.create_connection(_ws_url(app, kernel_id), timeout=30, **auth)
    comm = uuid.uuid4().hex
    opened = _message("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control"})
    opened["metadata"] = {"version": "1.0.0"}
    ws.send(json.dumps(opened))
    ws.send(
        json.dumps(_message("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}))
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        frame = ws.recv()
        if isinstance(frame, bytes):  # a message with binary buffers: JSON first
            count = int.from_bytes(frame[:4], "big")
            offsets = [int.from_bytes(frame[4 + 4 * i : 8 + 4 * i], "big") for i in range(count)]
            frame = frame[offsets[0] : offsets[1] if count > 1 else None]
        message = json.loads(frame)
        data = message.get("content", {}).get("data", {})
        if message["header"]["msg_type"] == "comm_msg" and data.get("method") == "update_states":
            ws.close()
            return json.dumps(data["states"])
    raise AssertionError("the kernel sent no widget states")


def _message(msg_type: str, content: dict) -> dict:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "",
            "session": "t",
            "date": datetime.now(UTC).isoformat(),
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {"store_history": False, "user_expressions": {}, "allow_stdin": False} | content,
        "channel": "shell",
        "buffers": [],
    }


def test_an_encoded_parameter_name_cannot_widen_a_client_page(app):
    """`%6Cink` is `link` to the server but not to a naive reader of the raw address."""
    others = [name for cid, name in app["names"].items() if cid != app["a"]]
    with _link_session(app, app["link_a"]) as client:
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        for tab in ("health", "customer_experience"):
            page = client.get(f"/voila/render/{tab}.ipynb?%6Cink={app['link_a']}&client={app['b']}")
            assert page.status_code == 200
            states = _widget_states(app, _kernel_id(page.text), cookie=cookie)
            assert app["names"][app["a"]] in states
            assert [name for name in others if name in states] == [], tab
            assert "dm-health-editors" not in states


def test_removing_a_staff_login_ends_its_sessions(app):
    store = app["store"]
    store.add_staff("temp-user", "a temporary password", actor="test")
    with _client(app) as browser:
        form = browser.get("/login")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text).group(1)
        fields = {"_xsrf": xsrf, "username": "temp-user", "password": "a temporary password"}
        assert browser.post("/login", data=fields).status_code == 302
        assert browser.get("/voila/tree").status_code == 200
        store.remove_staff("temp-user")
        time.sleep(2.5)  # known logins are cached for two seconds
        assert _refused(browser.get("/voila/tree"))


# -- in the browser ---------------------------------------------------------------------------
def test_pages_start_the_charts_module_on_load_and_load_only_the_widget_extensions(app, browser):
    with _client(app, headers=STAFF_HEADERS) as staff:
        html = staff.get("/voila/render/help_desk.ipynb").text
    head = html.split("</head>")[0]
    # started on the load event, which Voilà starts on: a module script would hold it up
    assert f'addEventListener("load", () => import("{BUNDLE_ADDRESS}"))' in head
    assert f'src="{BUNDLE_ADDRESS}"' not in head
    config = re.search(
        r'id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S
    )
    extensions = json.loads(config.group(1))["federated_extensions"]
    assert sorted(e["name"] for e in extensions) == sorted(PAGE_EXTENSIONS)

    page = browser.new_page(extra_http_headers=STAFF_HEADERS)
    page.goto(f"{app['base']}/voila/render/help_desk.ipynb", timeout=LOAD_TIMEOUT)
    page.wait_for_selector(".js-plotly-plot", timeout=LOAD_TIMEOUT)
    loaded = page.evaluate("performance.getEntriesByType('resource').map(r => r.name)")
    page.close()
    # the head's module is the one every chart imports: fetched once, plotly.js not twice
    assert [u for u in loaded if "plotly" in u] == [app["base"] + BUNDLE_ADDRESS]


def test_closing_a_page_shuts_its_kernel_down(app, browser):
    context = browser.new_context(extra_http_headers=STAFF_HEADERS)
    page = context.new_page()
    page.goto(f"{app['base']}/voila/render/customer_experience.ipynb", timeout=LOAD_TIMEOUT)
    page.wait_for_selector(".js-plotly-plot", timeout=LOAD_TIMEOUT)
    kernel = _kernel_id(page.content())
    with _client(app, headers=STAFF_HEADERS) as staff:
        assert staff.get(f"/api/kernels/{kernel}").status_code == 200, "not a running kernel"
        page.close(run_before_unload=True)  # as a browser closing the tab: Voilà's beacon
        deadline = time.monotonic() + 20
        while staff.get(f"/api/kernels/{kernel}").status_code == 200:
            assert time.monotonic() < deadline, "the closed page's kernel is still running"
            time.sleep(0.5)
        assert staff.get(f"/api/kernels/{kernel}").status_code == 404
    context.close()


def test_a_preheated_page_honours_its_query_parameters(app, browser):
    page = browser.new_page(extra_http_headers=STAFF_HEADERS)
    started = time.perf_counter()
    page.goto(
        f"{app['base']}/voila/render/service_quality.ipynb?date_from=2026-01-05"
        f"&date_to=2026-02-03&client={app['b']}",
        timeout=LOAD_TIMEOUT,
    )
    page.wait_for_selector(".dm-filter-client select", timeout=LOAD_TIMEOUT)
    elapsed = time.perf_counter() - started
    assert page.locator(".dm-filter-client select").input_value() == app["names"][app["b"]]
    assert page.locator(".dm-filter-from input").input_value() == "2026-01-05"
    assert page.locator(".dm-filter-to input").input_value() == "2026-02-03"
    assert "Using pre-heated kernel" in app["log"].read_text()
    # staff see how fresh the data is and may refresh it
    assert "Data as of" in page.inner_text(".dm-freshness")
    assert page.locator(".dm-refresh-button").is_visible()
    print(f"preheated service_quality with parameters: first paint {elapsed:.1f} s")
    page.close()


def test_a_client_link_page_shows_its_client_only(app, browser):
    names = app["names"]
    others = [name for cid, name in names.items() if cid != app["a"]]
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(f"{app['base']}/link/{app['link_a']}", timeout=LOAD_TIMEOUT)
    page.wait_for_selector(".dm-kpis", timeout=LOAD_TIMEOUT)
    client = page.locator(".dm-filter-client select")
    assert client.is_disabled() and client.input_value() == names[app["a"]]
    options = page.locator(".dm-filter-client option").all_inner_texts()
    assert [o.replace("\xa0", " ") for o in options] == [names[app["a"]]]
    assert "Business" not in page.inner_text(".dm-nav")
    assert "Data as of" in page.inner_text(".dm-freshness")  # clients read it, but
    assert page.locator(".dm-refresh-button").count() == 0  # only staff may refresh
    # asking for another client in the address changes nothing
    page.goto(
        f"{app['base']}/voila/render/customer_experience.ipynb?client={app['b']}"
        f"&link={app['link_a']}",
        timeout=LOAD_TIMEOUT,
    )
    page.wait_for_selector(".dm-download", timeout=LOAD_TIMEOUT)
    text = page.inner_text("body").replace("\xa0", " ")
    assert names[app["a"]] in text  # the check below would see nothing if names were mangled
    assert [name for name in others if name in text] == []
    # a download is asked of the kernel on a click: the one by client holds this client only
    with page.expect_download() as info:
        page.locator(".dm-panel-csat_by_client a.dm-download").click()
    saved = Path(info.value.path()).read_text(encoding="utf-8")
    assert saved.startswith("client") and not [name for name in others if name in saved]
    context.close()


# -- last: these lock the test machine's address out of logins for 15 minutes ------------------
def test_failed_logins_lock_the_address_out_even_for_the_right_password(app):
    with _client(app) as guesser:
        codes = [
            guesser.get("/login", params={"token": f"guess-{n}"}).status_code for n in range(6)
        ]
        assert 403 in codes and codes[-1] == 429  # token guesses count
        form = guesser.get("/login")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text).group(1)
        right = {"_xsrf": xsrf, "username": "ana", "password": "correct horse battery"}
        locked = guesser.post("/login", data=right)
        assert locked.status_code == 429 and "wait 15 minutes" in locked.text
        assert guesser.get("/login", params={"token": STAFF_TOKEN}).status_code == 429
