"""Server time per console page (p50, p95) beside the time of the API calls it makes, on the sample board
and on a large board (default 2,000 teachers, ~300 hubs), with the five services running as processes
on the local RabbitMQ and PostgreSQL.

The console reports its own time and its API calls' wall time in a Server-Timing header
(``total;dur=…, api;dur=…``); the overhead ratio is total / api (1.0 = the console adds nothing).

    uv run python bench/bench_console.py [--teachers 2000] [--mentors 640] [--requests 30]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import random
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, ROOT, measured_at, unique_prefix  # noqa: E402
from services.console.tests.helpers import (  # noqa: E402
    ConsoleClient,
    admin_token,
    load_board,
    wait_until_matching_knows,
)
from shared.testing.helpers import auth  # noqa: E402
from shared.testing.infrastructure import provide  # noqa: E402
from shared.testing.processes import System  # noqa: E402
from shared.testing.smtp_sink import SmtpServer  # noqa: E402
from tools import sample_board  # noqa: E402

TIMING = re.compile(r"(\w+);dur=([\d.]+)")


def large_board_csv(code: str, teachers: int, mentors: int, seed: int = 7) -> bytes:
    """A board of ``teachers`` beginning teachers and ``mentors`` trained mentors over the sample's themes."""
    rng = random.Random(seed)
    out = io.StringIO()
    fields = [
        "hr_id",
        "role",
        "given_name",
        "family_name",
        "email",
        "language",
        "school",
        "grade_band",
        "subjects",
        "themes",
        "learning_goals",
        "expertise_themes",
        "trained",
        "hub_capacity",
    ]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    schools = [f"School {n:03d}" for n in range(120)]
    for n in range(teachers):
        theme, band, subjects, goal = sample_board.CLUSTERS[n % len(sample_board.CLUSTERS)]
        writer.writerow(
            {
                "hr_id": f"{code}-T{n:05d}",
                "role": "beginning_teacher",
                "given_name": rng.choice(sample_board.GIVEN),
                "family_name": rng.choice(sample_board.FAMILY),
                "email": f"t{n}@{code.lower()}.example.org",
                "language": "fr" if theme == "french_second_language" else "en",
                "school": rng.choice(schools),
                "grade_band": band,
                "subjects": ";".join(subjects),
                "themes": theme,
                "learning_goals": goal,
            }
        )
    for n in range(mentors):
        theme, band, subjects, _ = sample_board.CLUSTERS[n % len(sample_board.CLUSTERS)]
        writer.writerow(
            {
                "hr_id": f"{code}-M{n:05d}",
                "role": "mentor",
                "given_name": rng.choice(sample_board.GIVEN),
                "family_name": rng.choice(sample_board.FAMILY),
                "email": f"m{n}@{code.lower()}.example.org",
                "language": "fr" if theme == "french_second_language" else "en",
                "school": rng.choice(schools),
                "grade_band": band,
                "subjects": ";".join(subjects),
                "expertise_themes": f"{theme};classroom_management",
                "trained": "true",
                "hub_capacity": "1",
            }
        )
    return out.getvalue().encode()


def import_board(registration: str, admin: str, teachers: int, mentors: int) -> str:
    code = f"BIG{random.randrange(16**6):06X}"
    with httpx.Client(base_url=registration, headers=auth(admin), timeout=120) as client:
        board = {**sample_board.BOARD, "code": code, "name": f"Large board {code}"}
        assert client.post("/v1/boards", json=board).status_code == 201
        submitted = client.post(
            "/v1/imports",
            files={"file": ("board.csv", large_board_csv(code, teachers, mentors), "text/csv")},
            data={"board": code, "program_year": sample_board.PROGRAM_YEAR, "format": "mentorweb_csv"},
        )
        assert submitted.status_code == 202, submitted.text
        location = submitted.headers["location"]
        while True:
            state = client.get(location).json()
            if state["state"] in ("completed", "failed"):
                counts = {k: v for k, v in state.items() if k.endswith("_count") or k == "failed_rows"}
                print(f"  import {state['state']}: {json.dumps(counts)}")
                assert state["state"] == "completed"
                return code
            time.sleep(1)


def run_matching(registration: str, matching: str, admin: str, code: str, last_hr_id: str) -> None:
    """Wait until matching has heard of the board's last registered person (events), then run it once."""
    with httpx.Client(headers=auth(admin), timeout=1800) as client:
        found = client.get(
            f"{registration}/v1/participant-search", params={"board": code, "q": last_hr_id}
        ).json()
        last = found["items"][0]["id"]
        wait_until_matching_knows(matching, admin, [last], timeout=1800)
        started = time.perf_counter()
        run = client.post(
            f"{matching}/v1/boards/{code}/program-years/{sample_board.PROGRAM_YEAR}/matching-runs"
        )
        assert run.status_code == 201, run.text
        print(f"  matching run in {time.perf_counter() - started:.0f} s: {run.json()['counts']}")


def measure(client: ConsoleClient, path: str, requests: int) -> dict[str, Any]:
    totals, apis, wall, failures = [], [], [], []
    client.get(path)  # warm
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        wall.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            failures.append(response.status_code)
            continue
        timing = dict(TIMING.findall(response.headers["server-timing"]))
        totals.append(float(timing["total"]))
        apis.append(float(timing["api"]))
    p = lambda xs, q: float(np.percentile(xs, q)) if xs else float("nan")  # noqa: E731
    return {
        "page": path,
        "failures": failures,
        "server_p50_ms": round(p(totals, 50), 1),
        "server_p95_ms": round(p(totals, 95), 1),
        "api_p50_ms": round(p(apis, 50), 1),
        "api_p95_ms": round(p(apis, 95), 1),
        "overhead_ratio_p50": round(p(totals, 50) / max(p(apis, 50), 0.001), 2),
        "client_p50_ms": round(p(wall, 50), 1),
    }


def pages(code: str, hr_id: str) -> list[str]:
    return [
        f"/boards/{code}",
        f"/boards/{code}/people",
        f"/boards/{code}/people?q={hr_id}",
        f"/boards/{code}/hubs",
    ]


async def main() -> None:
    # A TERM (e.g. `timeout`) unwinds through the finally below: services stopped, databases dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument("--mentors", type=int, default=640)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    smtp = SmtpServer().start()
    results: dict[str, Any] = {"requests_per_page": args.requests, "boards": {}}
    with provide() as infra:
        prefix = unique_prefix("console")
        system = System(
            infra=infra, prefix=prefix, log_dir=ROOT / ".run" / "bench-logs" / prefix, smtp_port=smtp.port
        )
        try:
            await system.migrate()
            await asyncio.to_thread(system.start)
            await system.start_console()
            admin = admin_token()
            sample = await asyncio.to_thread(load_board, system.url("registration"), admin)
            code = sample["board"]["code"]
            print(f"sample board {code}: {len(sample['people'])} people")
            last = sample["people"][-1]["hr_id"]
            await asyncio.to_thread(
                run_matching, system.url("registration"), system.url("matching"), admin, code, last
            )
            boards = [("sample", code, sample["people"][3]["hr_id"])]
            if args.teachers:
                print(f"large board: {args.teachers} teachers, {args.mentors} mentors")
                big = await asyncio.to_thread(
                    import_board, system.url("registration"), admin, args.teachers, args.mentors
                )
                last = f"{big}-M{args.mentors - 1:05d}"
                await asyncio.to_thread(
                    run_matching, system.url("registration"), system.url("matching"), admin, big, last
                )
                boards.append(("large", big, f"{big}-T00042"))
            client = ConsoleClient(system.url("console"))
            client.sign_in_dev("province")
            for name, board, hr_id in boards:
                rows = [
                    await asyncio.to_thread(measure, client, path, args.requests)
                    for path in pages(board, hr_id)
                ]
                results["boards"][name] = rows
                print(f"\n{name} board")
                for row in rows:
                    print("  " + "  ".join(f"{k}={v}" for k, v in row.items()))
            province = await asyncio.to_thread(measure, client, "/province", args.requests)
            results["province"] = province
            print("\nprovince  " + "  ".join(f"{k}={v}" for k, v in province.items()))
        finally:
            system.stop()
            await system.destroy()
            smtp.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    results["measured_at"] = measured_at()
    (RESULTS / "console.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {RESULTS / 'console.json'}")


if __name__ == "__main__":
    asyncio.run(main())
