"""SMTP delivery through aiosmtplib (STARTTLS and auth from settings)."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from services.notifications.config import Settings


class TemporaryFailure(Exception):
    """Try again later: 4xx reply, connection refused, timeout."""


class PermanentFailure(Exception):
    """Do not retry: the server refused the message for good (5xx)."""


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    calendar: str | None = None,
    calendar_method: str = "REQUEST",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mentorweb.local")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if calendar:
        message.add_attachment(
            calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": calendar_method},
        )
    return message


class SmtpMailer:
    """Sends over a few kept-open SMTP connections (one per concurrent sender at most): a welcome
    wave of thousands then costs one MAIL/RCPT/DATA exchange per message, not a connect, EHLO and
    QUIT each. A connection is only reused after a clean send; any error closes it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._idle: list[aiosmtplib.SMTP] = []

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            username=self.settings.smtp_username,
            password=self.settings.smtp_password,
            start_tls=self.settings.smtp_starttls,
            timeout=self.settings.mail_send_timeout,
        )

    async def probe(self) -> bool:
        """Is the SMTP server answering? (connect, EHLO, QUIT — sends nothing)."""
        client = aiosmtplib.SMTP(
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            timeout=5,
            start_tls=self.settings.smtp_starttls,
        )
        try:
            await client.connect()
            await client.quit()
            return True
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            return False

    async def close(self) -> None:
        while self._idle:
            await _close(self._idle.pop())

    async def send(self, message: EmailMessage) -> None:
        client = self._idle.pop() if self._idle else None
        try:
            if client is not None:
                try:
                    await client.send_message(message)
                except aiosmtplib.SMTPServerDisconnected:
                    # The server closed the idle connection (its timeout, a restart): once more, afresh.
                    await _close(client)
                    client = None
            if client is None:
                client = self._client()
                await client.connect()
                await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            await _close(client)
            codes = [r.code for r in exc.recipients]
            # The server's reply (e.g. "550 5.1.1 no such user"), never the address itself.
            replies = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            error = f"recipient refused: {replies}"
            if all(500 <= c < 600 for c in codes):
                raise PermanentFailure(error) from exc
            raise TemporaryFailure(error) from exc
        except aiosmtplib.SMTPResponseException as exc:
            await _close(client)
            if 500 <= exc.code < 600:
                raise PermanentFailure(f"{exc.code} {exc.message}") from exc
            raise TemporaryFailure(f"{exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await _close(client)
            raise TemporaryFailure(f"{exc.__class__.__name__}: {exc}") from exc
        except BaseException:
            await _close(client)
            raise
        if len(self._idle) < self.settings.mail_concurrency:
            self._idle.append(client)
        else:
            await _close(client)


async def _close(client: aiosmtplib.SMTP | None) -> None:
    if client is None or not client.is_connected:
        return
    try:
        await asyncio.wait_for(client.quit(), timeout=2)
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        client.close()
