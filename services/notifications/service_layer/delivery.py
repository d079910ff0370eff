"""The mail dispatcher: sends pending notifications, records the outcome, retries with backoff.

It runs beside the consumer, never inside it: SMTP being down never blocks the bus. A row is
marked sent only after the SMTP server accepted the message, so a crash between the two can at
worst send the messages in flight (at most ``mail_concurrency``) twice; rows are claimed with SKIP
LOCKED so replicas share the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from services.notifications.adapters.calendar import calendar_method
from services.notifications.adapters.mailer import (
    PermanentFailure,
    SmtpMailer,
    TemporaryFailure,
    build_message,
)
from services.notifications.adapters.repository import MAIL_CHANNEL, SessionFactory, repositories
from services.notifications.adapters.tables import Notification
from services.notifications.config import Settings
from services.notifications.domain.addresses import UndeliverableAddress, smtp_address
from services.notifications.service_layer.preferences import preferences_url
from shared.bus.errors import describe_error
from shared.db import UnitOfWork
from shared.wakeup import PgWakeup

log = logging.getLogger(__name__)

# Transactions claiming mail at once; each claims its share of ``mail_concurrency`` messages.
MAIL_SENDERS = 2


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base … capped at five minutes."""
    return timedelta(seconds=min(settings.mail_retry_base_seconds * 2 ** max(attempts - 1, 0), 300))


class MailDispatcher:
    def __init__(self, settings: Settings, session_factory: SessionFactory, mailer: SmtpMailer):
        self.settings = settings
        self.session_factory = session_factory
        self.mailer = mailer
        self.wakeup = PgWakeup(settings.database_url, MAIL_CHANNEL)
        self._task: asyncio.Task[None] | None = None
        self.sent = 0
        self.smtp_down_since: float | None = None
        self._last_probe = 0.0

    async def start(self) -> None:
        self.wakeup.start()
        self._task = asyncio.create_task(self._run(), name="mail-dispatcher")

    async def stop(self) -> None:
        await self.wakeup.stop()
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=15)
        await self.mailer.close()

    async def _run(self) -> None:
        while not self.wakeup.stopping:
            try:
                await self._probe_if_down()
                handled = await self.dispatch_due()
                if handled >= self.settings.mail_batch_size:
                    continue
            except Exception as exc:  # database down: try again shortly, never die
                log.warning("mail dispatcher: %s", exc.__class__.__name__)
                await asyncio.sleep(1)
                continue
            await self.wakeup.wait(self.settings.mail_poll_interval)

    async def _probe_if_down(self) -> None:
        """While SMTP is down, probe it every few seconds; when it answers again, make every waiting
        message due now instead of letting each sit out its backoff."""
        loop = asyncio.get_running_loop()
        if self.smtp_down_since is None or loop.time() - self._last_probe < self.settings.mail_probe_interval:
            return
        self._last_probe = loop.time()
        if await self.mailer.probe():
            async with self._unit_of_work() as uow:
                await repositories(uow).mail.retry_now()
                await uow.commit()
            log.info(
                "SMTP answers again after %.0f s: pending mail rescheduled",
                loop.time() - self.smtp_down_since,
            )
            self.smtp_down_since = None

    async def dispatch_due(self, now: datetime | None = None) -> int:
        """Send due notifications until none is left (or a batch is done); returns how many were attempted.

        ``MAIL_SENDERS`` senders each claim up to ``mail_concurrency / MAIL_SENDERS`` due messages in
        one transaction, send them at once, record every outcome and commit: ``mail_concurrency``
        messages in flight, so a crash can resend at most those, never a whole batch. (Claiming a
        few per transaction rather than one: a claim, an update and a commit per message were most
        of the dispatcher's round trips.)
        """
        attempted = 0
        claim = max(self.settings.mail_concurrency // MAIL_SENDERS, 1)

        async def sender() -> None:
            nonlocal attempted
            while attempted < self.settings.mail_batch_size:
                sent = await self.send_some(claim, now)
                if not sent:
                    return
                attempted += sent

        await asyncio.gather(*(sender() for _ in range(min(MAIL_SENDERS, self.settings.mail_concurrency))))
        return attempted

    async def send_some(self, limit: int, now: datetime | None = None) -> int:
        """Claim up to ``limit`` due notifications (SKIP LOCKED), send them concurrently, record each
        outcome in the same transaction; returns how many were attempted."""
        async with self._unit_of_work() as uow:
            rows = await repositories(uow).mail.claim_due(limit, now)
            outcomes = await asyncio.gather(*(self._attempt(row) for row in rows), return_exceptions=True)
            for row, outcome in zip(rows, outcomes, strict=True):
                if isinstance(outcome, Exception):  # not an SMTP answer: keep it, try again later
                    row.last_error = describe_error(outcome)
                    row.next_attempt_at = datetime.now(UTC) + retry_delay(self.settings, row.attempts)
                    if row.attempts >= self.settings.mail_max_attempts:
                        row.state = "failed"
                    log.warning("notification %s: %s", row.id, row.last_error)
            await uow.commit()
        return len(rows)

    def _unit_of_work(self) -> UnitOfWork:
        # The worker serves every board: it acts in the system scope (row-level security).
        return UnitOfWork(self.session_factory, scope="system")

    def _headers(self, row: Notification) -> dict[str, str]:
        headers = {"X-Mentorweb-Notification": str(row.id), "X-Mentorweb-Template": row.template}
        if row.recipient_id is not None:
            # RFC 2369: mail clients show an unsubscribe button (the signed, login-free link); RFC 8058:
            # they unsubscribe with one POST to it, never by following it (a GET changes nothing).
            url = preferences_url(
                self.settings.public_base_url, self.settings.link_signing_key, row.recipient_id
            )
            headers["List-Unsubscribe"] = f"<{url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return headers

    async def _attempt(self, row: Notification) -> None:
        row.attempts += 1
        try:
            to, smtputf8 = smtp_address(row.recipient_email)
            message = build_message(
                sender=self.settings.smtp_from,
                to=to,
                subject=row.subject,
                text=row.body_text,
                html=row.body_html,
                calendar=row.calendar,
                calendar_method=calendar_method(row.calendar) if row.calendar else "REQUEST",
                headers=self._headers(row),
            )
            await self.mailer.send(message, smtputf8=smtputf8)
        except (UndeliverableAddress, UnicodeError) as exc:
            # The same on every attempt: fail now, with the reason (never the address itself).
            row.state = "failed"
            row.last_error = f"address cannot be written for SMTP: {exc.__class__.__name__}"[:500]
            log.warning("notification %s failed: undeliverable address", row.id)
            return
        except PermanentFailure as exc:
            row.state = "failed"
            row.last_error = str(exc)[:500]
            log.warning("notification %s failed permanently", row.id)
            return
        except TemporaryFailure as exc:
            row.last_error = str(exc)[:500]
            if self.smtp_down_since is None:
                self.smtp_down_since = asyncio.get_running_loop().time()
            if row.attempts >= self.settings.mail_max_attempts:
                row.state = "failed"
            else:
                row.next_attempt_at = datetime.now(UTC) + retry_delay(self.settings, row.attempts)
            return
        row.state = "sent"
        row.sent_at = datetime.now(UTC)
        row.last_error = None
        self.sent += 1
