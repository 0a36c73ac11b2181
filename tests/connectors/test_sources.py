"""sources.yaml names environment variables, never secrets; errors say what to set."""

from __future__ import annotations

import pytest

from deskmetrics.connectors.sources import load_sources
from deskmetrics.errors import ConfigError


def test_shipped_sources_file_loads():
    sources = load_sources()
    cw = sources["connectwise"]
    assert cw.type == "connectwise" and cw.base_url.startswith("https://")
    assert set(cw.secrets.values()) == {
        "CW_COMPANY_ID",
        "CW_PUBLIC_KEY",
        "CW_PRIVATE_KEY",
        "CW_CLIENT_ID",
    }


def _write(tmp_path, body: str):
    path = tmp_path / "sources.yaml"
    path.write_text(body)
    return path


def test_secret_comes_from_the_environment_only(tmp_path, monkeypatch):
    path = _write(
        tmp_path,
        "sources:\n  cw:\n    type: connectwise\n"
        "    base_url: https://cw.example/apis/3.0\n"
        "    secrets: {private_key: CW_PRIVATE_KEY}\n",
    )
    source = load_sources(path)["cw"]
    monkeypatch.delenv("CW_PRIVATE_KEY", raising=False)
    with pytest.raises(ConfigError, match="set the environment variable CW_PRIVATE_KEY"):
        source.secret("private_key", environ={})
    assert source.secret("private_key", environ={"CW_PRIVATE_KEY": "s3cr3t"}) == "s3cr3t"
    with pytest.raises(ConfigError, match="secrets.public_key is not configured"):
        source.secret("public_key", environ={})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "sources:\n  cw:\n    type: x\n    base_url: https://a\n"
            "    secrets: {key: 'hunter2 is my password'}\n",
            "should be an environment variable",
        ),
        ("sources:\n  cw:\n    type: x\n    base_url: http://psa.example\n", "https://"),
        (
            "sources:\n  cw:\n    type: x\n    base_url: https://a\n    colour: red\n",
            "colour: unknown key",
        ),
        ("source:\n  cw: {}\n", "unknown key(s) ['source']"),
    ],
)
def test_bad_entries_name_the_problem(tmp_path, body, message):
    with pytest.raises(ConfigError) as err:
        load_sources(_write(tmp_path, body))
    assert message in str(err.value)
    assert "hunter2" not in str(err.value)
