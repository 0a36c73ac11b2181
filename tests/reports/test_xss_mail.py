"""Report mails whose organization and headline rows carry markup and line breaks, delivered to a
real SMTP server on loopback: the HTML part shows them as text, the plain part holds them as
written, and a line break never starts a new header (no Bcc slipped in, no extra recipient)."""

from __future__ import annotations

import dataclasses
import email
import os
from datetime import date
from email import policy

import pytest
import xss_payloads as x

from deskmetrics.reports.mail import (
    Headline,
    ReportMail,
    compose_failure_notice,
    compose_report,
    send,
)
from deskmetrics.reports.settings import SmtpSettings
from fakes.smtp import smtp_server

SENDER = "reports@acme.example"
TO = ["owner@acme.example"]
INJECTED = "Bcc: thief@evil.example"
ORGANIZATION = f"Acme {x.SVG}\r\n{INJECTED}\r\n\r\n{x.SCRIPT}"
INSIGHT = f"{x.CLIENT_C2} opened 12 tickets\r\nX-Injected: 1"


def _report(tmp_path) -> ReportMail:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + os.urandom(64) + b"\n%%EOF\n")
    return ReportMail(
        audience="business_owner",
        organization=ORGANIZATION,
        period_start=date(2024, 12, 2),
        period_end=date(2024, 12, 8),
        headlines=[
            Headline(INSIGHT, x.IMG, x.LINK),
            (x.TECH_K1, "3", x.COMMENT_S3),
        ],
        charts=[],
        report_url="https://reports.acme.example/dm/report.html",
        pdf=pdf,
    )


def _deliver(message) -> tuple[email.message.EmailMessage, list[str]]:
    with smtp_server() as (inbox, port):
        smtp = SmtpSettings(host="127.0.0.1", port=port, starttls=False, from_address=SENDER)
        assert send(message, smtp, TO, environ={}) == {}
    [received] = inbox.received
    return email.message_from_bytes(received["raw"], policy=policy.default), received["to"]


def _no_injected_headers(received: email.message.EmailMessage, rcpt: list[str]) -> None:
    assert rcpt == TO
    assert "Bcc" not in received and "X-Injected" not in received
    for name, value in received.items():
        assert "\n" not in str(value) and "\r" not in str(value), name
    headers = received.as_bytes().split(b"\n\n", 1)[0]
    assert b"\nBcc:" not in headers and b"\nX-Injected:" not in headers


def test_hostile_report_mail_is_inert_literal_and_keeps_its_headers(tmp_path):
    received, rcpt = _deliver(compose_report(_report(tmp_path), from_address=SENDER, to=TO))
    _no_injected_headers(received, rcpt)
    assert received["Subject"] == (
        f"Acme {x.SVG} {INJECTED} {x.SCRIPT} — Business Owner report, 2024-12-02 to 2024-12-08"
    )
    assert [a.addr_spec for a in received["From"].addresses] != []  # see the xfail below

    body = received.get_body(("html",)).get_content()
    assert x.injected_elements(body) == []
    shown = x.page_text(body)
    for text in (x.SVG, x.SCRIPT, x.CLIENT_C2, x.IMG, x.LINK, x.TECH_K1, x.COMMENT_S3):
        assert text in shown, text

    plain = received.get_body(("plain",)).get_content()
    for text in (x.SVG, x.SCRIPT, x.IMG, x.LINK, x.TECH_K1, x.COMMENT_S3, x.CLIENT_C2):
        assert text in plain, text
    assert "&lt;" not in plain and "&quot;" not in plain  # the plain part is not HTML


def test_a_long_organization_with_specials_stays_the_from_display_name(tmp_path):
    message = compose_report(_report(tmp_path), from_address=SENDER, to=TO)
    received = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    [sender] = received["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        f"Acme {x.SVG} {INJECTED} {x.SCRIPT}",
        SENDER,
    )


def test_an_organization_name_past_any_real_length_is_cut_and_the_address_kept(tmp_path):
    long_name = "Acme, <Managed> Services " * 40  # 1,000 characters
    report = dataclasses.replace(_report(tmp_path), organization=long_name)
    message = compose_report(report, from_address=SENDER, to=TO)
    received = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    [sender] = received["From"].addresses
    assert sender.addr_spec == SENDER
    assert sender.display_name == long_name[:200]
    assert all(len(line) <= 998 for line in message.as_bytes().splitlines())


def test_hostile_failure_notice_keeps_its_headers(tmp_path):
    notice = compose_failure_notice(
        organization=ORGANIZATION,
        audience="manager",
        error=RuntimeError(f"client {x.CLIENT_C2} broke\r\n{INJECTED}"),
        from_address=SENDER,
        to=TO,
    )
    received, rcpt = _deliver(notice)
    _no_injected_headers(received, rcpt)
    assert received.get_content_type() == "text/plain"
    assert x.CLIENT_C2 in received.get_content()
