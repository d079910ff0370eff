"""HTTP: registration's POST /v1/participants and GET /v1/participants against a bare FastAPI app
doing the same single INSERT / SELECT, so the ratio is what our layers cost.

Workload: registration started as a process (``System`` with only registration, fresh database,
default settings, one uvicorn worker); the bare app is FastAPI + asyncpg pool (10) in one uvicorn
process with the same uvicorn settings, writing the same fields into a plain table. The load
generator (bench/loadgen.py, raw keep-alive HTTP/1.1 in its own process) runs closed loop with 32
connections for 10 s per endpoint: requests/s and latency percentiles. Registration is profiled
with py-spy during its POST run.

    uv run python bench/bench_http.py [--seconds 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402

from bench.bench_e2e import registration_template  # noqa: E402
from bench.common import (  # noqa: E402
    ROOT,
    database_url,
    environment,
    finish_profile,
    percentiles,
    pg_connect,
    print_table,
    ratio,
    spawn_python,
    start_profile,
    unique_prefix,
    write_result,
)
from shared.auth import mint_token  # noqa: E402
from shared.migrations import drop_database, ensure_database  # noqa: E402
from shared.settings import ServiceSettings  # noqa: E402
from shared.testing.infrastructure import provide  # noqa: E402
from shared.testing.processes import TEST_JWT_SECRET, System  # noqa: E402
from shared.testing.smtp_sink import free_port  # noqa: E402
from shared.wakeup import asyncpg_dsn  # noqa: E402

BARE_TABLE = (
    "CREATE TABLE participants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), board text NOT NULL, "
    "program_year text NOT NULL, hr_id text NOT NULL, role text NOT NULL, given_name text NOT NULL, "
    "family_name text NOT NULL, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), "
    "UNIQUE (board, program_year, hr_id))"
)


def bare_app(db_url: str) -> Any:
    """The floor: FastAPI, one INSERT or one SELECT on an asyncpg pool, JSON in and out."""
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(asyncpg_dsn(db_url), min_size=10, max_size=10)
        yield
        await state["pool"].close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/participants", status_code=201)
    async def create(request: Request) -> dict[str, Any]:
        body = await request.json()
        row = await state["pool"].fetchrow(
            "INSERT INTO participants (board, program_year, hr_id, role, given_name, family_name, email) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at",
            body["board"],
            body["program_year"],
            body["hr_id"],
            body["role"],
            body["given_name"],
            body["family_name"],
            body["email"],
        )
        return {**body, "id": str(row["id"]), "created_at": row["created_at"].isoformat()}

    @app.get("/v1/participants")
    async def list_(limit: int = 50) -> dict[str, Any]:
        rows = await state["pool"].fetch("SELECT * FROM participants ORDER BY created_at, id LIMIT $1", limit)
        return {
            "items": [
                {**dict(r), "id": str(r["id"]), "created_at": r["created_at"].isoformat()} for r in rows
            ]
        }

    return app


def run_bare(port: int, db_url: str) -> None:
    import uvicorn

    # The same uvicorn settings as shared.runtime.serve.
    uvicorn.run(bare_app(db_url), host="127.0.0.1", port=port, log_config=None, access_log=False)


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(url)


async def load(
    url: str,
    method: str,
    path: str,
    seconds: float,
    connections: int,
    token: str | None,
    template: str | None,
) -> dict[str, Any]:
    out = Path(f"/tmp/bench_http_{time.monotonic_ns()}.json")
    args = [str(ROOT / "bench" / "loadgen.py"), "--url", url, "--mode", "closed", "--seconds", str(seconds)]
    args += ["--connections", str(connections), "--method", method, "--path", path, "--out", str(out)]
    if token:
        args += ["--token", token]
    if template:
        args += ["--body-template", template]
    proc = spawn_python(args)
    await asyncio.get_running_loop().run_in_executor(None, proc.wait)
    results = json.loads(out.read_text())["results"]  # noqa: ASYNC240 - small file, loop idle
    out.unlink()  # noqa: ASYNC240
    ok = [r for r in results if 200 <= r[4] < 300]
    span = max(r[3] for r in results) - min(r[2] for r in results)
    statuses: dict[str, int] = {}
    for r in results:
        statuses[str(r[4])] = statuses.get(str(r[4]), 0) + 1
    return {"rate": len(ok) / span, "statuses": statuses, **percentiles(r[3] - r[2] for r in ok)}


async def main(seconds: float, connections: int) -> dict[str, Any]:
    prefix = unique_prefix("http")
    started_run = time.perf_counter()
    bare_db = database_url(f"{prefix}_bare")
    await ensure_database(bare_db)
    conn = await pg_connect(bare_db)
    await conn.execute(BARE_TABLE)
    await conn.close()
    port = free_port()
    bare = spawn_python([__file__, "--role", "bare", "--port", str(port), "--db", bare_db])
    results: dict[str, dict[str, Any]] = {}
    profile = None
    with provide() as infra:
        system = System(
            infra=infra, prefix=prefix, log_dir=ROOT / ".run" / "bench-logs" / prefix, smtp_port=free_port()
        )
        try:
            await system.migrate(("registration",))
            await asyncio.get_running_loop().run_in_executor(None, system.start, ("registration",))
            await asyncio.get_running_loop().run_in_executor(None, wait_http, f"http://127.0.0.1:{port}/docs")
            token = mint_token(
                ServiceSettings(jwt_secret=TEST_JWT_SECRET, mentorweb_env="test"),
                subject="bench",
                roles=["province_admin"],
            )
            board = f"B{prefix[-6:].upper()}"
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(
                    f"{system.url('registration')}/v1/boards",
                    json={"code": board, "name": "Bench District School Board"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                response.raise_for_status()
            ours_url, bare_url = system.url("registration"), f"http://127.0.0.1:{port}"
            get_path = f"/v1/participants?board={board}&limit=50"
            # Alternate bare and ours so a neighbour's load drifting over time hits both alike.
            results["bare POST"] = await load(
                bare_url,
                "POST",
                "/v1/participants",
                seconds,
                connections,
                None,
                registration_template(board, "bare"),
            )
            pid = system.processes["registration"].process.pid  # type: ignore[union-attr]
            profiler = start_profile(pid, "http_registration_post", max(seconds - 2, 1))
            results["ours POST"] = await load(
                ours_url,
                "POST",
                "/v1/participants",
                seconds,
                connections,
                token,
                registration_template(board, "ours"),
            )
            profile = finish_profile(profiler, "http_registration_post")
            results["bare GET"] = await load(
                bare_url, "GET", "/v1/participants?limit=50", seconds, connections, None, None
            )
            results["ours GET"] = await load(ours_url, "GET", get_path, seconds, connections, token, None)
        finally:
            await asyncio.get_running_loop().run_in_executor(None, system.stop)
            bare.terminate()
            bare.wait(timeout=20)
            await system.destroy()
            await drop_database(bare_db)

    rows = [
        {
            "name": f"{name} ({'FastAPI+asyncpg, 1 statement' if name.startswith('bare') else 'registration service'})",
            **{k: v for k, v in figures.items() if k != "statuses"},
        }
        for name, figures in results.items()
    ]
    for row in rows:
        row["rate"] = round(row["rate"], 1)
    ratios = {
        "POST ours/bare req/s": ratio(results["ours POST"]["rate"], results["bare POST"]["rate"]),
        "GET ours/bare req/s": ratio(results["ours GET"]["rate"], results["bare GET"]["rate"]),
        "POST p99 ours/bare": ratio(results["ours POST"]["p99_ms"], results["bare POST"]["p99_ms"]),
        "GET p99 ours/bare": ratio(results["ours GET"]["p99_ms"], results["bare GET"]["p99_ms"]),
    }
    return {
        "scenario": "http",
        "title": "HTTP: registration vs a bare FastAPI endpoint",
        "workload": (
            f"closed loop, {connections} keep-alive connections, {seconds:.0f} s per endpoint, load generator in its own "
            "process (bench/loadgen.py). Ours: POST /v1/participants (validation, auth, board check, ORM insert, "
            "outbox row, commit) and GET /v1/participants?board=…&limit=50 (count + page). Bare: FastAPI + asyncpg, one "
            "INSERT … RETURNING / one SELECT … LIMIT 50 on a plain table, same uvicorn settings."
        ),
        "rows": rows,
        "ratios": ratios,
        "targets": [],
        "statuses": {name: figures["statuses"] for name, figures in results.items()},
        "profile": profile,
        "environment": environment(),
        "elapsed_s": round(time.perf_counter() - started_run, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--role", default="main", choices=["main", "bare"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.role == "bare":
        run_bare(args.port, args.db)
    else:
        result = asyncio.run(main(args.seconds, args.connections))
        print_table(result["title"], result["rows"], result["ratios"], result["targets"])
        write_result("http", result)
