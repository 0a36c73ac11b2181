"""parameters/reports.yaml is checked in full before a report runs; every error names the
setting, and a password pasted where a variable name belongs is never echoed."""

from __future__ import annotations

import copy
import traceback
from pathlib import Path

import pytest
import yaml

from deskmetrics.errors import ConfigError
from deskmetrics.reports import settings as report_settings
from deskmetrics.reports.settings import REPORTS_FILE, load_report_settings

PASTED = "Zq8#pasted-Secret!value"


def _base() -> dict:
    return {
        "enabled": True,
        "organization": "Acme IT",
        "audiences": {
            "business_owner": {"emails": ["owner@acme.example"]},
            "manager": {"emails": ["ann@acme.example", "raj@acme.example"]},
        },
        "period_days": 7,
        "smtp": {
            "host": "smtp.acme.example",
            "port": 587,
            "user": "reports@acme.example",
            "password_env": "ACME_SMTP_PASSWORD",
            "from_address": "reports@acme.example",
        },
        "base_url": "https://reports.acme.example/deskmetrics/",
        "branding": {"primary_colour": "#1F3A5F", "accent_colour": "#e07a1f"},
    }


def _write(tmp_path: Path, edit=None) -> Path:
    data = copy.deepcopy(_base())
    if edit:
        edit(data)
    path = tmp_path / "reports.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _error(path: Path, overrides: dict | None = None) -> str:
    with pytest.raises(ConfigError) as err:
        load_report_settings(path, overrides)
    return str(err.value)


def test_shipped_file_loads_and_names_a_variable_not_a_password():
    settings = load_report_settings()
    assert REPORTS_FILE.name == "reports.yaml"
    assert settings.enabled is False and settings.period_days in (7, 14, 30)
    assert settings.smtp.starttls is True
    assert settings.smtp.password_env == "DESKMETRICS_SMTP_PASSWORD"
    assert "password:" not in REPORTS_FILE.read_text()


def test_a_valid_file_is_normalised(tmp_path):
    settings = load_report_settings(_write(tmp_path))
    assert settings.recipients("manager") == ["ann@acme.example", "raj@acme.example"]
    assert settings.base_url == "https://reports.acme.example/deskmetrics"
    assert settings.branding.primary_colour == "#1f3a5f"
    assert settings.smtp.port == 587 and settings.smtp.timeout == 30
    with pytest.raises(ConfigError, match="unknown audience 'owners'"):
        settings.recipients("owners")


def test_bad_address_names_its_position(tmp_path):
    def edit(data):
        data["audiences"]["manager"]["emails"] += ["kim@acme.example", "bob@"]

    message = _error(_write(tmp_path, edit))
    assert message.startswith(
        f"{tmp_path / 'reports.yaml'}: audiences.manager.emails[3]: "
        "'bob@' is not a valid email address"
    )


def test_at_most_fifty_addresses_per_audience(tmp_path):
    def addresses(count):
        def edit(data):
            data["audiences"]["business_owner"]["emails"] = [
                f"owner{i}@acme.example" for i in range(count)
            ]

        return edit

    assert (
        len(load_report_settings(_write(tmp_path, addresses(50))).recipients("business_owner"))
        == 50
    )
    message = _error(_write(tmp_path, addresses(51)))
    assert "audiences.business_owner.emails: 51 addresses; at most 50 per audience" in message


def test_duplicate_addresses_are_refused_whatever_their_case(tmp_path):
    def edit(data):
        data["audiences"]["manager"]["emails"].append("Ann@ACME.example")

    message = _error(_write(tmp_path, edit))
    assert "audiences.manager.emails: 'Ann@acme.example' is listed twice, at [0] and [2]" in message


def test_period_must_be_7_14_or_30(tmp_path):
    message = _error(_write(tmp_path, lambda d: d.update(period_days=10)))
    assert message.endswith("period_days: 10 is not one of 7, 14, 30 (days)")
    for days in (14, 30):
        assert load_report_settings(_write(tmp_path), {"period_days": days}).period_days == days


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d.update(colour="blue"), "colour: unknown key; expected one of enabled,"),
        (
            lambda d: d["smtp"].update(verify=False),
            "smtp.verify: unknown key; expected one of host, port, starttls,",
        ),
        (
            lambda d: d["audiences"].update(owners={"emails": []}),
            "audiences.owners: unknown key; expected one of business_owner, manager",
        ),
        (
            lambda d: d["branding"].update(primary_colour="navy"),
            "branding.primary_colour: 'navy' is not a colour written #rrggbb",
        ),
        (
            lambda d: d["branding"].update(accent_colour="#12345"),
            "branding.accent_colour: '#12345' is not a colour written #rrggbb",
        ),
        (lambda d: d["smtp"].update(port=70000), "smtp.port: Input should be less than or equal"),
        (lambda d: d["smtp"].update(host="smtp.acme.example:587"), "smtp.host: must be a bare"),
        (lambda d: d["smtp"].update(from_address="reports"), "smtp.from_address: 'reports' is"),
        (lambda d: d.update(base_url="http://reports.acme.example"), "base_url: must be an https"),
        (
            lambda d: d.update(base_url="https://u:p@reports.acme.example"),
            "base_url: must not carry a user name or password",
        ),
        (lambda d: d.pop("organization"), "organization: missing; this setting is required"),
        (lambda d: d.update(organization="Acme\nBcc: x@y.z"), "organization: must be a one-line"),
        (
            lambda d: d["smtp"].update(starttls=False),
            "smtp: logging in without starttls would send the password unencrypted",
        ),
        (
            lambda d: d["smtp"].pop("password_env"),
            "smtp: user is set, so password_env must name",
        ),
        (
            lambda d: d["audiences"].update(business_owner={"emails": []}, manager={"emails": []}),
            "(top level): enabled is true but no audience has an email address",
        ),
        (lambda d: d["smtp"].update(ca_file="no/such/ca.pem"), "smtp.ca_file: "),
        (
            lambda d: d["branding"].update(logo="javascript:alert(1)"),
            "branding.logo: must be an https",
        ),
    ],
)
def test_each_bad_setting_is_named(tmp_path, edit, expected):
    assert expected in _error(_write(tmp_path, edit))


def test_all_problems_are_reported_at_once(tmp_path):
    def edit(data):
        data["period_days"] = 10
        data["branding"]["primary_colour"] = "red"

    lines = _error(_write(tmp_path, edit)).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["period_days", "branding.primary_colour"]


@pytest.mark.parametrize("pasted", [PASTED, "hunter2hunter2", "abcd efgh ijkl mnop"])
def test_secret_pasted_into_password_env_is_refused_unechoed(tmp_path, pasted):
    with pytest.raises(ConfigError) as err:
        load_report_settings(_write(tmp_path, lambda d: d["smtp"].update(password_env=pasted)))
    assert "smtp.password_env: must be the NAME of the environment variable" in str(err.value)
    everything = "".join(traceback.format_exception(err.value)) + repr(err.value)
    assert pasted not in everything
    assert err.value.__context__ is None and err.value.__cause__ is None


def test_a_password_key_is_refused_with_the_way_to_set_it(tmp_path):
    message = _error(_write(tmp_path, lambda d: d["smtp"].update(password=PASTED)))
    assert "smtp.password: unknown key: the password never goes in this file" in message
    assert PASTED not in message


def test_broken_yaml_is_reported_without_its_text(tmp_path):
    path = tmp_path / "reports.yaml"
    path.write_text(f"smtp:\n  password_env: [{PASTED}\n")
    message = _error(path)
    assert "not valid YAML at line" in message and PASTED not in message


def test_overrides_win_and_are_named_when_wrong(tmp_path):
    path = _write(tmp_path)
    settings = load_report_settings(path, {"smtp.port": 2525, "smtp": {"timeout": 5}})
    assert (settings.smtp.port, settings.smtp.timeout, settings.smtp.host) == (
        2525,
        5,
        "smtp.acme.example",
    )
    message = _error(path, {"audiences": {"manager": {"emails": ["ann@acme.example", "x@"]}}})
    assert message.startswith("overrides: audiences.manager.emails[1]: 'x@' is not a valid")


def test_private_ca_bundle_is_resolved_and_must_be_pem(tmp_path):
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate")
    message = _error(_write(tmp_path, lambda d: d["smtp"].update(ca_file=str(not_pem))))
    assert f"smtp.ca_file: {not_pem} is not a PEM bundle of CA certificates" in message


def test_loopback_relay_may_skip_starttls_and_login(tmp_path):
    def edit(data):
        data["smtp"] = {
            "host": "127.0.0.1",
            "port": 25,
            "starttls": False,
            "from_address": "reports@acme.example",
        }

    smtp = load_report_settings(_write(tmp_path, edit)).smtp
    assert smtp.user is None and smtp.password(environ={}) is None


def test_password_is_read_from_the_environment_or_dotenv(tmp_path, monkeypatch):
    smtp = load_report_settings(_write(tmp_path)).smtp
    with pytest.raises(ConfigError, match="set the environment variable ACME_SMTP_PASSWORD"):
        smtp.password(environ={})
    assert smtp.password(environ={"ACME_SMTP_PASSWORD": "from-env"}) == "from-env"

    dotenv = tmp_path / ".env"
    dotenv.write_text("ACME_SMTP_PASSWORD=from-dotenv\n")
    monkeypatch.setattr(report_settings, "DOTENV_FILE", dotenv)
    monkeypatch.delenv("ACME_SMTP_PASSWORD", raising=False)
    assert smtp.password() == "from-dotenv"
    monkeypatch.setenv("ACME_SMTP_PASSWORD", "from-environment")
    assert smtp.password() == "from-environment"  # the environment wins over .env
