"""`deskmetrics serve --behind-proxy`: the failed-login lockout counts each client's address as
the reverse proxy forwards it, and without the flag a forwarded address is not believed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from serving_app import STAFF_TOKEN, app_environment, start_app, stop_app

CONFIG = Path(__file__).parents[1] / "fixtures" / "dashboard_small" / "config.yml"
GUESSER = {"X-Forwarded-For": "203.0.113.5"}
STAFF_MEMBER = {"X-Forwarded-For": "198.51.100.7"}


@pytest.fixture
def app(tmp_path, request):
    env = app_environment(f"duckdb:///{tmp_path / 'w.duckdb'}", CONFIG, tmp_path / "access.sqlite")
    proc, log, base = start_app(env, tmp_path / "app.log", behind_proxy=request.param)
    with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as http:
        yield http
    stop_app(proc, log)


def _lock_out(http: httpx.Client) -> None:
    codes = [
        http.get("/login", params={"token": f"guess-{n}"}, headers=GUESSER).status_code
        for n in range(6)
    ]
    assert codes[0] == 403 and codes[-1] == 429


@pytest.mark.parametrize("app", [True], indirect=True)
def test_behind_a_proxy_one_guessers_lockout_leaves_the_staff_in(app):
    _lock_out(app)
    staff = app.get("/login", params={"token": STAFF_TOKEN}, headers=STAFF_MEMBER)
    assert staff.status_code == 302 and "deskmetrics" in staff.headers.get("set-cookie", "")
    # the guesser stays out, the right token or not
    assert app.get("/login", params={"token": STAFF_TOKEN}, headers=GUESSER).status_code == 429


@pytest.mark.parametrize("app", [False], indirect=True)
def test_without_the_flag_a_forwarded_address_is_not_believed(app):
    _lock_out(app)
    # a client reaching the app directly cannot dodge the lockout by naming another address
    staff = app.get("/login", params={"token": STAFF_TOKEN}, headers=STAFF_MEMBER)
    assert staff.status_code == 429
