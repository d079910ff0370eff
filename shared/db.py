"""Database engine and the unit of work: one session per request or message."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, Literal

import sqlalchemy as sa
from opentelemetry import propagate
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, SessionTransaction

from shared.events.envelope import IntegrationEvent
from shared.outbox import OutboxMessage, outbox_row


def table_of(model: type[Any]) -> sa.Table:
    """The Core table of a SQLModel table class, for bulk inserts, upserts and ``.c`` columns.

    SQLModel sets ``__table__`` on table classes without declaring it to type checkers; the mapper
    says the same thing with a type."""
    table = sa.inspect(model).local_table
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


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


# Who a transaction acts for, read by the row-level security policies (shared/rls.py,
# docs/security.md): a board's staff see their board's rows; province staff and the service's own
# machinery (event consumers, relay, scheduled jobs) see every board through an explicit scope.
Scope = Literal["board", "province", "system"]
SCOPES: tuple[Scope, ...] = ("board", "province", "system")
_SCOPE_KEY = "mentorweb.scope"
# One statement, once per transaction (set_config(..., true) = SET LOCAL: gone at commit/rollback,
# so a pooled connection never carries one request's board into the next).
_SET_SCOPE = sa.text("SELECT set_config('app.board', :board, true), set_config('app.scope', :scope, true)")


def scope_info(*, board: str | None = None, scope: Scope | None = None) -> dict[str, Any]:
    """``info`` for a session whose every transaction acts for ``board`` / ``scope``.

    A board without a scope means the board's scope; no board and no scope means nothing at all is
    set, and under the services' runtime roles such a transaction sees no board-scoped row.
    """
    if scope is None and board is not None:
        scope = "board"
    if scope is None:
        return {}
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    if scope == "board" and not board:
        raise ValueError("the board scope needs a board")
    return {_SCOPE_KEY: (board or "", scope)}


@event.listens_for(Session, "after_begin")
def _scope_transaction(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    scoped = session.info.get(_SCOPE_KEY)
    if scoped is not None:
        board, scope = scoped
        connection.execute(_SET_SCOPE, {"board": board, "scope": scope})


async def set_scope(conn: AsyncConnection, *, board: str | None = None, scope: Scope | None = None) -> None:
    """Scope the transaction open on a Core connection (one not driven by a session)."""
    info = scope_info(board=board, scope=scope)
    if not info:
        raise ValueError("set_scope needs a board or a scope")
    board_value, scope_value = info[_SCOPE_KEY]
    await conn.execute(_SET_SCOPE, {"board": board_value, "scope": scope_value})


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class UnitOfWork:
    """One transaction: the state change, the events it causes (outbox) and the inbox mark.

    Nothing commits behind its back: ``commit()`` is explicit, leaving the block without it rolls back.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        board: str | None = None,
        scope: Scope | None = None,
        participant_board: tuple[sa.TextClause, object] | None = None,
    ):
        """``participant_board``: (query, participant id) — a participant whose token names no board
        acts for the board the service's own records give them, looked up when the unit opens."""
        self._session_factory = session_factory
        self._participant_board = participant_board
        # The board (or wider scope) every transaction of this unit acts for: sent once per
        # transaction as app.board / app.scope, which the row-level security policies read, so a
        # query that forgets its board filter still returns nothing of another board.
        self._scope = scope_info(board=board, scope=scope)
        self.board = board
        self.scope: Scope | None = self._scope[_SCOPE_KEY][1] if self._scope else None
        self._events: list[tuple[IntegrationEvent, dict[str, str]]] = []
        self.session: AsyncSession

    async def __aenter__(self) -> UnitOfWork:
        if self._participant_board is not None and not self._scope:
            query, participant = self._participant_board
            async with self._session_factory(info=scope_info(scope="system")) as lookup:
                board = (await lookup.execute(query, {"participant": participant})).scalar()
            if board:
                self.board, self.scope = board, "board"
                self._scope = scope_info(board=board)
        self.session = self._session_factory(info=self._scope) if self._scope else self._session_factory()
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
            # The outbox's statement trigger sends NOTIFY (delivered at commit) to wake the relay.
            await self.session.execute(
                sa.insert(table_of(OutboxMessage)),
                [outbox_row(event, headers) for event, headers in self._events],
            )
        await self.session.commit()
        self._events.clear()
