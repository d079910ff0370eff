"""Keep the outbox and inbox bounded: rows older than a horizon are deleted by whichever replica
claims the job first.

* Outbox: only ``published`` rows whose publish is older than ``BUS_PRUNE_HORIZON_SECONDS``; a
  pending row is never pruned, however old.
* Inbox: entries handled longer ago than the same horizon. The inbox is what makes a redelivered
  event harmless, so the horizon must outlast any redelivery: a copy of an event can reach a
  consumer again only while it sits in a queue or is replayed from a dead-letter queue or the audit
  stream. Within the horizon a redelivery still meets its inbox entry; the default (30 days) is far
  above the broker's delivery retries and what an operator replays.

Claimed with a transaction-scoped advisory lock (``pg_try_advisory_xact_lock``): any replica may run
the job, never two at once; the others skip the round. Deletes go in batches, one short transaction
each, so a long backlog never holds a lock for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

# One key for every service: each service has its own database, and advisory locks are per database.
PRUNE_LOCK_KEY = 0x6D77_7072_756E  # "mwprun"

_CLAIM = sa.text("SELECT pg_try_advisory_xact_lock(:key)")
_PRUNE_OUTBOX = sa.text(
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state = 'published' "
    "AND published_at < now() - make_interval(secs => :horizon) ORDER BY id LIMIT :batch)"
)
_PRUNE_INBOX = sa.text(
    "DELETE FROM inbox WHERE (consumer, event_id) IN (SELECT consumer, event_id FROM inbox "
    "WHERE handled_at < now() - make_interval(secs => :horizon) LIMIT :batch)"
)


@dataclass
class Pruned:
    outbox: int = 0
    inbox: int = 0


class BusPruner:
    """A background job of every service process: prune, then sleep ``bus_prune_interval_seconds``."""

    def __init__(self, engine: AsyncEngine, settings: ServiceSettings):
        self._engine = engine
        self._settings = settings
        self._task: asyncio.Task[None] | None = None
        self.pruned = Pruned()

    async def prune_once(self) -> Pruned | None:
        """One pass; None when another replica holds the job."""
        params = {
            "horizon": self._settings.bus_prune_horizon_seconds,
            "batch": self._settings.bus_prune_batch_size,
        }
        done = Pruned()
        for statement, table in ((_PRUNE_OUTBOX, "outbox"), (_PRUNE_INBOX, "inbox")):
            while True:
                async with self._engine.begin() as conn:
                    if not (await conn.execute(_CLAIM, {"key": PRUNE_LOCK_KEY})).scalar():
                        return None if done.outbox == done.inbox == 0 else done
                    deleted = (await conn.execute(statement, params)).rowcount
                setattr(done, table, getattr(done, table) + deleted)
                if deleted < self._settings.bus_prune_batch_size:
                    break
        self.pruned.outbox += done.outbox
        self.pruned.inbox += done.inbox
        if done.outbox or done.inbox:
            log.info("pruned %d outbox rows and %d inbox entries", done.outbox, done.inbox)
        return done

    async def _run(self) -> None:
        while True:
            try:
                await self.prune_once()
            except Exception as exc:  # database away: the next round tries again
                log.warning("bus pruning: %s", exc.__class__.__name__)
            await asyncio.sleep(self._settings.bus_prune_interval_seconds)

    async def start(self) -> None:
        if self._settings.bus_prune_interval_seconds > 0:
            self._task = asyncio.create_task(self._run(), name="bus-pruner")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
