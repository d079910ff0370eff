"""What every benchmark scenario shares: infrastructure, unique names, the 1 KB event, raw aio-pika
baselines, percentiles, and one result format that ``run_all.py`` renders.

Every figure a scenario reports is paired with a raw baseline measured in the same run on the same
machine, because on 2 cores the Python client, not RabbitMQ or PostgreSQL, sets the ceiling.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import numpy as np
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from shared.events.catalog import encode
from shared.events.registration import ParticipantProfile, TeacherRegistered
from shared.migrations import drop_database, ensure_database
from shared.outbox import create_outbox_and_inbox
from shared.wakeup import asyncpg_dsn

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PROFILES = RESULTS / "profiles"
MESSAGE_BYTES = 1024
PUBLISH_WINDOW = 500  # raw pipelined publish: confirms awaited per gather of this many
RAW_PREFETCH = 64

# Every run's bus objects and databases start with this, so a crashed run's leftovers are findable.
NAME_PREFIX = "mwbench"


def unique_prefix(scenario: str) -> str:
    return f"{NAME_PREFIX}{scenario}{secrets.token_hex(3)}"


def rabbitmq_url() -> str:
    return os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


def postgres_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432").rstrip("/")


def database_url(name: str) -> str:
    return f"{postgres_url()}/{name}"


# ---------------------------------------------------------------------------------------------- events


def padded_teacher(n: int, board: str = "BENCH", size: int = MESSAGE_BYTES) -> TeacherRegistered:
    """A real TeacherRegistered whose encoded body is ``size`` bytes (learning goals pad it)."""
    profile = dict(
        participant_id=uuid.uuid4(),
        program_year="2026-2027",
        hr_id=f"BENCH-{n:07d}",
        role="beginning_teacher",
        given_name="Amélie",
        family_name=f"Tremblay-{n}",
        email=f"bench.{n}@example.org",
        school="Maple Ridge PS",
        grade_band="junior",
        subjects=["Mathematics"],
        themes=["assessment"],
        learning_goals="",
    )
    event = TeacherRegistered(board=board, participant=ParticipantProfile(**profile))  # type: ignore[arg-type]
    missing = max(size - len(encode(event)), 0)
    profile["learning_goals"] = "g" * missing
    return TeacherRegistered(
        board=board,
        participant=ParticipantProfile(**profile),  # type: ignore[arg-type]
        event_id=event.event_id,
    )


def raw_body(size: int = MESSAGE_BYTES) -> bytes:
    return b"x" * size


# ----------------------------------------------------------------------------------------- statistics


def percentiles(values_s: Iterable[float]) -> dict[str, float | None]:
    """p50/p95/p99/max in milliseconds of durations given in seconds."""
    data = np.asarray(list(values_s), dtype=float) * 1000.0
    if data.size == 0:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None, "samples": 0}
    p50, p95, p99 = np.percentile(data, [50, 95, 99])
    return {
        "p50_ms": round(float(p50), 2),
        "p95_ms": round(float(p95), 2),
        "p99_ms": round(float(p99), 2),
        "max_ms": round(float(data.max()), 2),
        "samples": int(data.size),
    }


def ratio(ours: float | None, raw: float | None) -> float | None:
    if not ours or not raw:
        return None
    return round(ours / raw, 3)


def target(name: str, value: float | None, limit: float, *, higher_is_better: bool, unit: str = "") -> dict:
    """A target and whether it is met; ``by`` is value/limit (>1 is better either way)."""
    if value is None:
        return {"name": name, "value": None, "limit": limit, "unit": unit, "met": False, "by": None}
    met = value >= limit if higher_is_better else value < limit
    by = value / limit if higher_is_better else (limit / value if value else float("inf"))
    return {
        "name": name,
        "value": round(value, 3),
        "limit": limit,
        "op": ">=" if higher_is_better else "<",
        "unit": unit,
        "met": met,
        "by": round(by, 2),
    }


# --------------------------------------------------------------------------------------------- output


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }


def print_table(
    title: str, rows: Sequence[dict[str, Any]], ratios: dict[str, Any], targets: list[dict]
) -> None:
    print(f"\n== {title}")
    header = f"{'measure':<44}{'rate/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}"
    print(header)
    print("-" * len(header))
    for row in rows:

        def cell(key: str, digits: int = 1) -> str:
            value = row.get(key)  # noqa: B023
            return "-" if value is None else f"{value:.{digits}f}"

        print(
            f"{row['name']:<44}{cell('rate', 0):>10}{cell('p50_ms'):>10}{cell('p95_ms'):>10}{cell('p99_ms'):>10}"
        )
    for name, value in ratios.items():
        print(f"ratio {name:<38}{'-' if value is None else f'{value:.3f}':>10}")
    for t in targets:
        state = "MET" if t["met"] else "MISSED"
        print(f"target {t['name']}: {t['value']} {t.get('op', '')} {t['limit']} {t['unit']} -> {state}")


def measured_at() -> str:
    """When a result was measured, as every result file records it (the renderer shows it)."""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def write_result(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    result = {**result, "measured_at": measured_at()}
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return path


# ------------------------------------------------------------------------------------------- databases


async def create_outbox_database(url: str, *, effect_table: bool = True) -> None:
    """A fresh database with the platform's own outbox and inbox (the shared migration helper) and
    a one-row-per-event effect table for the bench handler."""
    await ensure_database(url)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:

            def ddl(sync_conn: Any) -> None:
                create_outbox_and_inbox(Operations(MigrationContext.configure(sync_conn)))

            await conn.run_sync(ddl)
            if effect_table:
                await conn.execute(
                    sa.text(
                        "CREATE TABLE bench_effect (event_id uuid PRIMARY KEY, board text NOT NULL, "
                        "occurred_at timestamptz NOT NULL, "
                        "handled_at timestamptz NOT NULL DEFAULT clock_timestamp())"
                    )
                )
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def temporary_database(url: str, *, effect_table: bool = True) -> AsyncIterator[str]:
    await create_outbox_database(url, effect_table=effect_table)
    try:
        yield url
    finally:
        with contextlib.suppress(Exception):
            await drop_database(url)


async def pg_connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn(url))


async def drop_leftover_databases() -> list[str]:
    """Drop databases a crashed earlier run left behind (they all start with NAME_PREFIX)."""
    conn = await pg_connect(database_url("postgres"))
    try:
        names = [
            r["datname"]
            for r in await conn.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1", f"{NAME_PREFIX}%"
            )
        ]
    finally:
        await conn.close()
    for name in names:
        with contextlib.suppress(Exception):
            await drop_database(database_url(name))
    return names


async def delete_leftover_bus_objects() -> int:
    """Delete queues and exchanges a killed earlier run left behind (names start with NAME_PREFIX).
    Listing needs rabbitmqctl (the local broker); without it nothing is listed."""
    if shutil.which("rabbitmqctl") is None:
        return 0
    names: dict[str, list[str]] = {}
    for kind in ("queues", "exchanges"):
        try:
            out = subprocess.run(  # noqa: ASYNC221 - once, before any measurement
                ["rabbitmqctl", "-q", f"list_{kind}", "name"], capture_output=True, text=True, timeout=30
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            return 0
        names[kind] = [n.strip() for n in out.splitlines() if n.strip().startswith(NAME_PREFIX)]
    if names["queues"] or names["exchanges"]:
        await delete_queues_and_exchanges(rabbitmq_url(), names["queues"], names["exchanges"])
    return len(names["queues"]) + len(names["exchanges"])


# ---------------------------------------------------------------------------------- raw aio-pika paths


async def raw_publish(
    exchange: aio_pika.abc.AbstractExchange,
    bodies: Sequence[bytes],
    routing_key: str,
    window: int = PUBLISH_WINDOW,
) -> float:
    """Publish persistent messages with confirms, ``window`` in flight per gather; returns msgs/s."""
    started = time.perf_counter()
    for start in range(0, len(bodies), window):
        await asyncio.gather(
            *(
                exchange.publish(
                    aio_pika.Message(
                        body,
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        message_id=str(start + i),
                        content_type="application/json",
                    ),
                    routing_key=routing_key,
                )
                for i, body in enumerate(bodies[start : start + window])
            )
        )
    return len(bodies) / (time.perf_counter() - started)


async def raw_consume(queue: aio_pika.abc.AbstractQueue, count: int, timeout: float = 120.0) -> float:
    """Consume ``count`` messages with manual acks at the queue channel's prefetch; returns msgs/s."""
    done = asyncio.get_running_loop().create_future()
    received = 0
    started = time.perf_counter()

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal received
        await message.ack()
        received += 1
        if received >= count and not done.done():
            done.set_result(time.perf_counter())

    tag = await queue.consume(on_message)
    try:
        finished = await asyncio.wait_for(done, timeout)
    finally:
        await queue.cancel(tag)
    return count / (finished - started)


async def declare_quorum_queue(
    channel: aio_pika.abc.AbstractChannel,
    exchange: aio_pika.abc.AbstractExchange,
    name: str,
    keys: Iterable[str],
) -> aio_pika.abc.AbstractQueue:
    queue = await channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
    for key in keys:
        await queue.bind(exchange, routing_key=key)
    return queue


async def raw_round_trip(url: str, prefix: str, *, rate: float, seconds: float) -> dict[str, Any]:
    """Raw aio-pika latency floor: publish one 1 KB persistent message at a time (awaiting its
    confirm) at ``rate``/s into a quorum queue; a consumer on another connection acks each and
    records publish→deliver time."""
    connection = await aio_pika.connect(url)
    consumer_connection = await aio_pika.connect(url)
    latencies: list[float] = []
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(
            f"{prefix}.rtt", aio_pika.ExchangeType.TOPIC, auto_delete=False
        )
        consumer_channel = await consumer_connection.channel()
        await consumer_channel.set_qos(prefetch_count=RAW_PREFETCH)
        queue = await channel.declare_queue(
            f"{prefix}.rtt", durable=True, arguments={"x-queue-type": "quorum"}
        )
        await queue.bind(exchange, routing_key="rtt")
        consumer_queue = await consumer_channel.get_queue(queue.name)

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            latencies.append(time.time() - float(message.headers["sent"]))  # type: ignore[arg-type]
            await message.ack()

        tag = await consumer_queue.consume(on_message)
        total = int(rate * seconds)
        started = time.perf_counter()
        pending: set[asyncio.Task[Any]] = set()
        body = raw_body()
        for n in range(total):
            # Open loop: send on schedule whatever the previous message is doing.
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            message = aio_pika.Message(body, delivery_mode=2, headers={"sent": repr(time.time())})
            task = asyncio.create_task(exchange.publish(message, routing_key="rtt"))
            pending.add(task)
            task.add_done_callback(pending.discard)
        deadline = time.perf_counter() + 15
        while len(latencies) < total and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        await consumer_queue.cancel(tag)
        await queue.delete(if_unused=False, if_empty=False)
        await exchange.delete()
    finally:
        await consumer_connection.close()
        await connection.close()
    return {"rate": rate, "sent": int(rate * seconds), "received": len(latencies), **percentiles(latencies)}


async def delete_queues_and_exchanges(url: str, queues: Iterable[str], exchanges: Iterable[str]) -> None:
    connection = await aio_pika.connect(url, timeout=10)
    async with connection:
        for name in queues:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.queue_delete(name)
        for name in exchanges:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.exchange_delete(name)


# ------------------------------------------------------------------------------------------ profiling


def py_spy_command() -> list[str] | None:
    """How to run py-spy here (not a project dependency): a py-spy on PATH, else through uv."""
    if os.environ.get("BENCH_NO_PROFILE") == "1":
        return None
    if shutil.which("py-spy"):
        return ["py-spy"]
    if shutil.which("uv"):
        return ["uv", "tool", "run", "py-spy"]
    if importlib.util.find_spec("uv") is not None:  # uv installed as a module (the Makefile's fallback)
        return [sys.executable, "-m", "uv", "tool", "run", "py-spy"]
    return None


def start_profile(pid: int, name: str, seconds: float) -> subprocess.Popen[bytes] | None:
    """Record ``pid`` for ``seconds`` into bench/results/profiles/<name>.speedscope.json (+ raw text)."""
    command = py_spy_command()
    if command is None:
        return None
    PROFILES.mkdir(parents=True, exist_ok=True)
    out = PROFILES / f"{name}.txt"
    try:
        return subprocess.Popen(
            [
                *command,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(max(int(seconds), 1)),
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                str(out),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    except OSError:
        return None


def finish_profile(proc: subprocess.Popen[bytes] | None, name: str, timeout: float = 60) -> dict[str, Any]:
    """Wait for a py-spy recording and summarise it: the heaviest frames by inclusive and self time,
    grouped by package so the table says what dominates."""
    if proc is None:
        return {"available": False}
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return {"available": False, "error": "py-spy timed out"}
    path = PROFILES / f"{name}.txt"
    if not path.exists():
        return {"available": False, "error": (err or b"").decode(errors="replace")[-300:]}
    return summarise_collapsed(path)


_BUCKETS = (
    ("opentelemetry/", "OpenTelemetry (spans, context, metrics)"),
    ("sqlalchemy/", "SQLAlchemy (session, ORM, compile)"),
    ("asyncpg/", "asyncpg (driver)"),
    ("faststream/", "FastStream (middlewares, parsing, DI)"),
    ("fast_depends/", "FastStream (middlewares, parsing, DI)"),
    ("aio_pika/", "aio-pika / aiormq / pamqp (AMQP client)"),
    ("aiormq/", "aio-pika / aiormq / pamqp (AMQP client)"),
    ("pamqp/", "aio-pika / aiormq / pamqp (AMQP client)"),
    ("pydantic", "pydantic (decode/validate)"),
    ("starlette/", "Starlette/FastAPI (routing, DI)"),
    ("fastapi/", "Starlette/FastAPI (routing, DI)"),
    ("uvicorn/", "uvicorn (HTTP server)"),
    ("h11/", "uvicorn (HTTP server)"),
    ("shared/", "Mentorweb shared/ code"),
    ("services/", "Mentorweb services/ code"),
    ("bench/", "bench code"),
    ("asyncio/", "asyncio event loop"),
    ("selectors.py", "asyncio event loop"),
    ("logging/", "logging"),
    ("json/", "json"),
)


def _where(frame: str) -> str:
    return frame.rsplit(" (", 1)[1].rstrip(")") if " (" in frame else ""


def _function(frame: str) -> str:
    """``name (path:line)`` → ``name (path)``: samples of one function add up across its lines."""
    name, _, where = frame.rpartition(" (")
    return f"{name} ({where.rstrip(')').rsplit(':', 1)[0]})" if name else frame


def _bucket(frame: str) -> str | None:
    where = _where(frame)
    for needle, label in _BUCKETS:
        if needle in where:
            return label
    return None


def summarise_collapsed(path: Path, top: int = 15) -> dict[str, Any]:
    """Read py-spy's collapsed stacks ("a;b;c count", idle samples excluded so 100 % = CPU time):
    self time per package (the innermost frame of a known package), inclusive time of the
    platform's own functions and of the libraries' entry points, and the top self-time functions."""
    self_by_bucket: dict[str, int] = {}
    self_by_function: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        total += count
        leaf = _function(frames[-1])
        self_by_function[leaf] = self_by_function.get(leaf, 0) + count
        bucket = next((b for b in map(_bucket, reversed(frames)) if b), "other (C, stdlib)")
        self_by_bucket[bucket] = self_by_bucket.get(bucket, 0) + count
        seen: set[str] = set()
        for frame in frames:
            where = _where(frame)
            if where.startswith(("shared/", "bench/", "services/")) or any(
                s in where
                for s in (
                    "faststream/_internal/endpoint",
                    "opentelemetry/sdk/trace/__init__",
                    "sqlalchemy/ext/asyncio/session",
                    "sqlalchemy/orm/session",
                    "opentelemetry/instrumentation",
                    "faststream/opentelemetry",
                )
            ):
                key = _function(frame)
                if key not in seen:
                    seen.add(key)
                    inclusive[key] = inclusive.get(key, 0) + count
    if total == 0:
        return {"available": False, "error": "no samples"}

    def share(d: dict[str, int], n: int) -> list[list[Any]]:
        return [[k, round(100 * v / total, 1)] for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:n]]

    return {
        "available": True,
        "samples": total,
        "file": str(path.relative_to(ROOT)),
        "self_by_package_pct": share(self_by_bucket, 20),
        "inclusive_pct": share(inclusive, top),
        "top_self_functions_pct": share(self_by_function, top),
    }


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({"PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), **extra})
    return env


def spawn_python(args: list[str], stdout: Any = None, **extra_env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=child_env(**extra_env), stdout=stdout)
