"""SMTP delivery through aiosmtplib (STARTTLS and auth from settings)."""

from __future__ import annotations

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
    def __init__(self, settings: Settings):
        self.settings = settings

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

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.settings.smtp_host,
                port=self.settings.smtp_port,
                username=self.settings.smtp_username,
                password=self.settings.smtp_password,
                start_tls=self.settings.smtp_starttls,
                timeout=self.settings.mail_send_timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            # The server's reply (e.g. "550 5.1.1 no such user"), never the address itself.
            replies = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            error = f"recipient refused: {replies}"
            if all(500 <= c < 600 for c in codes):
                raise PermanentFailure(error) from exc
            raise TemporaryFailure(error) from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentFailure(f"{exc.code} {exc.message}") from exc
            raise TemporaryFailure(f"{exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TemporaryFailure(f"{exc.__class__.__name__}: {exc}") from exc
