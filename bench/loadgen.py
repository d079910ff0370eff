"""A small HTTP/1.1 load generator that runs in its own process, so it never shares a core's GIL
with the server or the measuring code.

It speaks keep-alive HTTP/1.1 over raw asyncio streams (a fraction of an HTTP client library's
cost per request). Two modes:

* ``open``: start requests on a fixed schedule (``--rate`` per second for ``--seconds``), up to
  ``--connections`` in flight; a request that finds every connection busy waits and is counted
  late. This is the arrival pattern of an HR feed, and what latency targets are about.
* ``closed``: ``--connections`` loops each sending the next request as soon as the previous answer
  arrived, for ``--seconds``: the most requests/s the server gives.

Requests: ``--method GET --path /v1/participants?limit=50`` or ``--method POST --path
/v1/participants --body-template '{"hr_id": "X-{n}", ...}'`` where ``{n}`` is the request index
Writes a JSON file with one [index, scheduled, start, end, status] per request (wall-clock seconds;
status 0 = connection error) to ``--out``.

    python bench/loadgen.py --url http://127.0.0.1:8001 --mode open --rate 100 --seconds 20 ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlparse


class Connection:
    def __init__(self, host: str, port: int, headers: bytes):
        self.host, self.port, self.headers = host, port, headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes | None) -> int:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n".encode() + self.headers
        if body is not None:
            head += b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
        self.writer.write(head + b"\r\n" + (body or b""))
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed by server")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        chunked = False
        close = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status


async def run(args: argparse.Namespace) -> list[list[float]]:
    url = urlparse(args.url)
    headers = b""
    if args.token:
        headers += f"Authorization: Bearer {args.token}\r\n".encode()
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(args.connections):
        pool.put_nowait(Connection(url.hostname or "127.0.0.1", url.port or 80, headers))
    template = args.body_template
    results: list[list[float]] = []

    async def one(n: int, scheduled: float) -> None:
        conn = await pool.get()
        body = template.replace("{n}", str(n)).encode() if template else None
        start = time.time()
        try:
            status = await conn.request(args.method, args.path, body)
        except (OSError, ConnectionError, ValueError, asyncio.IncompleteReadError):
            conn.writer = None
            status = 0
        results.append([n, scheduled, start, time.time(), status])
        pool.put_nowait(conn)

    deadline = time.perf_counter() + args.seconds
    if args.mode == "open":
        tasks = []
        started = time.perf_counter()
        wall = time.time()
        total = int(args.rate * args.seconds)
        for n in range(total):
            delay = started + n / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(args.offset + n, wall + n / args.rate)))
        await asyncio.gather(*tasks)
    else:
        counter = iter(range(args.offset, args.offset + 10_000_000))

        async def loop() -> None:
            while time.perf_counter() < deadline:
                await one(next(counter), time.time())

        await asyncio.gather(*(loop() for _ in range(args.connections)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=["open", "closed"], default="open")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--path", default="/")
    parser.add_argument("--body-template", default=None)
    parser.add_argument("--token", default=None)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    results = asyncio.run(run(args))
    with open(args.out, "w") as f:
        json.dump({"run": args.mode, "results": results}, f)


if __name__ == "__main__":
    main()
