"""Report mails: composed as plain text plus HTML (charts inline by Content-ID, since mail
clients run no JavaScript) with the PDF attached, and delivered over SMTP with verified TLS.
Every value from the data is escaped; the SMTP password never reaches a log or an error."""

from __future__ import annotations

import base64
import html
import logging
import re
import smtplib
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from deskmetrics.errors import DeskmetricsError
from deskmetrics.reports.settings import (
    AUDIENCE_TITLES,
    LOGO_TYPES,
    Branding,
    SmtpSettings,
)

log = logging.getLogger(__name__)

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_URL_CREDENTIALS = re.compile(r"(\w+://[^/\s:@]+):[^/\s@]+@")
_KEY_VALUE_SECRET = re.compile(
    r"\b(password|passwd|pwd|secret|token|api[_-]?key)\b(\s*[=:]\s*)\S+", re.I
)
_MAX_ERROR_CHARS = 2000


class MailError(DeskmetricsError):
    """A report mail could not be composed or delivered; the message says where and why."""


@dataclass(frozen=True)
class Headline:
    """One row of the headline table, already formatted for reading."""

    label: str
    value: str
    change: str = ""


@dataclass(frozen=True)
class ReportMail:
    """What one report mail carries; rows may be Headline or (label, value[, change])."""

    audience: str
    organization: str
    period_start: date
    period_end: date
    headlines: Sequence[Headline | tuple[str, ...]]
    charts: Sequence[Path | str]
    report_url: str
    pdf: Path | str
    branding: Branding | None = None

    def __post_init__(self) -> None:
        if self.audience not in AUDIENCE_TITLES:
            raise MailError(
                f"unknown audience {self.audience!r}; use one of {list(AUDIENCE_TITLES)}"
            )
        if self.period_end < self.period_start:
            raise MailError(
                f"period ends ({self.period_end}) before it starts ({self.period_start})"
            )
        if not self.report_url.startswith("https://"):
            # an href is not made safe by escaping: only https links go out
            raise MailError("report_url must be an https:// URL")
        rows = tuple(
            h if isinstance(h, Headline) else Headline(*map(str, h)) for h in self.headlines
        )
        object.__setattr__(self, "headlines", rows)
        object.__setattr__(self, "charts", tuple(Path(c) for c in self.charts))
        object.__setattr__(self, "pdf", Path(self.pdf))

    @property
    def title(self) -> str:
        return f"{AUDIENCE_TITLES[self.audience]} report"

    @property
    def period(self) -> str:
        return f"{self.period_start:%Y-%m-%d} to {self.period_end:%Y-%m-%d}"

    @property
    def subject(self) -> str:
        return f"{_one_line(self.organization)} — {self.title}, {self.period}"


def compose_report(report: ReportMail, *, from_address: str, to: Sequence[str]) -> EmailMessage:
    """The report as multipart/alternative (text, HTML with inline charts) plus the PDF."""
    pdf = _read(report.pdf, b"%PDF-", "PDF")
    charts = [(path, _read(path, b"\x89PNG\r\n\x1a\n", "PNG image")) for path in report.charts]
    message = _envelope(report.subject, report.organization, from_address, to)
    domain = from_address.rpartition("@")[2]
    cids = [make_msgid(f"chart{i}", domain=domain)[1:-1] for i in range(len(charts))]
    branding = report.branding or Branding()
    logo_path = branding.logo_path
    logo_cid = make_msgid("logo", domain=domain)[1:-1]
    logo_src = f"cid:{logo_cid}" if logo_path else branding.logo

    message.set_content(_text(report))
    body = _html(report, branding, zip(report.charts, cids, strict=True), logo_src)
    message.add_alternative(body, subtype="html")
    html_part = message.get_payload()[1]
    for (path, data), cid in zip(charts, cids, strict=True):
        html_part.add_related(data, "image", "png", cid=f"<{cid}>", filename=path.name)
    if logo_path:
        subtype = LOGO_TYPES[logo_path.suffix.lower()]
        html_part.add_related(logo_path.read_bytes(), "image", subtype, cid=f"<{logo_cid}>")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=_pdf_name(report))
    return message


def compose_failure_notice(
    *,
    organization: str,
    audience: str,
    error: BaseException | str,
    from_address: str,
    to: Sequence[str],
    period_start: date | None = None,
    period_end: date | None = None,
    failed_at: datetime | None = None,
    redact: Sequence[str] = (),
) -> EmailMessage:
    """A plain-text notice to the managers that a scheduled report did not go out."""
    title = f"{AUDIENCE_TITLES.get(audience, audience)} report"
    period = ""
    if period_start and period_end:
        period = f"{period_start:%Y-%m-%d} to {period_end:%Y-%m-%d}"
    when = (failed_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M %Z").strip()
    subject = f"{_one_line(organization)} — {title} failed" + (f", {period}" if period else "")
    message = _envelope(subject, organization, from_address, to)
    covering = f" ({period})" if period else ""
    lines = [
        f"The scheduled {title} for {organization}{covering} failed at {when} and was not sent.",
        "",
        "What broke:",
        *[f"  {line}" for line in _error_lines(error, redact)],
        "",
        "Fix the cause and run the report again; its recipients get nothing until it succeeds.",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


def send(
    message: EmailMessage,
    smtp_settings: SmtpSettings,
    recipients: Sequence[str],
    environ: Mapping[str, str] | None = None,
) -> dict[str, tuple[int, str]]:
    """Deliver ``message``; returns recipients the server refused when others were accepted."""
    smtp = smtp_settings
    if not recipients:
        raise MailError("no recipients: add addresses under audiences in parameters/reports.yaml")
    password = smtp.password(environ)  # a missing variable stops us before any connection
    if password and _carries(message, password):
        raise MailError("not sent: the message text contains the SMTP password")
    where = f"SMTP server {smtp.host}:{smtp.port}"
    try:
        context = ssl.create_default_context(cafile=_path(smtp.ca_file)) if smtp.starttls else None
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
            if context is not None:
                client.starttls(context=context)
            if smtp.user and password:
                client.login(smtp.user, password)
            refused = client.send_message(
                message, from_addr=smtp.from_address, to_addrs=list(recipients)
            )
    except (smtplib.SMTPException, OSError) as exc:
        problem = _scrub(f"{where}: {_explain(exc, smtp)}", password)
    else:
        log.info("sent %r to %d recipient(s) via %s", message["Subject"], len(recipients), where)
        if refused:
            log.warning("%s refused %s", where, ", ".join(sorted(refused)))
        return {addr: (code, _reply(text)) for addr, (code, text) in refused.items()}
    raise MailError(problem)  # outside the handler: no chained exception to leak through


# Python's header folding drops the quotes around a display name it has to fold, so a long
# organization name holding <, > or , would read as other addresses. Header lines may be up to
# 998 characters (RFC 5322 2.1.1); within that, nothing is folded and the name stays whole.
HEADERS_UNFOLDED = policy.default.clone(max_line_length=998)
DISPLAY_NAME_LIMIT = 200


def _envelope(
    subject: str, organization: str, from_address: str, to: Sequence[str]
) -> EmailMessage:
    if not to:
        raise MailError("no recipients: add addresses under audiences in parameters/reports.yaml")
    message = EmailMessage(policy=HEADERS_UNFOLDED)
    message["Subject"] = subject
    sender = _one_line(organization)[:DISPLAY_NAME_LIMIT]
    message["From"] = Address(display_name=sender, addr_spec=from_address)
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2])
    return message


def _text(report: ReportMail) -> str:
    label_width = max((len(h.label) for h in report.headlines), default=0)
    value_width = max((len(h.value) for h in report.headlines), default=0)
    rows = [
        f"  {h.label.ljust(label_width)}  {h.value.rjust(value_width)}"
        + (f"  ({h.change})" if h.change else "")
        for h in report.headlines
    ]
    return "\n".join(
        [
            f"{report.organization}: {report.title}",
            report.period,
            "",
            *rows,
            "",
            f"Interactive report: {report.report_url}",
            "The charts are in the HTML version of this mail; the full report is attached as PDF.",
            "",
        ]
    )


def _html(
    report: ReportMail, branding: Branding, charts: Iterable[tuple[Path, str]], logo_src: str | None
) -> str:
    e = html.escape  # quote=True: safe inside attribute values as well as text
    primary = _safe_colour(branding.primary_colour, "#1f3a5f")
    accent = _safe_colour(branding.accent_colour, "#e07a1f")
    cell = "padding:6px 12px;border-bottom:1px solid #ddd;"
    rows = "".join(
        f'<tr><td style="{cell}">{e(h.label)}</td>'
        f'<td style="{cell}text-align:right;font-weight:bold">{e(h.value)}</td>'
        f'<td style="{cell}text-align:right;color:#555">{e(h.change)}</td></tr>'
        for h in report.headlines
    )
    images = "".join(
        f'<p><img src="cid:{e(cid)}" alt="{e(_alt(path))}" width="600" '
        'style="max-width:100%;height:auto;border:0"></p>'
        for path, cid in charts
    )
    logo = f'<img src="{e(logo_src)}" alt="" height="40" style="border:0">' if logo_src else ""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{e(report.subject)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#222;max-width:680px;margin:0 auto">
{logo}
<h1 style="color:{primary};font-size:22px">{e(report.organization)}: {e(report.title)}</h1>
<p style="color:#555">{e(report.period)}</p>
<table style="border-collapse:collapse;width:100%">
<tr style="background:{primary};color:#fff"><th style="{cell}text-align:left">Measure</th>
<th style="{cell}text-align:right">Value</th><th style="{cell}text-align:right">Change</th></tr>
{rows}
</table>
{images}
<p><a href="{e(report.report_url)}" style="background:{accent};color:#fff;padding:10px 16px;
text-decoration:none;display:inline-block">Open the interactive report</a></p>
<p style="color:#555;font-size:12px">The full report is attached as PDF.</p>
</body></html>
"""


def _read(path: Path, magic: bytes, kind: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MailError(f"cannot read {kind} {path}: {exc.strerror}") from None
    if not data.startswith(magic):
        raise MailError(f"{path} is not a {kind}")
    return data


def _pdf_name(report: ReportMail) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", f"{report.organization} {report.title}".lower()).strip("-")
    return f"{slug}-{report.period_start:%Y-%m-%d}-to-{report.period_end:%Y-%m-%d}.pdf"


def _alt(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ").capitalize()


def _path(value: Path | None) -> str | None:
    return str(value) if value else None


def _one_line(text: str) -> str:
    return " ".join(text.split())  # a newline in a header would start a new header


def _safe_colour(value: str, fallback: str) -> str:
    return value if _COLOUR.match(value) else fallback


def _error_lines(error: BaseException | str, redact: Sequence[str]) -> list[str]:
    lines, seen = [], 0
    current: BaseException | str | None = error
    while current is not None and seen < 5:
        text = current if isinstance(current, str) else f"{type(current).__name__}: {current}"
        lines.append(("caused by " if seen else "") + _redact(text, redact))
        seen += 1
        current = None if isinstance(current, str) else current.__cause__
    return lines


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _URL_CREDENTIALS.sub(r"\1:[redacted]@", text)
    text = _KEY_VALUE_SECRET.sub(r"\1\2[redacted]", text)
    return text[:_MAX_ERROR_CHARS]


def _carries(message: EmailMessage, secret: str) -> bool:
    headers = "".join(str(v) for v in message.values())
    bodies = (p.get_content() for p in message.walk() if p.get_content_maintype() == "text")
    return secret in headers or any(secret in body for body in bodies)


def _scrub(text: str, password: str | None) -> str:
    if not password:
        return text
    for form in (password, base64.b64encode(password.encode()).decode()):
        text = text.replace(form, "[redacted]")
    return text


def _reply(text: bytes | str) -> str:
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return " ".join(raw.split())


def _explain(exc: BaseException, smtp: SmtpSettings) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (
            f"login as {smtp.user!r} refused: {exc.smtp_code} {_reply(exc.smtp_error)}; check "
            f"smtp.user and the password in {smtp.password_env}"
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        each = "; ".join(f"{a}: {c} {_reply(t)}" for a, (c, t) in exc.recipients.items())
        return f"every recipient was refused ({each})"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"sender {exc.sender} refused: {exc.smtp_code} {_reply(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"refused: {exc.smtp_code} {_reply(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPException):
        return str(exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS certificate not trusted ({exc.verify_message}); if a private CA signed it, "
            "set smtp.ca_file to that CA's PEM bundle"
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, TimeoutError):
        return f"no answer within {smtp.timeout:g} s"
    return f"cannot connect: {exc.strerror or exc}"
