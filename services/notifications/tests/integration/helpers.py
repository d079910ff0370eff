"""Driving notifications in tests: events in (through the broker or the consumer), mail out (a real
SMTP sink), the HTTP API in-process, direct reads of the database, and a movable clock."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aio_pika
import httpx
import sqlalchemy as sa
from icalendar import Calendar

from services.notifications.bootstrap import build_spec
from services.notifications.config import Settings
from services.notifications.service_layer.scheduler import Scheduler
from shared.auth import mint_token
from shared.db import scope_info
from shared.events.catalog import encode
from shared.events.envelope import IntegrationEvent
from shared.events.registration import MentorRegistered, ParticipantProfile, TeacherRegistered, ThemeDefined
from shared.events.vocabulary import Language, ParticipantRole
from shared.runtime import Runtime, create_app
from shared.testing.helpers import auth
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import TEST_JWT_SECRET, runtime_url, wait_until
from shared.testing.smtp_sink import SmtpServer

REVIEWERS = ("reviewer.one@province.example.org", "reviewer.two@province.example.org")
_n = itertools.count(1)


@dataclass
class FakeClock:
    """The real time plus an offset the test moves."""

    offset: timedelta = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def person(
    board: str, *, language: Language = "en", role: ParticipantRole = "beginning_teacher", tag: str = ""
) -> ParticipantProfile:
    n = next(_n)
    given = ["Zoé", "Noah", "Amélie", "Liam", "Maya", "Étienne", "Ava", "Olivier", "Léa", "Owen"][n % 10]
    return ParticipantProfile(
        participant_id=uuid.uuid4(),
        program_year="2026-2027",
        hr_id=f"H{n:05d}",
        role=role,
        given_name=given,
        family_name=f"Côté{n}",
        email=f"{tag or 'p'}{n}.{uuid.uuid4().hex[:6]}@board.example.org",
        language=language,
    )


# Themes the tests use, as registration announces its taxonomy (test data, not a copy in production).
TAXONOMY = (
    ThemeDefined(board="province", code="assessment", name_en="Assessment", name_fr="Évaluation"),
    ThemeDefined(
        board="province",
        code="early_years_literacy",
        name_en="Early-years literacy",
        name_fr="Littératie des premières années",
    ),
)


def registered(board: str, profile: ParticipantProfile) -> IntegrationEvent:
    cls = MentorRegistered if profile.role == "mentor" else TeacherRegistered
    return cls(board=board, participant=profile)


def template_of(message: EmailMessage) -> str:
    return str(message["X-Mentorweb-Template"] or "")


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]  # typeshed: get_body gives a Message


def calendar_of(message: EmailMessage) -> Calendar | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            content = part.get_content()  # type: ignore[attr-defined]  # typeshed: walk gives Messages
            return Calendar.from_ical(content if isinstance(content, bytes) else content.encode())
    return None


def events_of(calendar: Calendar | None) -> list[Any]:
    assert calendar is not None, "the message has no calendar part"
    return list(calendar.walk("VEVENT"))


LINK_KEYS = ("notifications-test-link-key-new-0123456789ab", "notifications-test-link-key-old-0123456789ab")


def unsubscribe_link(message: EmailMessage) -> str:
    found = re.search(r"https?://\S+/v1/preferences/unsubscribe\?token=\S+", text_of(message))
    assert found, text_of(message)
    return found.group(0)


@dataclass
class Notifications:
    runtime: Runtime
    settings: Settings
    smtp: SmtpServer
    client: httpx.AsyncClient
    clock: FakeClock
    exchange: aio_pika.abc.AbstractExchange
    sent_before: dict[str, int] = field(default_factory=dict)

    @property
    def scheduler(self) -> Scheduler:
        return next(w for w in self.runtime.workers if isinstance(w, Scheduler))

    async def publish(self, event: IntegrationEvent, times: int = 1) -> None:
        """Through the real broker: the events exchange, the event's routing key and id."""
        for _ in range(times):
            await self.exchange.publish(
                aio_pika.Message(encode(event), message_id=str(event.event_id), delivery_mode=2),
                routing_key=event.routing_key(),
            )

    async def handle(self, *events: IntegrationEvent) -> None:
        """Through the service's consumer (inbox + handler + commit), without the broker's latency."""
        consumer = self.runtime.consumer
        assert consumer is not None
        for event in events:
            await consumer.handle_event(consumer.handlers[type(event)], event)

    async def register(self, board: str, *profiles: ParticipantProfile) -> None:
        await self.handle(*(registered(board, p) for p in profiles))
        await self.mails_to(*(str(p.email) for p in profiles), template="welcome")

    def mails(self, address: str, template: str | None = None) -> list[EmailMessage]:
        return [m for m in self.smtp.sink.to(address) if template is None or template_of(m) == template]

    async def mails_to(
        self, *addresses: str, template: str | None = None, each: int = 1, timeout: float = 10.0
    ) -> dict[str, list[EmailMessage]]:
        """Wait until every address got ``each`` messages of ``template``; returns them by address."""

        def got() -> bool:
            return all(len(self.mails(a, template)) >= each for a in addresses)

        await wait_until(got, timeout=timeout, interval=0.05)
        found = {a: self.mails(a, template) for a in addresses}
        missing = {a: len(v) for a, v in found.items() if len(v) < each}
        assert not missing, f"messages of {template} missing: {missing}"
        return found

    async def settle(self, timeout: float = 15.0) -> None:
        """Before counting what was *not* sent: a positive signal that everything that could still
        arrive has arrived. A sentinel event published after everything the test sent is handled
        (the queue delivers in order, so every earlier copy was delivered before it), and no stored
        message is still due (each due one is sent, failed or rescheduled, and committed)."""
        sentinel = ThemeDefined(
            board="province",
            code=f"sentinel_{uuid.uuid4().hex[:8]}",
            name_en="Sentinel",
            name_fr="Sentinelle",
        )
        await self.publish(sentinel)

        async def handled() -> bool:
            return bool(
                await self.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=sentinel.event_id)
            )

        async def nothing_due() -> bool:
            return not await self.scalar(
                "SELECT count(*) FROM notifications WHERE state = 'pending' AND next_attempt_at <= now()"
            )

        assert await wait_until(handled, timeout=timeout), "the sentinel event was not handled"
        assert await wait_until(nothing_due, timeout=timeout), "stored messages are still due"

    async def rows(self, query: str, **params: Any) -> list[Any]:
        async with self.runtime.session_factory(info=scope_info(scope="system")) as session:
            return list((await session.execute(sa.text(query), params)).all())

    async def scalar(self, query: str, **params: Any) -> Any:
        async with self.runtime.session_factory(info=scope_info(scope="system")) as session:
            return (await session.execute(sa.text(query), params)).scalar()

    def token(self, role: str, *, board: str | None = None, participant_id: uuid.UUID | None = None) -> str:
        return mint_token(
            self.settings,
            subject=f"test-{role}",
            roles=[role],
            board=board,
            participant_id=participant_id,
        )

    async def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {**(auth(token) if token else {}), **kwargs.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kwargs)


@asynccontextmanager
async def start_notifications(
    infra: Infrastructure,
    database_url: str,
    prefix: str,
    smtp: SmtpServer,
    clock: FakeClock,
    **overrides: Any,
) -> AsyncIterator[Notifications]:
    settings = Settings(
        # The service's runtime role, held to row-level security as in production.
        database_url=runtime_url(database_url, "notifications"),
        rabbitmq_url=infra.rabbitmq_url,
        bus_prefix=prefix,
        smtp_port=smtp.port,
        jwt_secret=TEST_JWT_SECRET,
        # A rotation in progress: the first key signs, the second (the previous one) still verifies.
        link_signing_keys=",".join(LINK_KEYS),
        mentorweb_env="test",
        mail_retry_base_seconds=0.2,
        mail_probe_interval=0.3,
        mail_poll_interval=0.2,
        scheduler_poll_interval=3600,  # the tests drive the scheduler with their own clock
        grant_reviewers=",".join(REVIEWERS),
        public_base_url="http://notifications.test",
        **overrides,
    )
    spec = build_spec(settings, clock=clock)
    runtime = Runtime(spec)
    await runtime.start()
    connection = await aio_pika.connect(infra.rabbitmq_url, timeout=10)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(settings.exchange_name)
        app = create_app(spec, runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://notifications.test", timeout=30
        ) as client:
            harness = Notifications(runtime, settings, smtp, client, clock, exchange)
            await harness.handle(*TAXONOMY)
            yield harness
    finally:
        await connection.close()
        await runtime.stop()


def in_days(days: float, hour: int = 20) -> datetime:
    """A whole hour ``days`` from now (UTC), so formatted times are stable."""
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


Predicate = Callable[[EmailMessage], bool]
