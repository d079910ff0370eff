"""Connections to a RabbitMQ cluster: ``RABBITMQ_URL`` may name several nodes, comma-separated.

aio-pika's robust connection reconnects to the one address it was given; on a cluster that node may
be the one that went away. :class:`FailoverConnection` tries every node in turn on each (re)connect,
starting with the one after the node it last used, then restores channels, consumers and
declarations as the robust connection always does. With one address it behaves exactly as before.
"""

from __future__ import annotations

from typing import Any, ClassVar

import aio_pika
from aio_pika.abc import AbstractRobustConnection
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from yarl import URL


def broker_urls(setting: str) -> list[str]:
    """The node addresses in a ``RABBITMQ_URL`` setting (one URL, or several separated by commas)."""
    urls = [part.strip() for part in setting.split(",") if part.strip()]
    if not urls:
        raise ValueError("RABBITMQ_URL names no broker")
    return urls


class FailoverConnection(aio_pika.RobustConnection):
    """A robust connection that moves to the next node when the current one cannot be reached."""

    URLS: ClassVar[tuple[URL, ...]] = ()

    # aio-pika's reconnect loop calls this (name-mangled) method for every attempt; trying each node
    # within one attempt keeps its back-off between rounds, not between nodes.
    # tests/unit/test_broker_failover.py fails if an aio-pika upgrade renames it.
    async def _RobustConnection__connect_transport(self) -> None:  # noqa: N802
        parent = aio_pika.RobustConnection._RobustConnection__connect_transport  # type: ignore[attr-defined]
        urls = self.URLS or (self.url,)
        start = urls.index(self.url) if self.url in urls else 0
        last: BaseException | None = None
        for step in range(len(urls)):
            self.url = urls[(start + step) % len(urls)]
            try:
                await parent(self)
                return
            except CONNECTION_EXCEPTIONS as exc:
                last = exc
        assert last is not None
        self.url = urls[(start + 1) % len(urls)]  # the next round starts with the next node
        raise last

    async def _on_connection_close(self, closing: Any) -> None:
        # The node we were on went away: start the reconnect with the next one.
        if len(self.URLS) > 1 and self.url in self.URLS:
            self.url = self.URLS[(self.URLS.index(self.url) + 1) % len(self.URLS)]
        await super()._on_connection_close(closing)


def failover_class(setting: str) -> type[FailoverConnection]:
    """A :class:`FailoverConnection` class bound to the nodes of ``setting``."""
    urls = tuple(URL(url) for url in broker_urls(setting))
    return type("FailoverConnection", (FailoverConnection,), {"URLS": urls})


async def connect_robust(setting: str, *, timeout: float) -> AbstractRobustConnection:
    """``aio_pika.connect_robust`` on the first node of ``setting``, failing over to the others."""
    urls = broker_urls(setting)
    if len(urls) == 1:
        return await aio_pika.connect_robust(urls[0], timeout=timeout)
    return await aio_pika.connect_robust(urls[0], timeout=timeout, connection_class=failover_class(setting))
