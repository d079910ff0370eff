"""Scale-out by design: two replicas of every service, as separate processes on the same RabbitMQ and
PostgreSQL. Every effect happens exactly once, both replicas do work, and killing one mid-stream
loses nothing."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import httpx
import pytest

from shared.migrations import SERVICES
from shared.testing.helpers import unique_board
from shared.testing.processes import System
from shared.testing.smtp_sink import SmtpServer
from tests.e2e.helpers import create_board
from tests.faults.harness import drive_registrations, settle_and_check

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
ROOT = Path(__file__).resolve().parents[2]
STREAM = 2000


def _stats(url: str) -> dict:
    return httpx.get(f"{url}/readyz", timeout=5).json()


async def test_two_replicas_share_the_work_exactly_once(infra, token):
    smtp = SmtpServer().start()
    prefix = f"mwr{secrets.token_hex(3)}"
    system = System(
        infra=infra, prefix=prefix, log_dir=ROOT / ".run" / "test-logs" / prefix, smtp_port=smtp.port
    )
    await system.migrate()
    system.start()
    try:
        for service in SERVICES:
            system.add_replica(service, f"{service}-2")
        admin = token("province_admin")
        board = unique_board()
        with httpx.Client() as client:
            create_board(client, system.url("registration"), admin, board)
        killed: list[str] = []
        before_kill: dict[str, int] = {}

        async def kill_one(done: int) -> None:
            if done == STREAM // 4 and not killed:
                for name in ("matching-2", "notifications-2"):
                    before_kill[name] = _stats(system.processes[name].url)["handled"]
                # A node fails mid-stream: no graceful shutdown, no acks for what it held.
                system.processes["matching-2"].kill()
                system.processes["notifications-2"].kill()
                killed.extend(["matching-2", "notifications-2"])

        # Half the HTTP traffic goes to each registration replica, like a load balancer would.
        halves = await asyncio.gather(
            drive_registrations(system, admin, board, STREAM // 2, concurrency=8),
            _drive_via(system, "registration-2", admin, board, STREAM // 2, kill_one),
        )
        bodies = [b for half, _ in halves for b in half]
        report = await settle_and_check(system, smtp, bodies, "two_replicas_one_killed", timeout=180)
        report.notes = f"killed mid-stream: {killed}"
        report.save()
        assert report.known_to_matching == len(bodies) and report.lost == 0, report
        assert (
            report.welcome_emails == len(bodies) + report.duplicate_emails and report.duplicate_emails <= 8
        ), report
        assert report.outbox_pending == 0 and sum(report.queue_depths.values()) == 0, report
        # Both replicas did work: both registration relays published, both consumers of the survivors handled.
        assert _stats(system.url("registration"))["published"] > 0
        assert _stats(system.processes["registration-2"].url)["published"] > 0
        assert _stats(system.url("matching"))["handled"] > 0 and before_kill["matching-2"] > 0, before_kill
        assert _stats(system.url("notifications"))["handled"] > 0 and before_kill["notifications-2"] > 0
        report.notes += f"; handled before the kill: {before_kill}"
        report.save()
        assert killed == ["matching-2", "notifications-2"]
    finally:
        system.stop()
        smtp.stop()
        await system.destroy()


async def _drive_via(system: System, name: str, token: str, board: str, count: int, on_progress):
    # drive_registrations talks to view.url("registration"): a view whose registration is the replica.
    view = System(
        infra=system.infra, prefix=system.prefix, log_dir=system.log_dir, smtp_port=system.smtp_port
    )
    view.processes = {"registration": system.processes[name]}
    return await drive_registrations(view, token, board, count, concurrency=8, on_progress=on_progress)
