"""`deskmetrics links` and `deskmetrics staff`: what an MSP admin types to share and to log in."""

from __future__ import annotations

import io
import re

import pytest

from deskmetrics.access import AccessStore, read_link, secret_key
from deskmetrics.cli import main

SECRET = "cli-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def admin(tmp_path, monkeypatch, small_msp, small_config):
    monkeypatch.setenv("DESKMETRICS_SECRET_KEY", SECRET)
    monkeypatch.setenv("DESKMETRICS_ACCESS_DB", f"sqlite:///{tmp_path / 'access.sqlite'}")
    monkeypatch.setenv("DESKMETRICS_USER", "ana")
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert (
        main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]) == 0
    )
    return url


def test_create_list_and_revoke_a_client_link(admin, capsys):
    capsys.readouterr()
    args = ["links", "create", "--client", "C1", "--days", "14", "--note", "Acme owner"]
    assert main([*args, "--base-url", "https://dash.example.com/", "--warehouse", admin]) == 0
    out = capsys.readouterr().out
    url = re.search(r"https://dash\.example\.com/link/(\S+)", out)
    assert url, out
    claims = read_link(secret_key(), url.group(1))
    assert claims.client_id == "C1"
    assert main(["links", "list"]) == 0
    listing = capsys.readouterr().out
    assert claims.link_id in listing and "active" in listing and "Acme owner" in listing
    assert url.group(1) not in listing  # the token is shown once, never stored
    assert main(["links", "revoke", claims.link_id]) == 0
    assert "revoked" in capsys.readouterr().out
    assert AccessStore().is_revoked(claims.link_id)
    assert main(["links", "list", "--client", "C1"]) == 0
    assert "revoked" in capsys.readouterr().out


def test_a_link_for_an_unknown_client_or_without_a_key_is_refused(admin, capsys, monkeypatch):
    assert main(["links", "create", "--client", "NOPE", "--warehouse", admin]) == 2
    assert "no client with id 'NOPE'" in capsys.readouterr().err
    monkeypatch.setenv("DESKMETRICS_SECRET_KEY", "short")
    assert main(["links", "create", "--client", "C1", "--warehouse", admin]) == 1
    assert "DESKMETRICS_SECRET_KEY" in capsys.readouterr().err
    assert main(["links", "revoke", "feedbeef"]) == 1
    assert "no client link with id 'feedbeef'" in capsys.readouterr().err


def test_staff_logins_are_stored_hashed(admin, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["staff", "add", "bob", "--password-stdin"]) == 0
    store = AccessStore()
    assert store.check_password("bob", "a long enough password")
    assert not store.check_password("bob", "wrong")
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("select password_hash from staff_users").scalar()
    assert stored.startswith("$argon2id$") and "long enough" not in stored
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["staff", "add", "eve", "--password-stdin"]) == 1
    assert "at least 12 characters" in capsys.readouterr().err
    assert main(["staff", "list"]) == 0
    assert capsys.readouterr().out.split() == ["bob"]
    assert main(["staff", "remove", "bob"]) == 0
    assert store.staff() == []
