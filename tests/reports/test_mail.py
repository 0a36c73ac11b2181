"""Report mails through a real SMTP server on loopback: plain relay, STARTTLS with a private CA
and login, refusals, and the password kept out of messages, logs and errors."""

from __future__ import annotations

import base64
import email
import logging
import os
import shutil
import ssl
import struct
import subprocess
import traceback
import zlib
from contextlib import contextmanager
from datetime import UTC, date, datetime
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from deskmetrics.errors import ConfigError, DeskmetricsError
from deskmetrics.reports import settings as report_settings
from deskmetrics.reports.mail import (
    Headline,
    MailError,
    ReportMail,
    compose_failure_notice,
    compose_report,
    send,
)
from deskmetrics.reports.settings import Branding, SmtpSettings
from fakes.smtp import smtp_server

PASSWORD = "Pw-recognisable-7Qz!x"  # searched for everywhere it must not be
USER = "reports@acme.example"
SENDER = "reports@acme.example"
VARIABLE = "DESKMETRICS_TEST_SMTP_PASSWORD"
OWNERS = ["owner@acme.example", "finance@acme.example"]
MANAGERS = ["manager@acme.example"]


# --- a real SMTP server on a free loopback port -----------------------------------------------


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # False: the server answers 535 itself


@contextmanager
def tls_server(certs: dict[str, Path]):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs["server_cert"], certs["server_key"])
    with smtp_server(
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticate,
    ) as running:
        yield running


# --- certificates made for the test -----------------------------------------------------------

CA_CONFIG = """[req]
distinguished_name = dn
x509_extensions = v3_ca
prompt = no
[dn]
CN = {name}
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""
LEAF_EXTENSIONS = """subjectAltName = IP:127.0.0.1
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _ca(directory: Path, name: str) -> None:
    (directory / f"{name}.cnf").write_text(CA_CONFIG.format(name=name))
    _openssl(
        *("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
        *("-nodes", "-days", "2", "-config", f"{name}.cnf"),
        *("-keyout", f"{name}.key", "-out", f"{name}.pem"),
        cwd=directory,
    )


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, Path]:
    """A private CA, a server certificate for 127.0.0.1 it signed, and an unrelated CA."""
    if shutil.which("openssl") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the openssl command is required in CI")
        pytest.skip("the openssl command is not installed")
    directory = tmp_path_factory.mktemp("certs")
    _ca(directory, "private-ca")
    _ca(directory, "other-ca")
    (directory / "leaf.ext").write_text(LEAF_EXTENSIONS)
    _openssl(
        *("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
        *("-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"),
        cwd=directory,
    )
    _openssl(
        *("x509", "-req", "-in", "server.csr", "-CA", "private-ca.pem"),
        *("-CAkey", "private-ca.key", "-CAcreateserial", "-days", "2"),
        *("-extfile", "leaf.ext", "-out", "server.pem"),
        cwd=directory,
    )
    return {
        "ca": directory / "private-ca.pem",
        "other_ca": directory / "other-ca.pem",
        "server_cert": directory / "server.pem",
        "server_key": directory / "server.key",
    }


# --- report content ---------------------------------------------------------------------------


def _png(path: Path, rgb: tuple[int, int, int]) -> Path:
    """A real 4x3 RGB PNG in one colour."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(tag + data))
        return struct.pack(">I", len(data)) + tag + data + crc

    width, height = 4, 3
    pixels = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )
    return path


@pytest.fixture
def report(tmp_path) -> ReportMail:
    pdf = tmp_path / "business_owner.pdf"
    # binary bytes after the header prove the attachment survives transfer encoding
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + os.urandom(4096) + b"\n%%EOF\n")
    return ReportMail(
        audience="business_owner",
        organization="Acme IT",
        period_start=date(2026, 11, 16),
        period_end=date(2026, 11, 22),
        headlines=[
            Headline("Tickets closed", "412", "+8.1% vs previous week"),
            ("SLA met", "93.4%", "-1.2 pts"),
            ("CSAT", "96%"),
        ],
        charts=[
            _png(tmp_path / "tickets_by_week.png", (31, 58, 95)),
            _png(tmp_path / "sla_attainment.png", (224, 122, 31)),
        ],
        report_url="https://reports.acme.example/deskmetrics/business_owner/2026-11-22.html",
        pdf=pdf,
        branding=Branding(primary_colour="#112233", accent_colour="#AA5500"),
    )


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def _plain_smtp(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, starttls=False, from_address=SENDER)


def _tls_smtp(port: int, ca_file: Path | None, host: str = "127.0.0.1") -> SmtpSettings:
    return SmtpSettings(
        host=host,
        port=port,
        user=USER,
        password_env=VARIABLE,
        from_address=SENDER,
        ca_file=ca_file,
        timeout=10,
    )


def _nowhere_holds_password(text: str) -> None:
    encoded = base64.b64encode(PASSWORD.encode()).decode()
    assert PASSWORD not in text and encoded not in text


def _everything_about(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + repr(exc.args)


# --- tests ------------------------------------------------------------------------------------


def test_report_arrives_with_numbers_link_inline_charts_and_pdf(report):
    message = compose_report(report, from_address=SENDER, to=OWNERS)
    with smtp_server() as (inbox, port):
        refused = send(message, _plain_smtp(port), OWNERS, environ={})
    assert refused == {}
    [mail] = inbox.received
    assert mail["from"] == SENDER and mail["to"] == OWNERS
    received = _parse(mail["raw"])
    assert received["Subject"] == "Acme IT — Business Owner report, 2026-11-16 to 2026-11-22"
    assert received["To"].addresses[1].addr_spec == "finance@acme.example"
    assert received["From"].addresses[0].display_name == "Acme IT"

    assert received.get_content_type() == "multipart/mixed"
    alternative = received.get_payload()[0]
    assert alternative.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",)).get_content()
    html_body = received.get_body(("html",)).get_content()
    for headline in report.headlines:
        for part in (headline.label, headline.value, headline.change):
            assert part in text and part in html_body
    assert report.report_url in text
    assert f'href="{report.report_url}"' in html_body
    assert "#112233" in html_body and "#aa5500" in html_body

    related = {
        part["Content-ID"].strip("<>"): part.get_content()
        for part in received.walk()
        if part.get_content_type() == "image/png"
    }
    assert len(related) == len(report.charts)
    for cid, _data in related.items():
        assert f'src="cid:{cid}"' in html_body
    assert sorted(related.values()) == sorted(chart.read_bytes() for chart in report.charts)

    [pdf] = [part for part in received.iter_attachments()]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "acme-it-business-owner-report-2026-11-16-to-2026-11-22.pdf"
    assert pdf.get_content() == report.pdf.read_bytes()


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]

    def handle_data(self, data):
        self.text += data


def test_data_with_markup_renders_inert(report, tmp_path):
    hostile = ReportMail(
        audience="manager",
        organization='Acme <img src=x onerror="alert(1)">',
        period_start=report.period_start,
        period_end=report.period_end,
        headlines=[("<script>alert('label')</script>", '"><svg onload=alert(2)>', "&lt;")],
        charts=[_png(tmp_path / "<b onclick=x>chart.png", (0, 0, 0))],
        report_url=report.report_url + '?a="><script>',
        pdf=report.pdf,
    )
    message = compose_report(hostile, from_address=SENDER, to=MANAGERS)
    markup = _Markup()
    markup.feed(message.get_body(("html",)).get_content())
    assert not {"script", "svg", "b"} & set(markup.tags)
    assert markup.tags.count("img") == 1  # the chart only; the organization's img is text
    assert not [name for name in markup.attributes if name.startswith("on")]
    assert "<script>alert('label')</script>" in markup.text
    assert 'Acme <img src=x onerror="alert(1)">' in markup.text


def test_only_https_links_and_real_files_go_out(report, tmp_path):
    with pytest.raises(MailError, match="https"):
        ReportMail(**{**report.__dict__, "report_url": "javascript:alert(1)"})
    not_png = tmp_path / "chart.png"
    not_png.write_text("<svg/>")
    broken = ReportMail(**{**report.__dict__, "charts": [not_png]})
    with pytest.raises(MailError, match="is not a PNG image"):
        compose_report(broken, from_address=SENDER, to=OWNERS)


def test_starttls_login_with_private_ca(report, certs, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    monkeypatch.delenv(VARIABLE, raising=False)
    message = compose_report(report, from_address=SENDER, to=OWNERS)
    with tls_server(certs) as (inbox, port):
        send(message, _tls_smtp(port, certs["ca"]), OWNERS, environ={VARIABLE: PASSWORD})
    [mail] = inbox.received
    assert mail["tls"] and mail["authenticated"] and mail["to"] == OWNERS
    _nowhere_holds_password(mail["raw"].decode("ascii", "replace"))
    _nowhere_holds_password("\n".join(r.getMessage() for r in caplog.records))
    assert any(
        "sent" in r.getMessage() and r.name.startswith("deskmetrics") for r in caplog.records
    )


def test_password_can_come_from_the_dotenv_file(report, certs, tmp_path, monkeypatch):
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"{VARIABLE}={PASSWORD}\n")
    monkeypatch.setattr(report_settings, "DOTENV_FILE", dotenv)
    monkeypatch.delenv(VARIABLE, raising=False)
    with tls_server(certs) as (inbox, port):
        send(
            compose_report(report, from_address=SENDER, to=OWNERS),
            _tls_smtp(port, certs["ca"]),
            OWNERS,
        )
    assert inbox.received[0]["authenticated"]


@pytest.mark.parametrize("trusted", ["other_ca", None])
def test_certificate_verification_stays_on(report, certs, trusted, caplog):
    caplog.set_level(logging.DEBUG)
    message = compose_report(report, from_address=SENDER, to=OWNERS)
    ca_file = certs[trusted] if trusted else None
    with tls_server(certs) as (inbox, port), pytest.raises(MailError) as err:
        send(message, _tls_smtp(port, ca_file), OWNERS, environ={VARIABLE: PASSWORD})
    assert inbox.received == []
    assert f"127.0.0.1:{port}" in str(err.value)
    assert "certificate not trusted" in str(err.value) and "smtp.ca_file" in str(err.value)
    _nowhere_holds_password(_everything_about(err.value) + caplog.text)


def test_certificate_must_name_the_host(report, certs):
    message = compose_report(report, from_address=SENDER, to=OWNERS)
    with tls_server(certs) as (inbox, port):
        smtp = _tls_smtp(port, certs["ca"], host="localhost")  # the certificate names 127.0.0.1
        with pytest.raises(MailError, match="not trusted.*localhost"):
            send(message, smtp, OWNERS, environ={VARIABLE: PASSWORD})
    assert inbox.received == []


def test_wrong_password_is_a_clear_error_without_the_password(report, certs, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = PASSWORD[::-1]
    message = compose_report(report, from_address=SENDER, to=OWNERS)
    with tls_server(certs) as (inbox, port), pytest.raises(MailError) as err:
        send(message, _tls_smtp(port, certs["ca"]), OWNERS, environ={VARIABLE: wrong})
    text = str(err.value)
    assert f"127.0.0.1:{port}" in text and "535" in text
    assert f"login as {USER!r} refused" in text and VARIABLE in text
    assert wrong not in _everything_about(err.value) and wrong not in caplog.text
    assert err.value.__context__ is None and err.value.__cause__ is None
    assert inbox.received == []


def test_missing_password_variable_is_named_before_connecting(report, certs):
    message = compose_report(report, from_address=SENDER, to=OWNERS)
    missing = pytest.raises(ConfigError, match=f"set the environment variable {VARIABLE}")
    with tls_server(certs) as (inbox, port), missing:
        send(message, _tls_smtp(port, certs["ca"]), OWNERS, environ={})
    assert inbox.received == []


def test_a_message_carrying_the_password_is_not_sent(report, certs):
    leaky = ReportMail(**{**report.__dict__, "headlines": [("oops", PASSWORD)]})
    message = compose_report(leaky, from_address=SENDER, to=OWNERS)
    refused = pytest.raises(MailError, match="contains the SMTP password")
    with tls_server(certs) as (inbox, port), refused as err:
        send(message, _tls_smtp(port, certs["ca"]), OWNERS, environ={VARIABLE: PASSWORD})
    assert inbox.received == []
    _nowhere_holds_password(_everything_about(err.value))


def test_refusals_name_the_server_and_its_reply(report):
    message = compose_report(report, from_address=SENDER, to=OWNERS)
    with smtp_server() as (inbox, port):
        with pytest.raises(MailError) as err:
            send(message, _plain_smtp(port), ["nobody@acme.example"], environ={})
        assert f"127.0.0.1:{port}" in str(err.value) and "550 5.1.1" in str(err.value)
        refused = send(message, _plain_smtp(port), [*OWNERS, "nobody@acme.example"], environ={})
    assert refused == {
        "nobody@acme.example": (550, "5.1.1 <nobody@acme.example>: mailbox unavailable")
    }
    assert inbox.received[0]["to"] == OWNERS


def test_unreachable_server_is_named(report):
    with smtp_server() as (_, port):
        pass  # the port is free again once the server stops
    with pytest.raises(MailError, match=f"127.0.0.1:{port}: cannot connect"):
        send(
            compose_report(report, from_address=SENDER, to=OWNERS),
            _plain_smtp(port),
            OWNERS,
            environ={},
        )


def test_failure_notice_reaches_managers_without_secrets():
    try:
        try:
            raise ConnectionError(f"https://svc:{PASSWORD}@psa.acme.example/api refused")
        except ConnectionError as exc:
            raise DeskmetricsError(f"sync failed; token={PASSWORD} rejected") from exc
    except DeskmetricsError as exc:
        error = exc
    notice = compose_failure_notice(
        organization="Acme IT",
        audience="business_owner",
        error=error,
        from_address=SENDER,
        to=MANAGERS,
        period_start=date(2026, 11, 16),
        period_end=date(2026, 11, 22),
        failed_at=datetime(2026, 11, 23, 6, 0, tzinfo=UTC),
    )
    with smtp_server() as (inbox, port):
        send(notice, _plain_smtp(port), MANAGERS, environ={})
    [mail] = inbox.received
    assert mail["to"] == MANAGERS
    received = _parse(mail["raw"])
    assert received["Subject"] == "Acme IT — Business Owner report failed, 2026-11-16 to 2026-11-22"
    body = received.get_content()
    assert "failed at 2026-11-23 06:00 UTC" in body
    assert "DeskmetricsError: sync failed; token=[redacted] rejected" in body
    assert "caused by ConnectionError: https://svc:[redacted]@psa.acme.example/api" in body
    _nowhere_holds_password(mail["raw"].decode())


def test_failure_notice_redacts_values_it_is_given():
    notice = compose_failure_notice(
        organization="Acme IT",
        audience="manager",
        error=RuntimeError(f"kernel died holding {PASSWORD}"),
        from_address=SENDER,
        to=MANAGERS,
        redact=[PASSWORD],
    )
    assert notice["Subject"] == "Acme IT — Manager report failed"
    assert "RuntimeError: kernel died holding [redacted]" in notice.get_content()
    _nowhere_holds_password(notice.as_string())


def test_logo_file_travels_inline_and_url_logo_is_linked(report, tmp_path):
    logo = _png(tmp_path / "logo.png", (255, 255, 255))
    branded = ReportMail(**{**report.__dict__, "branding": Branding(logo=str(logo))})
    message = compose_report(branded, from_address=SENDER, to=OWNERS)
    html_body = message.get_body(("html",)).get_content()
    [inline] = [p for p in message.walk() if p.get_filename() is None and p["Content-ID"]]
    assert inline.get_content() == logo.read_bytes()
    assert f'src="cid:{inline["Content-ID"].strip("<>")}"' in html_body

    hosted = "https://cdn.acme.example/logo.png?v=1&size=2"
    linked = ReportMail(**{**report.__dict__, "branding": Branding(logo=hosted)})
    html_body = compose_report(linked, from_address=SENDER, to=OWNERS).get_body(("html",))
    assert 'src="https://cdn.acme.example/logo.png?v=1&amp;size=2"' in html_body.get_content()
