"""A real SMTP server (aiosmtpd) the tests start on loopback, recording every accepted message."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


@dataclass
class SmtpSink:
    messages: list[EmailMessage] = field(default_factory=list)
    # When set, RCPT TO gets this reply (e.g. "550 5.1.1 mailbox unavailable") for matching addresses.
    reject: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Envelope, address: str, options: Any
    ) -> str:
        for pattern, reply in self.reject.items():
            if pattern in address:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        content = envelope.content  # bytes: the server does not decode the data
        raw = content.encode() if isinstance(content, str) else content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, predicate: Any, timeout: float = 15.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [m for m in self.messages if predicate(m)]
            if found:
                return found
            time.sleep(0.05)
        return []


class SmtpServer:
    def __init__(self, port: int = 0, *, smtputf8: bool = False):
        """``smtputf8``: offer SMTPUTF8 (RFC 6531), so internationalised addresses are accepted."""
        self.sink = SmtpSink()
        self.smtputf8 = smtputf8
        self.controller = self._controller(port or free_port())
        self.running = False

    def _controller(self, port: int) -> Controller:
        return Controller(self.sink, hostname="127.0.0.1", port=port, enable_SMTPUTF8=self.smtputf8)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    def start_again(self) -> SmtpServer:
        """Come back on the same port with the same mailbox (a controller cannot be restarted)."""
        self.controller = self._controller(self.port)
        return self.start()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
