"""A loopback TCP proxy the fault tests use to cut a service off from RabbitMQ and restore it."""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, listen_port: int):
        self.target = (target_host, target_port)
        self.listen_port = listen_port
        self._server: asyncio.base_events.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.listen_port)

    async def cut(self) -> None:
        """Refuse new connections and drop every open one, as if the broker went away."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._pipes):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._pipes.clear()

    async def restore(self) -> None:
        await self.start()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._pipes.update({writer, up_writer})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    dst.close()
                self._pipes.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


class ThreadedTcpProxy:
    """The proxy on its own event loop thread, so it keeps forwarding whatever the test is doing."""

    def __init__(self, target_host: str, target_port: int, listen_port: int):
        import threading

        self.listen_port = listen_port
        self._loop = asyncio.new_event_loop()
        self._proxy = TcpProxy(target_host, target_port, listen_port)
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def _call(self, coro) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def start(self) -> ThreadedTcpProxy:
        self._thread.start()
        self._call(self._proxy.start())
        return self

    def cut(self) -> None:
        self._call(self._proxy.cut())

    def restore(self) -> None:
        self._call(self._proxy.restore())

    def stop(self) -> None:
        self._call(self._proxy.cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
