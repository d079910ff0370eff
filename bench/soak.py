"""Soak: a steady stream of registrations for a long while, every service's resources sampled each 10 s.

    make soak                      # 30 minutes at 50 registrations/s (the issue's goal)
    make soak MINUTES=5 RATE=20    # shorter, said so in the results and the docs

The four services run as processes on the local RabbitMQ and PostgreSQL (their own bus prefix and
databases), with bus pruning on a short horizon (``--horizon``, default 120 s, pruned every 30 s) so
that the outbox and inbox reach their bound within the run. Each sample: every service's resident
memory and open sockets, its queue depth, its outbox backlog (pending rows) and its outbox and inbox
sizes. Results go to bench/results/soak.json, a chart to bench/results/soak.png, and the figures to
docs/reliability.md between the ``soak`` markers (generated, never typed by hand).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.auth import mint_token  # noqa: E402
from shared.migrations import SERVICES  # noqa: E402
from shared.testing.fixtures import test_settings  # noqa: E402
from shared.testing.helpers import auth, unique_board  # noqa: E402
from shared.testing.infrastructure import provide  # noqa: E402
from shared.testing.processes import TEST_RUNTIME_DB_PASSWORD, System  # noqa: E402
from shared.testing.smtp_sink import SmtpServer  # noqa: E402
from shared.wakeup import asyncpg_dsn  # noqa: E402
from tests.faults.harness import registration  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "soak.json"
CHART = ROOT / "bench" / "results" / "soak.png"
DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- soak:begin -->", "<!-- soak:end -->"
PRUNE_INTERVAL = 30.0


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    return round(kib / 1024, 1)


def _sockets(pid: int) -> int:
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                count += 1
    return count


async def _sample(
    system: System, broker: aio_pika.abc.AbstractConnection, started: float, sent: dict[str, int]
) -> dict[str, Any]:
    sample: dict[str, Any] = {
        "t": round(time.monotonic() - started, 1),
        "accepted": sent["ok"],
        "refused": sent["refused"],
    }
    for service in SERVICES:
        proc = system.processes[service].process
        assert proc is not None
        row: dict[str, Any] = {"rss_mib": _rss_mib(proc.pid), "sockets": _sockets(proc.pid)}
        channel = await broker.channel()
        try:
            queue = await channel.declare_queue(f"{system.prefix}.{service}", passive=True)
            row["queue_depth"] = queue.declaration_result.message_count or 0
        except aio_pika.exceptions.ChannelClosed:
            row["queue_depth"] = None  # a service without a queue
        with contextlib.suppress(Exception):
            await channel.close()
        conn = await asyncpg.connect(asyncpg_dsn(system.database_url(service)))
        try:
            row["outbox_pending"] = await conn.fetchval("SELECT count(*) FROM outbox WHERE state = 'pending'")
            row["outbox_rows"] = await conn.fetchval("SELECT count(*) FROM outbox")
            row["inbox_rows"] = await conn.fetchval("SELECT count(*) FROM inbox")
        finally:
            await conn.close()
        sample[service] = row
    return sample


async def soak(rate: float, minutes: float, horizon: float) -> dict[str, Any]:
    smtp = SmtpServer().start()
    os.environ.setdefault("RUNTIME_DATABASE_PASSWORD", TEST_RUNTIME_DB_PASSWORD)
    with provide() as infra:
        prefix = f"mws{secrets.token_hex(3)}"
        system = System(
            infra=infra,
            prefix=prefix,
            log_dir=ROOT / ".run" / "test-logs" / prefix,
            smtp_port=smtp.port,
            extra_env={
                "MAIL_RETRY_BASE_SECONDS": "0.5",
                "BUS_PRUNE_HORIZON_SECONDS": str(horizon),
                "BUS_PRUNE_INTERVAL_SECONDS": str(PRUNE_INTERVAL),
            },
        )
        await system.migrate()
        system.start()
        samples: list[dict[str, Any]] = []
        sent = {"ok": 0, "refused": 0}
        try:
            admin = mint_token(
                test_settings(), subject="soak", roles=["province_admin"], board=None, participant_id=None
            )
            board = unique_board()
            async with httpx.AsyncClient(base_url=system.url("registration"), timeout=30) as client:
                response = await client.post(
                    "/v1/boards", json={"code": board, "name": f"{board} DSB"}, headers=auth(admin)
                )
                assert response.status_code == 201, response.text
                broker = await aio_pika.connect(infra.rabbitmq_url)
                run = secrets.token_hex(3)
                limit = asyncio.Semaphore(64)
                started = time.monotonic()
                duration = minutes * 60

                async def post(n: int) -> None:
                    async with limit:
                        try:
                            r = await client.post(
                                "/v1/participants", json=registration(board, n, run), headers=auth(admin)
                            )
                            sent["ok" if r.status_code == 201 else "refused"] += 1
                        except httpx.HTTPError:
                            sent["refused"] += 1

                async def sampler() -> None:
                    while time.monotonic() - started < duration:
                        samples.append(await _sample(system, broker, started, sent))
                        print(
                            json.dumps(
                                samples[-1]["registration"] | {"t": samples[-1]["t"], "accepted": sent["ok"]}
                            ),
                            flush=True,
                        )
                        await asyncio.sleep(10)

                sampling = asyncio.create_task(sampler())
                tasks: set[asyncio.Task[None]] = set()
                n = 0
                while (now := time.monotonic() - started) < duration:
                    due = int(now * rate)
                    while n < due:
                        task = asyncio.create_task(post(n))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                        n += 1
                    await asyncio.sleep(0.02)
                await asyncio.gather(*tasks)
                await sampling
                samples.append(await _sample(system, broker, started, sent))
                await broker.close()
        finally:
            system.stop()
            await system.destroy()
            smtp.stop()
    return {
        "rate_target": rate,
        "minutes": minutes,
        "horizon_seconds": horizon,
        "prune_interval_seconds": PRUNE_INTERVAL,
        "registrations_sent": n,
        "accepted": sent["ok"],
        "refused": sent["refused"],
        "samples": samples,
    }


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """Growth after warm-up (the first fifth of the run) and the peaks, per service."""
    samples = result["samples"]
    warm = [s for s in samples if s["t"] >= result["minutes"] * 60 / 5] or samples
    accepted_rate = result["accepted"] / (result["minutes"] * 60)
    # Rows the tables may hold at most: what arrives during the horizon plus one pruning interval
    # (each registration writes at most a few outbox rows and inbox entries per service; x3 margin).
    bound = int(3 * max(accepted_rate, 1) * (result["horizon_seconds"] + result["prune_interval_seconds"]))
    per: dict[str, Any] = {}
    for service in SERVICES:
        rss = [s[service]["rss_mib"] for s in warm]
        per[service] = {
            "rss_after_warmup_mib": rss[0],
            "rss_end_mib": rss[-1],
            "rss_growth_mib": round(rss[-1] - rss[0], 1),
            "sockets_max": max(s[service]["sockets"] for s in samples),
            "queue_depth_max": max((s[service]["queue_depth"] or 0) for s in samples),
            "outbox_pending_max": max(s[service]["outbox_pending"] for s in samples),
            "outbox_rows_max": max(s[service]["outbox_rows"] for s in samples),
            "inbox_rows_max": max(s[service]["inbox_rows"] for s in samples),
        }
    return {"accepted_per_second": round(accepted_rate, 1), "table_bound_rows": bound, "services": per}


def render_chart(result: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = result["samples"]
    t = [s["t"] / 60 for s in samples]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    panels = (
        (axes[0][0], "rss_mib", "resident memory (MiB)"),
        (axes[0][1], "sockets", "open sockets"),
        (axes[1][0], "outbox_pending", "outbox backlog (pending rows) and queue depth"),
        (axes[1][1], "outbox_rows", "outbox rows (solid) and inbox entries (dashed)"),
    )
    for ax, key, title in panels:
        for service in SERVICES:
            (line,) = ax.plot(t, [s[service][key] or 0 for s in samples], label=service)
            if key == "outbox_pending":
                ax.plot(
                    t,
                    [s[service]["queue_depth"] or 0 for s in samples],
                    linestyle=":",
                    color=line.get_color(),
                )
            if key == "outbox_rows":
                ax.plot(
                    t, [s[service]["inbox_rows"] for s in samples], linestyle="--", color=line.get_color()
                )
        if key == "outbox_rows":
            ax.axhline(result["summary"]["table_bound_rows"], color="black", linewidth=0.8, label="bound")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("minutes", fontsize=8)
        ax.legend(fontsize=7)
    fig.suptitle(
        f"Soak: {result['minutes']} min at {result['rate_target']}/s target "
        f"({result['summary']['accepted_per_second']}/s accepted), pruning horizon {result['horizon_seconds']:.0f} s"
    )
    fig.tight_layout()
    fig.savefig(CHART, dpi=90)


def render_doc(result: dict[str, Any]) -> None:
    s = result["summary"]
    lines = [
        f"Last run: **{result['minutes']} minutes** at a target of {result['rate_target']} registrations/s "
        f"({s['accepted_per_second']}/s accepted, {result['accepted']} in all, {result['refused']} refused), "
        f"pruning horizon {result['horizon_seconds']:.0f} s every {result['prune_interval_seconds']:.0f} s; "
        f"table bound {s['table_bound_rows']} rows (`bench/results/soak.json`).",
        "",
        "![soak](../bench/results/soak.png)",
        "",
        "| service | RSS after warm-up (MiB) | RSS at end (MiB) | growth (MiB) | sockets (max) | queue depth (max) | outbox backlog (max) | outbox rows (max) | inbox entries (max) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for service, r in s["services"].items():
        lines.append(
            f"| {service} | {r['rss_after_warmup_mib']} | {r['rss_end_mib']} | {r['rss_growth_mib']} | "
            f"{r['sockets_max']} | {r['queue_depth_max']} | {r['outbox_pending_max']} | {r['outbox_rows_max']} | "
            f"{r['inbox_rows_max']} |"
        )
    text = DOC.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(f"{head}{BEGIN}\n" + "\n".join(lines) + f"\n{END}{tail}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--horizon", type=float, default=120.0)
    parser.add_argument("--render-only", action="store_true", help="render the last results again")
    args = parser.parse_args()
    if args.render_only:
        result = json.loads(RESULTS.read_text())
    else:
        result = asyncio.run(soak(args.rate, args.minutes, args.horizon))
        result["summary"] = summary(result)
        RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    render_chart(result)
    render_doc(result)
    print(json.dumps(result["summary"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
