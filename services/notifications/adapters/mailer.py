"""SMTP delivery through aiosmtplib (STARTTLS and auth from settings)."""

from __future__ import annotations

import asyncio
import io
from email.charset import QP, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from typing import Any

import aiosmtplib

from services.notifications.config import Settings


class TemporaryFailure(Exception):
    """Try again later: 4xx reply, connection refused, timeout."""


class PermanentFailure(Exception):
    """Do not retry: the server refused the message for good (5xx)."""


def _utf8_qp() -> Charset:
    charset = Charset("utf-8")
    charset.header_encoding = QP
    charset.body_encoding = QP  # readable in the raw message, unlike base64
    return charset


_UTF8 = _utf8_qp()


class _MailPolicy(Compat32):
    """Folds encoded (non-ASCII) headers at 78 columns as RFC 2047 asks, and writes plain ASCII
    ones whole (SMTP allows 998): a folded ``List-Unsubscribe`` URL comes back from parsers with a
    leading space. With ``utf8`` (a message sent with SMTPUTF8, RFC 6532) an address header keeps
    its non-ASCII address as UTF-8, which RFC 2047 cannot encode."""

    utf8 = False

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if isinstance(value, str) and "\n" not in value and "\r" not in value:
            if value.isascii() or (self.utf8 and name.lower() in _ADDRESS_HEADERS):
                return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)  # type: ignore[no-any-return,misc]  # _fold is private, untyped in typeshed

    def fold_binary(self, name: str, value: Any) -> bytes:
        if self.utf8:
            return self._fold(name, value, sanitize=False).encode("utf-8")
        return super().fold_binary(name, value)  # type: ignore[no-any-return]  # Compat32's typed as Any


_ADDRESS_HEADERS = ("to", "from")


_POLICY = _MailPolicy()


def _header(name: str, value: str) -> str | Header:
    # A Header object (not a pre-encoded string) so the generator folds it knowing the name.
    return value if value.isascii() else Header(value, _UTF8, header_name=name)


def _address(name: str, value: str) -> str | Header:
    display, address = parseaddr(value)
    if not address.isascii():  # an SMTPUTF8 address: written as UTF-8 (RFC 6532), never encoded
        return f'"{display}" <{address}>' if display and display.isascii() and '"' not in display else address
    if display.isascii():
        return formataddr((display, address))
    header = Header(display, _UTF8, header_name=name)
    header.append(f"<{address}>", "us-ascii")
    return header


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
) -> Message:
    """multipart/alternative (text, HTML), inside multipart/mixed with the invite when there is one.

    Built with the email package's classic classes: the same MIME a reader gets, at a sixth of the
    CPU of ``EmailMessage``'s header registry (which was a quarter of notifications' CPU in a welcome
    wave; bench/results/profiles).
    """
    # typeshed types MIMEText's charset as a name; the email package takes a Charset object too.
    body = MIMEMultipart("alternative", policy=_POLICY)
    body.attach(MIMEText(text, "plain", _UTF8, policy=_POLICY))  # type: ignore[arg-type]  # a Charset
    body.attach(MIMEText(html, "html", _UTF8, policy=_POLICY))  # type: ignore[arg-type]  # a Charset
    message: Message = body
    if calendar:
        message = MIMEMultipart("mixed", policy=_POLICY)
        message.attach(body)
        invite = MIMEText(calendar, "calendar", _UTF8, policy=_POLICY)  # type: ignore[arg-type]  # a Charset
        invite.set_param("method", calendar_method)
        invite.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(invite)
    # typeshed's Message takes str headers; the email package also takes a Header (encoded names).
    message["From"] = _address("From", sender)  # type: ignore[assignment]  # a Header
    message["To"] = _address("To", to)  # type: ignore[assignment]  # a Header
    message["Subject"] = _header("Subject", subject)  # type: ignore[assignment]  # a Header
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="mentorweb.local")
    for name, value in (headers or {}).items():
        message[name] = _header(name, value)  # type: ignore[assignment]  # a Header
    return message


def flatten(message: Message, *, utf8: bool = False) -> bytes:
    """The message as SMTP carries it (CRLF line ends), folded by our policy (aiosmtplib's own
    flattening would use the stock compat32 one); ``utf8`` for a message sent with SMTPUTF8."""
    out = io.BytesIO()
    policy = _POLICY.clone(linesep="\r\n", utf8=utf8)  # type: ignore[call-arg]  # our policy's own attribute
    BytesGenerator(out, policy=policy).flatten(message)
    return out.getvalue()


class SmtpMailer:
    """Sends over a few kept-open SMTP connections (one per concurrent sender at most): a welcome
    wave of thousands then costs one MAIL/RCPT/DATA exchange per message, not a connect, EHLO and
    QUIT each. A connection is only reused after a clean send; any error closes it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._idle: list[aiosmtplib.SMTP] = []
        self._smtputf8: tuple[bool, float] | None = None

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

    async def offers_smtputf8(self) -> bool:
        """Does the SMTP server offer SMTPUTF8 (EHLO)? Remembered for a minute; an unreachable
        server counts as not offering it (an address that needs it is then refused, not lost)."""
        loop = asyncio.get_running_loop()
        if self._smtputf8 is not None and loop.time() - self._smtputf8[1] < 60:
            return self._smtputf8[0]
        client = aiosmtplib.SMTP(
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            timeout=5,
            start_tls=self.settings.smtp_starttls,
        )
        try:
            await client.connect()
            await client.ehlo()
            offered = client.supports_extension("smtputf8")
            await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            return False
        self._smtputf8 = (offered, loop.time())
        return offered

    async def close(self) -> None:
        while self._idle:
            await _close(self._idle.pop())

    async def send(self, message: Message, *, smtputf8: bool = False) -> None:
        """Send ``message``; ``smtputf8`` for an internationalised recipient (a server that does not
        offer SMTPUTF8 refuses it for good: :class:`PermanentFailure` with the reason)."""
        sender, recipient = parseaddr(str(message["From"]))[1], parseaddr(str(message["To"]))[1]
        raw = flatten(message, utf8=smtputf8)
        options = ["SMTPUTF8"] if smtputf8 else None
        client = self._idle.pop() if self._idle else None
        try:
            if client is not None:
                try:
                    await client.sendmail(sender, [recipient], raw, mail_options=options)
                except aiosmtplib.SMTPServerDisconnected:
                    # The server closed the idle connection (its timeout, a restart): once more, afresh.
                    await _close(client)
                    client = None
            if client is None:
                client = self._client()
                await client.connect()
                await client.sendmail(sender, [recipient], raw, mail_options=options)
        except aiosmtplib.SMTPNotSupported as exc:
            if client is not None and client.is_connected:
                self._idle.append(client)  # nothing was sent on it: still good for the next message
            raise PermanentFailure(
                "the mail server does not offer SMTPUTF8, which an internationalised address needs"
            ) from exc
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
