"""Bulk import throughput: 50,000 participants through the import path vs a bare COPY, in one run.

The import path is the real one minus the HTTP upload: the file is queued as the API queues it
(``submit_import``) and an :class:`ImportWorker` claims and processes it (decode, parse, validate,
1,000-row chunks of set-based upserts with their outbox events and row errors, progress cursor).
The baseline loads the same rows, already parsed, with asyncpg's ``copy_records_to_table`` into a
scratch copy of the participants table. Figures are reported as a ratio so machines compare.

    uv run python bench/bench_import.py [--rows 50000] [--chunk 1000]

Needs the local PostgreSQL (DATABASE_URL-style URL in BENCH_DATABASE_URL, default 127.0.0.1:5432).
Writes bench/results/import.json.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import platform
import random
import secrets
import time
import uuid
from pathlib import Path

import asyncpg
import sqlalchemy as sa

from services.registration.adapters.import_queue import ImportQueue
from services.registration.adapters.tables import Board
from services.registration.config import Settings
from services.registration.service_layer.importing import ImportWorker, submit_import
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.events.vocabulary import DEFAULT_THEMES, GRADE_BANDS
from shared.migrations import drop_database, upgrade
from shared.wakeup import asyncpg_dsn

ROOT = Path(__file__).resolve().parents[1]
HEADER = [
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
GIVEN = ["Zoé", "Amélie", "François", "Noah", "Aanya", "Liam", "Chloé", "Étienne", "Maya", "Olivier"]
FAMILY = ["Tremblay", "Côté", "Gagnon", "Nguyen", "Singh", "Roy", "Smith", "Bélanger", "Lavoie", "Okafor"]
SUBJECTS = ["Mathematics", "Core French", "Arts", "Science", "Language", "Kindergarten", "Music"]


def make_csv(rows: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    themes = sorted(DEFAULT_THEMES)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(rows):
        mentor = n % 8 == 0
        writer.writerow(
            [
                f"E{n:06d}",
                "mentor" if mentor else ("new_school_leader" if n % 23 == 0 else "beginning_teacher"),
                rng.choice(GIVEN),
                f"{rng.choice(FAMILY)}-{n}",
                f"person{n}@board.example.org",
                rng.choice(["en", "fr"]),
                f"School {n % 150}",
                rng.choice(GRADE_BANDS),
                ";".join(rng.sample(SUBJECTS, 2)),
                "" if mentor else ";".join(rng.sample(themes, 2)),
                "" if mentor else "Plan lessons that reach every learner; use assessment for learning.",
                ";".join(rng.sample(themes, 3)) if mentor else "",
                "true" if mentor else "false",
                "2" if mentor else "0",
            ]
        )
    return out.getvalue().encode()


def copy_records(content: bytes, board: str, program_year: str) -> list[tuple[object, ...]]:
    """The same rows as tuples in participants' column order, ready for COPY."""
    reader = csv.DictReader(io.StringIO(content.decode()))
    records = []
    for r in reader:
        mentor = r["role"] == "mentor"
        records.append(
            (
                uuid.uuid4(),
                board,
                program_year,
                r["hr_id"],
                r["role"],
                r["given_name"],
                r["family_name"],
                r["email"],
                r["language"],
                r["school"],
                r["grade_band"],
                r["subjects"].split(";"),
                r["themes"].split(";") if r["themes"] else [],
                r["learning_goals"] or None,
                r["expertise_themes"].split(";") if r["expertise_themes"] else [],
                mentor,
                int(r["hub_capacity"]),
            )
        )
    return records


COPY_COLUMNS = [
    "id",
    "board",
    "program_year",
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


async def run_import(
    worker: ImportWorker, factory, board: str, content: bytes, year: str
) -> tuple[float, dict]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    async with UnitOfWork(factory, board=board) as uow:
        job = await submit_import(
            uow,
            board=board,
            content=content,
            filename="bench.csv",
            requested_format=None,
            program_year=year,
            submitted_by="bench",
        )
        await uow.commit()
    assert await worker.run_once(), "the worker found no queued import"
    elapsed = time.perf_counter() - started
    async with factory() as session:
        row = (
            (await session.execute(sa.text("SELECT * FROM imports WHERE id = :id"), {"id": job.id}))
            .mappings()
            .one()
        )
    return elapsed, dict(row)


async def main(rows: int, chunk: int) -> dict[str, object]:
    base = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    url = base.rsplit("/", 1)[0] + f"/mentorweb_bench_import_{secrets.token_hex(3)}"
    await upgrade("registration", url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    settings = Settings(database_url=url, import_chunk_size=chunk)
    worker = ImportWorker(settings, ImportQueue(engine, factory))
    board, year = "BENCH", "2026-2027"
    try:
        async with UnitOfWork(factory) as uow:
            uow.session.add(Board(code=board, name="Bench DSB"))
            await uow.commit()
        content = make_csv(rows)

        first, first_row = await run_import(worker, factory, board, content, year)
        again, again_row = await run_import(worker, factory, board, content, year)
        assert first_row["created_count"] == rows and first_row["failed_rows"] == 0, first_row
        assert again_row["unchanged_count"] == rows, again_row

        records = copy_records(content, board, year)
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await conn.execute("CREATE TABLE bench_copy (LIKE participants INCLUDING DEFAULTS)")
            started = time.perf_counter()
            await conn.copy_records_to_table("bench_copy", records=records, columns=COPY_COLUMNS)
            copy_seconds = time.perf_counter() - started
            outbox = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE event_type <> 'ParticipantsCounted'"
            )
            pg_version = await conn.fetchval("SHOW server_version")
        finally:
            await conn.close()
        assert outbox == rows, f"{outbox} outbox rows for {rows} new participants"
    finally:
        await engine.dispose()
        await drop_database(url)

    result: dict[str, object] = {
        "rows": rows,
        "chunk_size": chunk,
        "import_seconds": round(first, 3),
        "import_rows_per_s": round(rows / first),
        "reimport_seconds": round(again, 3),
        "reimport_rows_per_s": round(rows / again),
        "copy_seconds": round(copy_seconds, 3),
        "copy_rows_per_s": round(rows / copy_seconds),
        "import_vs_copy_ratio": round((rows / first) / (rows / copy_seconds), 4),
        "copy_is_x_times_faster": round(first / copy_seconds, 1),
        "outbox_events": outbox,
        "postgres": pg_version,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--chunk", type=int, default=1000)
    args = parser.parse_args()
    figures = asyncio.run(main(args.rows, args.chunk))
    print(
        f"import  {figures['rows']} rows: {figures['import_seconds']:>7}s  {figures['import_rows_per_s']:>8} rows/s"
        f"  (+{figures['outbox_events']} outbox events)"
    )
    print(
        f"re-import (no change):    {figures['reimport_seconds']:>7}s  {figures['reimport_rows_per_s']:>8} rows/s"
    )
    print(
        f"bare COPY {figures['rows']} rows:  {figures['copy_seconds']:>7}s  {figures['copy_rows_per_s']:>8} rows/s"
    )
    print(
        f"ratio import/COPY: {figures['import_vs_copy_ratio']} "
        f"(COPY is {figures['copy_is_x_times_faster']}x faster)"
    )
    out = ROOT / "bench" / "results" / "import.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    figures["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
