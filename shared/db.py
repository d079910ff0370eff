"""Database engine and the unit of work: one session per request or message."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

import sqlalchemy as sa
from opentelemetry import propagate
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from shared.events.envelope import IntegrationEvent
from shared.outbox import OutboxMessage, outbox_row


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    # Short connect/command timeouts so a database outage becomes a fast, retryable error (HTTP 503)
    # instead of a hang. No pre-ping: it costs two round trips per transaction; a connection found
    # dead invalidates the pool and the caller's retry (consumer) or Retry-After (HTTP) covers it.
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        pool_timeout=5,
        connect_args={"timeout": 5, "command_timeout": 30},
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class UnitOfWork:
    """One transaction: the state change, the events it causes (outbox) and the inbox mark.

    Nothing commits behind its back: ``commit()`` is explicit, leaving the block without it rolls back.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, board: str | None = None):
        self._session_factory = session_factory
        # The board the transaction acts for. Boards are kept apart by the service layer
        # (docs/security.md); a row-level security policy would read it from here (set_config) —
        # not sent while no policy exists, as it costs a round trip per request.
        self.board = board
        self._events: list[tuple[IntegrationEvent, dict[str, str]]] = []
        self.session: AsyncSession

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed without expiring loaded objects, so a
        # route can still serialise what it read after the block ends.
        await self.session.close()

    def publish(self, *events: IntegrationEvent) -> None:
        """Queue events to be written to the outbox in this transaction."""
        # The trace context travels with the row so the relay's publish joins the caller's trace.
        # Taken now, not at commit: a consumer's transaction can hold several messages' effects,
        # each in its own message's trace.
        headers: dict[str, str] = {}
        propagate.inject(headers)
        self._events.extend((event, headers) for event in events)

    @property
    def pending_events(self) -> Sequence[IntegrationEvent]:
        return tuple(event for event, _ in self._events)

    async def commit(self) -> None:
        if self._events:
            outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
            # The outbox's statement trigger sends NOTIFY (delivered at commit) to wake the relay.
            await self.session.execute(
                sa.insert(outbox), [outbox_row(event, headers) for event, headers in self._events]
            )
        await self.session.commit()
        self._events.clear()
