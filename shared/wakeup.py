"""Wake a polling worker early when PostgreSQL sends a NOTIFY on its channel.

Polling stays the source of truth; the listener only cuts latency, and reconnects on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    dsn = sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    # SQLAlchemy names several servers as ``?host=a:1&host=b:2`` (a replicated database: with
    # target_session_attrs=read-write the writable one is chosen); asyncpg's DSN keeps only the last
    # ``host`` parameter, so the servers move into the netloc, libpq's ``a:1,b:2``.
    parts = urlsplit(dsn)
    query = parse_qsl(parts.query, keep_blank_values=True)
    hosts = [value for key, value in query if key == "host"]
    if len(hosts) < 2:
        return dsn
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + ",".join(hosts)
    rest = urlencode([(key, value) for key, value in query if key != "host"])
    return urlunsplit((parts.scheme, netloc, parts.path, rest, parts.fragment))


class PgWakeup:
    def __init__(self, database_url: str, channel: str):
        self._dsn = asyncpg_dsn(database_url)
        self._channel = channel
        self.event = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name=f"listen-{self._channel}")

    async def stop(self) -> None:
        self._stopping.set()
        self.event.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=5)

    async def wait(self, seconds: float) -> None:
        """Return when notified, stopped, or after ``seconds``, whichever comes first."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.event.wait(), timeout=seconds)
        self.event.clear()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def _listen(self) -> None:
        while not self._stopping.is_set():
            conn = None
            try:
                conn = await asyncpg.connect(self._dsn, timeout=5)
                await conn.add_listener(self._channel, lambda *_: self.event.set())
                while not self._stopping.is_set() and not conn.is_closed():
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), timeout=5)
            except Exception as exc:
                log.info(
                    "listener on %s: %s; polling until it reconnects", self._channel, exc.__class__.__name__
                )
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=2)
            finally:
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
