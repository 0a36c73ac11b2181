"""A real SMTP server (aiosmtpd) on a free loopback port that keeps what it receives."""

from __future__ import annotations

import email
from contextlib import contextmanager
from email import policy

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler that keeps what arrives and can refuse chosen recipients."""

    def __init__(self) -> None:
        self.received: list[dict] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 <nobody@acme.example>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "raw": envelope.original_content,
                "authenticated": session.authenticated,
                "tls": session.ssl is not None,
            }
        )
        return "250 2.0.0 queued"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(m["raw"], policy=policy.default) for m in self.received]


class LoopbackController(Controller):
    """Binds port 0 and reads back the port the system chose, so parallel runs never clash."""

    def __init__(self, handler, **kwargs) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0, **kwargs)

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_server(**smtp_parameters):
    """Yields (inbox, port)."""
    inbox = Inbox()
    controller = LoopbackController(inbox, **smtp_parameters)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()
