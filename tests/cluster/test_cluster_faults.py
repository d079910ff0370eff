"""Faults on replicated infrastructure while 2,000 registrations flow through the four services.

A three-node RabbitMQ cluster loses the node leading the queues, loses its majority for 20 seconds,
and is restarted node by node; a PostgreSQL primary stops and its standby is promoted. After each:
every teacher known to matching, one welcome email each (nothing lost, nothing doubled), no outbox
row pending, no message left in a queue. Figures go to bench/results/cluster.json and the table in
docs/reliability.md (tests/cluster/results.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from shared.migrations import SERVICES
from shared.testing.cluster import PostgresPair, RabbitCluster, RabbitNode
from shared.testing.helpers import unique_board
from shared.testing.processes import System, wait_until
from shared.testing.smtp_sink import SmtpServer
from tests.cluster.results import record
from tests.e2e.helpers import create_board
from tests.faults.harness import FaultReport, all_ready, drive_registrations, settle_and_check

pytestmark = [pytest.mark.cluster, pytest.mark.asyncio(loop_scope="session")]
STREAM = int(os.environ.get("CLUSTER_STREAM_SIZE", "2000"))
CONSUMING = ("matching", "notifications")  # the services whose queues carry the stream's effects


def paced(
    rate: float, inner: Callable[[int], Awaitable[None]] | None = None
) -> Callable[[int], Awaitable[None]]:
    """An ``on_progress`` that holds the stream to ``rate`` registrations a second, so that it is
    still flowing for the whole fault."""
    started: list[float] = []

    async def on_progress(done: int) -> None:
        if not started:
            started.append(time.monotonic())
        if inner is not None:
            await inner(done)
        ahead = started[0] + done / rate - time.monotonic()
        if ahead > 0:
            await asyncio.sleep(ahead)

    return on_progress


def _clean(report: FaultReport, allowed_duplicate_emails: int = 0) -> None:
    assert report.known_to_matching == report.events_in, report
    assert report.lost == 0, report
    assert report.duplicate_emails <= allowed_duplicate_emails, report
    assert report.welcome_emails == report.events_in + report.duplicate_emails, report
    assert report.outbox_pending == 0, report
    assert sum(report.queue_depths.values()) == 0, report
    assert sum(report.dead_letters.values()) == 0, report


def _record(
    report: FaultReport, errors: Counter[str], recovery: float | None, measures: str, **extra: Any
) -> None:
    record(
        report.fault,
        events_in=report.events_in,
        effects_out=report.welcome_emails,
        known_to_matching=report.known_to_matching,
        lost=report.lost,
        doubled=report.duplicate_emails,
        outbox_pending=report.outbox_pending,
        left_in_queues=sum(report.queue_depths.values()),
        http_retries=sum(errors.values()),
        http_errors=dict(errors),
        recovery_seconds=None if recovery is None else round(recovery, 1),
        recovery=measures,
        stream_seconds=report.stream_seconds,
        drain_seconds=report.drain_seconds,
        **extra,
    )


async def _ready(system: System, timeout: float = 120) -> float:
    """Seconds until every service answers /readyz 200 (database, broker, consumer attached)."""
    started = time.monotonic()
    assert await wait_until(lambda: asyncio.to_thread(all_ready, system), timeout=timeout, interval=0.5)
    return time.monotonic() - started


async def _nothing_held(system: System, cluster: RabbitCluster) -> dict[str, dict[str, int]]:
    """Each service queue empty (nothing ready, nothing unacknowledged) with exactly one consumer
    (one process per service): a consumer restored twice after the fault would hold its prefetch
    unacked for ever. Polled (consumers finish what they hold), then returned for the assertion."""

    def counts() -> dict[str, dict[str, int]]:
        rows = cluster.queue_counts()
        return {s: rows[f"{system.prefix}.{s}"] for s in SERVICES if f"{system.prefix}.{s}" in rows}

    def settled() -> bool:
        return all(c["messages"] == 0 and c["consumers"] == 1 for c in counts().values())

    await wait_until(lambda: asyncio.to_thread(settled), timeout=60, interval=1)
    return await asyncio.to_thread(counts)


def _board(system: System, admin: str) -> str:
    board = unique_board()
    with httpx.Client() as client:
        create_board(client, system.url("registration"), admin, board)
    return board


def _use_live_node(system: System, cluster: RabbitCluster) -> None:
    """The test's own checks (queue depths) go through a node that is up."""
    live = next(n for n in cluster.nodes if n.running)
    system.infra = replace(system.infra, rabbitmq_url=live.url)


def _leading_node(system: System, cluster: RabbitCluster) -> RabbitNode:
    leaders = Counter(cluster.queue_leader(f"{system.prefix}.{s}") for s in CONSUMING)
    return cluster.node(leaders.most_common(1)[0][0])


async def test_queues_have_a_replica_on_every_node(cluster_system: System, rabbit_cluster: RabbitCluster):
    every_node = sorted(n.name for n in rabbit_cluster.nodes)
    assert rabbit_cluster.running_members() == every_node
    for service in CONSUMING:
        assert rabbit_cluster.queue_members(f"{cluster_system.prefix}.{service}") == every_node, service


async def test_node_leading_the_queues_killed_mid_stream(
    cluster_system: System, rabbit_cluster: RabbitCluster, cluster_smtp: SmtpServer, token
):
    admin = token("province_admin")
    board = _board(cluster_system, admin)
    leader = _leading_node(cluster_system, rabbit_cluster)
    fault: asyncio.Task[float] | None = None

    async def kill_leader() -> float:
        await asyncio.to_thread(leader.kill)
        started = time.monotonic()
        await _ready(cluster_system)

        # A new leader elected among the two nodes left, for every queue.
        def moved() -> bool:
            return all(
                rabbit_cluster.queue_leader(f"{cluster_system.prefix}.{s}") != leader.name for s in CONSUMING
            )

        assert await wait_until(lambda: asyncio.to_thread(moved), timeout=60, interval=1)
        return time.monotonic() - started

    async def at(done: int) -> None:
        nonlocal fault
        if done == STREAM // 3 and fault is None:
            fault = asyncio.create_task(kill_leader())

    bodies, errors = await drive_registrations(
        cluster_system, admin, board, STREAM, on_progress=paced(80, at)
    )
    assert fault is not None
    recovery = await fault
    _use_live_node(cluster_system, rabbit_cluster)
    report = await settle_and_check(cluster_system, cluster_smtp, bodies, "leader_node_killed", timeout=240)
    held = await _nothing_held(cluster_system, rabbit_cluster)
    _record(
        report,
        errors,
        recovery,
        "from the SIGKILL of the leading node to every service ready again on the two left",
        node=leader.name,
        left_unacked=sum(c["messages_unacknowledged"] for c in held.values()),
        queues_after=held,
    )
    _clean(report)
    assert all(c["messages"] == 0 and c["consumers"] == 1 for c in held.values()), held


async def test_majority_lost_for_20_seconds(
    cluster_system: System, rabbit_cluster: RabbitCluster, cluster_smtp: SmtpServer, token
):
    """Two of three nodes stop: quorum queues cannot confirm, so the relays' publishes wait and the
    outbox grows; HTTP keeps accepting registrations; when the nodes return everything flows once."""
    admin = token("province_admin")
    board = _board(cluster_system, admin)
    leader = _leading_node(cluster_system, rabbit_cluster)
    stopped = [leader, next(n for n in rabbit_cluster.nodes if n is not leader)]
    fault: asyncio.Task[float] | None = None
    window: dict[str, float] = {}
    accepted_at: list[float] = []

    healthz: list[tuple[float, float]] = []  # (sent at, seconds to answer): is the process itself slow?

    async def probe() -> None:
        async with httpx.AsyncClient(base_url=cluster_system.url("registration"), timeout=60) as client:
            while "back" not in window:
                sent = time.monotonic()
                with contextlib.suppress(httpx.HTTPError):
                    await client.get("/healthz")
                healthz.append((sent, time.monotonic() - sent))
                await asyncio.sleep(0.5)

    async def lose_majority() -> float:
        prober = asyncio.create_task(probe())
        for node in stopped:
            await asyncio.to_thread(node.stop)
        window["lost"] = time.monotonic()
        await asyncio.sleep(20)
        window["back"] = time.monotonic()
        await prober
        await asyncio.gather(*(asyncio.to_thread(rabbit_cluster.restart_node, node) for node in stopped))
        await asyncio.to_thread(rabbit_cluster.wait_members, 3)
        started = time.monotonic()
        await _ready(cluster_system, timeout=180)
        return time.monotonic() - started

    async def at(done: int) -> None:
        nonlocal fault
        accepted_at.append(time.monotonic())
        if done == STREAM // 5 and fault is None:
            fault = asyncio.create_task(lose_majority())

    bodies, errors = await drive_registrations(
        cluster_system, admin, board, STREAM, on_progress=paced(40, at)
    )
    assert fault is not None
    recovery = await fault
    during = [t for t in accepted_at if window["lost"] <= t <= window["back"]]
    gaps = [b - a for a, b in zip([window["lost"], *during], [*during, window["back"]], strict=True)]
    report = await settle_and_check(cluster_system, cluster_smtp, bodies, "majority_lost_20s", timeout=300)
    held = await _nothing_held(cluster_system, rabbit_cluster)
    _record(
        report,
        errors,
        recovery,
        "from the two nodes back in the cluster to every service ready (consumers attached)",
        accepted_while_majority_lost=len(during),
        longest_gap_between_acceptances_seconds=round(max(gaps), 2),
        longest_gap_starts_after_seconds=round(
            [window["lost"], *during][gaps.index(max(gaps))] - window["lost"], 1
        ),
        slowest_healthz_in_window_seconds=round(
            max((d for t, d in healthz if window["lost"] <= t <= window["back"]), default=0.0), 2
        ),
        majority_lost_seconds=round(window["back"] - window["lost"], 1),
        left_unacked=sum(c["messages_unacknowledged"] for c in held.values()),
        queues_after=held,
    )
    _clean(report)
    assert all(c["messages"] == 0 and c["consumers"] == 1 for c in held.values()), held
    # HTTP kept accepting into the outbox while the cluster had no majority: registrations were
    # accepted all through the window (never a pause of 5 s), and none was refused at any time.
    assert during and max(gaps) < 5, (len(during), max(gaps))
    assert not errors, errors


async def test_rolling_restart_of_the_three_nodes(
    cluster_system: System, rabbit_cluster: RabbitCluster, cluster_smtp: SmtpServer, token
):
    admin = token("province_admin")
    board = _board(cluster_system, admin)
    fault: asyncio.Task[float] | None = None

    async def roll() -> float:
        longest = 0.0
        for node in rabbit_cluster.nodes:
            await asyncio.to_thread(node.stop)
            await asyncio.to_thread(rabbit_cluster.restart_node, node)
            await asyncio.to_thread(rabbit_cluster.wait_members, 3)
            longest = max(longest, await _ready(cluster_system, timeout=180))
        return longest

    async def at(done: int) -> None:
        nonlocal fault
        if done == STREAM // 10 and fault is None:
            fault = asyncio.create_task(roll())

    bodies, errors = await drive_registrations(
        cluster_system, admin, board, STREAM, on_progress=paced(40, at)
    )
    assert fault is not None
    recovery = await fault
    report = await settle_and_check(cluster_system, cluster_smtp, bodies, "rolling_restart", timeout=300)
    held = await _nothing_held(cluster_system, rabbit_cluster)
    _record(
        report,
        errors,
        recovery,
        "longest time from a node back in the cluster to every service ready",
        left_unacked=sum(c["messages_unacknowledged"] for c in held.values()),
        queues_after=held,
    )
    _clean(report)
    assert all(c["messages"] == 0 and c["consumers"] == 1 for c in held.values()), held


async def test_database_primary_stopped_and_standby_promoted(
    replicated_db_system: System, pg_pair: PostgresPair, cluster_smtp: SmtpServer, token
):
    """The primary stops hard mid-stream (``-m immediate``) and the synchronous standby is promoted:
    services follow the writable server through their multi-host address, without a restart; HTTP
    answers 503 meanwhile, the client retries, nothing committed is lost."""
    system = replicated_db_system
    assert pg_pair.primary is not None and pg_pair.replica is not None
    admin = token("province_admin")
    board = _board(system, admin)
    fault: asyncio.Task[float] | None = None
    pids = {s: system.processes[s].process.pid for s in SERVICES}  # type: ignore[union-attr]

    async def fail_over() -> float:
        started = time.monotonic()
        await asyncio.to_thread(pg_pair.primary.stop, "immediate")  # type: ignore[union-attr]
        await asyncio.to_thread(pg_pair.promote_replica)
        await _ready(system, timeout=120)
        return time.monotonic() - started

    async def at(done: int) -> None:
        nonlocal fault
        if done == STREAM // 3 and fault is None:
            fault = asyncio.create_task(fail_over())

    bodies, errors = await drive_registrations(system, admin, board, STREAM, on_progress=paced(80, at))
    assert fault is not None
    recovery = await fault
    system.infra = replace(system.infra, postgres_url=pg_pair.replica.url)  # the test's own reads follow
    report = await settle_and_check(system, cluster_smtp, bodies, "database_failover", timeout=240)
    _record(
        report,
        errors,
        recovery,
        "from the primary's stop (standby promoted at once) to every service ready on the new primary",
    )
    # SMTP joins no transaction (docs/reliability.md, "What exactly once means for email"): a message
    # the server accepted just before the primary stopped cannot be marked sent, and goes again from
    # the new primary. At most the dispatcher's concurrency (MAIL_CONCURRENCY, 8) is in flight, as
    # when notifications is killed (tests/faults). Every other effect is exactly once.
    _clean(report, allowed_duplicate_emails=8)
    # Recovered without a restart: the same processes.
    assert {s: system.processes[s].process.pid for s in SERVICES} == pids  # type: ignore[union-attr]


async def test_migrations_and_listeners_find_the_primary_through_a_multihost_url(pg_pair: PostgresPair):
    """The standby named last (asyncpg alone would keep only the last ``host`` parameter): migrations
    (which create the database and the runtime role first) and asyncpg's own connections (listeners,
    the tests' reads) land on the writable server."""
    import asyncpg

    from shared.migrations import drop_database, upgrade
    from shared.wakeup import asyncpg_dsn

    assert pg_pair.primary is not None and pg_pair.replica is not None
    hosts = f"host=127.0.0.1:{pg_pair.primary.port}&host=127.0.0.1:{pg_pair.replica.port}"
    url = f"postgresql+asyncpg://postgres@/mwc_multihost?{hosts}&target_session_attrs=read-write"
    await upgrade("matching", url)
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            assert await conn.fetchval("SELECT NOT pg_is_in_recovery()")
            assert await conn.fetchval("SELECT count(*) FROM outbox") == 0  # migrated
        finally:
            await conn.close()
    finally:
        await drop_database(url)
