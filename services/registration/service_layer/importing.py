"""Bulk imports: queue an uploaded file, then process it in the background, chunk by chunk.

Reliability:
- The upload is stored in the database (``import_files``) with the import row, in one transaction;
  a ``NOTIFY`` wakes the workers. Any replica's worker claims it with ``FOR UPDATE SKIP LOCKED`` and
  holds that row lock (its lease) for as long as it works; if the process dies the lock goes with
  its connection and another worker (or the restarted one) claims the file at once.
- Each chunk (``import_chunk_size`` rows) is one unit of work: set-based upserts, the row errors,
  the outbox events and the progress cursor ``next_row`` commit together. A resumed import starts
  at the cursor, so no row is applied twice and none is skipped; the cursor is checked under a row
  lock before a chunk applies (a fence against a second worker).
- Unchanged rows are not written and emit nothing: re-importing a file is a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

from services.registration.adapters.import_queue import ImportQueue
from services.registration.adapters.imports import ChunkProgress, ImportRepository
from services.registration.adapters.repository import repositories
from services.registration.adapters.tables import Import, ImportRowError
from services.registration.config import Settings
from services.registration.domain.imports import (
    ImportContext,
    ImportItem,
    ParsedImport,
    check_mentorweb_csv,
    lacks_program_year,
    parse_mentorweb_csv,
)
from services.registration.domain.oneroster import check_oneroster, oneroster_problems, parse_oneroster
from services.registration.domain.participants import is_teacher
from services.registration.domain.schools import SchoolDirectory, link_schools
from services.registration.domain.tabular import FileProblem, RowError
from services.registration.service_layer import watermarks
from services.registration.service_layer.errors import InvalidInput, NotFound
from services.registration.service_layer.registering import profile_from_row, theme_codes
from shared.db import UnitOfWork
from shared.events.envelope import IntegrationEvent
from shared.events.registration import (
    MentorRegistered,
    ParticipantUpdated,
    ParticipantWithdrawn,
    TeacherRegistered,
)
from shared.wakeup import PgWakeup

log = logging.getLogger(__name__)
tracer = trace.get_tracer("mentorweb.registration.imports")

IMPORT_CHANNEL = "mentorweb_imports"
FORMATS = ("mentorweb_csv", "oneroster")
PARSERS: dict[str, Callable[[bytes, ImportContext], ParsedImport]] = {
    "mentorweb_csv": parse_mentorweb_csv,
    "oneroster": parse_oneroster,
}
CHECKS: dict[str, Callable[[bytes], None]] = {
    "mentorweb_csv": check_mentorweb_csv,
    "oneroster": check_oneroster,
}


def detect_format(content: bytes, requested: str | None) -> str:
    """A zip is a OneRoster bundle, anything else Mentorweb's CSV; an explicit format must agree."""
    detected = "oneroster" if content[:4] == b"PK\x03\x04" else "mentorweb_csv"
    if requested and requested != detected:
        what = "a zip (OneRoster bundle)" if detected == "oneroster" else "not a zip"
        raise FileProblem(f"format is {requested} but the file is {what}")
    return detected


def upload_problems(
    content: bytes, requested_format: str | None, program_year: str | None
) -> list[tuple[str, str]]:
    """Everything wrong with an upload as a whole, at once (field, message): a format that does not
    match the file, a file that cannot be an import, a program year nobody gives."""
    problems: list[tuple[str, str]] = []
    try:
        fmt = detect_format(content, requested_format)
    except FileProblem as exc:
        return [("file", str(exc))]
    if fmt == "oneroster":
        problems += [("file", message) for message in oneroster_problems(content)]
    else:
        try:
            CHECKS[fmt](content)
        except FileProblem as exc:
            problems.append(("file", str(exc)))
    if program_year is None:
        if fmt == "oneroster":
            problems.append(("program_year", "required for a OneRoster bundle"))
        elif not problems and lacks_program_year(content):
            problems.append(
                (
                    "program_year",
                    "required: the file has no program_year column (or it is empty on every row); "
                    "give the import's program_year, e.g. 2026-2027",
                )
            )
    return problems


async def submit_import(
    uow: UnitOfWork,
    *,
    board: str,
    content: bytes,
    filename: str | None,
    requested_format: str | None,
    program_year: str | None,
    submitted_by: str,
    request_problems: Sequence[tuple[str, str]] = (),
) -> Import:
    """Check the file can be read at all (fast, at upload), store it and queue it for a worker.

    Every whole-file problem is refused now, all at once (``InvalidInput``), before it is queued."""
    repos = repositories(uow)
    problems = list(request_problems)
    if board and await repos.boards.get(board) is None:
        problems.append(("board", "unknown board"))
    named = {field for field, _ in problems}
    found = await asyncio.to_thread(upload_problems, content, requested_format, program_year)
    problems += [(field, message) for field, message in found if field not in named]
    if problems:
        raise InvalidInput(problems, "Invalid import")
    fmt = detect_format(content, requested_format)
    job = Import(
        id=uuid.uuid4(),
        created_at=datetime.now(UTC),
        board=board,
        format=fmt,
        filename=(filename or "")[:255] or None,
        program_year=program_year,
        size_bytes=len(content),
        submitted_by=submitted_by[:200],
    )
    await repos.imports.add(job, content)
    await watermarks.count_for_import(uow, board, program_year)  # an import is under way
    await repos.imports.wake_workers(IMPORT_CHANNEL)
    await uow.commit()
    await repos.imports.reload(job)
    return job


async def get_import(uow: UnitOfWork, import_id: uuid.UUID) -> Import:
    job = await repositories(uow).imports.get(import_id)
    if job is None:
        raise NotFound("import")
    return job


async def row_errors(
    uow: UnitOfWork, import_id: uuid.UUID, *, limit: int, offset: int
) -> list[ImportRowError]:
    """The rows an import refused, in file order."""
    return await repositories(uow).imports.row_errors(import_id, limit=limit, offset=offset)


async def list_imports(
    uow: UnitOfWork, *, boards: Sequence[str] | None, board: str | None, limit: int, offset: int
) -> tuple[int, list[Import]]:
    """(how many imports match, one page of them, newest first); ``boards`` None = every board."""
    return await repositories(uow).imports.page(boards=boards, board=board, limit=limit, offset=offset)


class Superseded(Exception):
    """Another worker moved this import's cursor: stop without applying anything."""


class Stopping(Exception):
    """The process is shutting down: leave the import for a worker to resume."""


@dataclass
class ChunkOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    skipped: int = 0
    failed: int = 0


class ImportWorker:
    """Claims queued imports and runs them; one import at a time per worker."""

    def __init__(self, settings: Settings, queue: ImportQueue):
        self.settings = settings
        self.queue = queue
        self.wakeup = PgWakeup(settings.database_url, IMPORT_CHANNEL)
        self._task: asyncio.Task[None] | None = None
        self.completed = 0

    async def start(self) -> None:
        self.wakeup.start()
        self._task = asyncio.create_task(self._run(), name="import-worker")

    async def stop(self) -> None:
        await self.wakeup.stop()
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                # The chunk in flight commits (or not) as a whole; the rest resumes elsewhere.
                await asyncio.wait_for(self._task, timeout=20)

    async def _run(self) -> None:
        while not self.wakeup.stopping:
            try:
                if await self.run_once():
                    continue
            except Exception as exc:  # database down, or a bug: the import is retried, the worker lives
                log.warning("import worker: %s", exc.__class__.__name__)
                await asyncio.sleep(1)
                continue
            await self.wakeup.wait(self.settings.import_poll_interval)

    async def run_once(self) -> bool:
        """Claim one queued import and run it to the end; False when there was nothing to do."""
        try:
            async with self.queue.claim() as claimed:
                if claimed is None:
                    return False
                job = await self.queue.begin(claimed.import_id)
                if job.state in ("queued", "running"):
                    if job.attempts > self.settings.import_max_attempts:
                        await self._fail(job.id, f"gave up after {job.attempts - 1} attempts")
                    else:
                        await self._process(job, claimed.content)
                        self.completed += 1
                # Done (or finished earlier by a run that died before this step): leaving the block
                # drops the bytes.
            return True
        except Stopping:
            return False

    async def _fail(self, import_id: uuid.UUID, reason: str) -> None:
        async with self.queue.unit_of_work(scope="system") as uow:
            board, program_year = await repositories(uow).imports.fail(import_id, reason)
            # No longer importing: matching may run on what the board holds.
            await watermarks.count_for_import(uow, board, program_year)
            await uow.commit()

    async def _context(self, job: Import) -> ImportContext:
        async with self.queue.unit_of_work(board=job.board) as uow:
            board = await repositories(uow).boards.get(job.board)
            themes = await theme_codes(uow)
        return ImportContext(
            board=job.board,
            program_year=job.program_year,
            known_themes=frozenset(themes),
            default_language=board.language if board else "en",
        )

    async def _process(self, job: Import, content: bytes) -> None:
        ctx = await self._context(job)
        try:
            # Off the event loop: decoding and splitting 20 MB takes a moment; rows are validated
            # lazily, chunk by chunk, below.
            parsed = await asyncio.to_thread(PARSERS[job.format], content, ctx)
        except FileProblem as exc:
            await self._fail(job.id, str(exc))
            return
        size = self.settings.import_chunk_size
        start = job.next_row
        if start:  # resuming: validate (for duplicate HR ids) but do not apply what is committed
            await asyncio.to_thread(lambda: sum(1 for _ in itertools.islice(parsed.items, start)))

        def take() -> list[ImportItem]:
            return list(itertools.islice(parsed.items, size))

        while True:
            # Validation runs in a thread so the event loop keeps serving HTTP meanwhile.
            items = await asyncio.to_thread(take)
            end = start + len(items)
            if end < parsed.total and not items:
                raise RuntimeError("the file yielded fewer rows than it counted")
            if self.wakeup.stopping:
                raise Stopping
            await self.apply_chunk(job, parsed, items, start, end)
            if end >= parsed.total:
                return
            start = end

    async def apply_chunk(
        self, job: Import, parsed: ParsedImport, items: list[ImportItem], start: int, end: int
    ) -> None:
        """Apply items [start, end) in one unit of work, with their events, errors and the cursor."""
        total = parsed.total
        with tracer.start_as_current_span(
            "import chunk",
            attributes={
                "mentorweb.import_id": str(job.id),
                "mentorweb.board": job.board,
                "rows": end - start,
            },
        ):
            async with self.queue.unit_of_work(board=job.board) as uow:
                repo = repositories(uow).imports
                cursor = await repo.cursor(job.id)
                if cursor != start:
                    raise Superseded(f"import cursor at {cursor}, expected {start}")
                errors: list[RowError] = []
                schools = 0
                if start == 0:
                    errors.extend(parsed.preamble_errors)
                    schools = await repo.upsert_schools(
                        job.board, [{"code": s.code, "name": s.name} for s in parsed.schools]
                    )
                # Each row's school becomes the board's name for it (found by code or name); a school
                # the board does not list is kept as written and reported.
                errors.extend(link_schools(items, SchoolDirectory.of(await repo.board_schools(job.board))))
                outcome, events, row_errors = await self._apply_items(repo, job, items)
                errors.extend(row_errors)
                await repo.add_row_errors(job.id, errors)
                finished = end >= total
                await repo.advance(
                    job.id,
                    ChunkProgress(
                        end=end,
                        total=total,
                        encoding=parsed.encoding,
                        created=outcome.created,
                        updated=outcome.updated,
                        unchanged=outcome.unchanged,
                        withdrawn=outcome.withdrawn,
                        skipped=outcome.skipped,
                        failed=outcome.failed,
                        # Refusals only; skipped and withdrawn rows are listed beside them.
                        refused=sum(e.outcome == "refused" for e in errors),
                        schools=schools,
                        finished=finished,
                    ),
                )
                uow.publish(*events)
                # What the board now holds (and, at the end, that the import is over), with the changes.
                await watermarks.count_after_changes(uow)
                if finished:
                    await watermarks.count_for_import(uow, job.board, job.program_year)
                await uow.commit()

    async def _apply_items(
        self, repo: ImportRepository, job: Import, items: Sequence[Any]
    ) -> tuple[ChunkOutcome, list[IntegrationEvent], list[RowError]]:
        outcome = ChunkOutcome()
        errors: list[RowError] = []
        events: list[IntegrationEvent] = []
        upserts = [item for item in items if item.action == "upsert"]
        withdrawals = [item for item in items if item.action == "withdraw"]
        for item in items:
            if item.action == "error":
                outcome.failed += 1
                errors.extend(item.errors)
            elif item.action == "skip":
                outcome.skipped += 1
                errors.extend(item.errors)  # why it was skipped
        rows_by_key = {(i.data["program_year"], i.data["hr_id"]): i.row for i in upserts}
        results = await repo.upsert_participants(job.board, [i.data for i in upserts])
        outcome.unchanged += len(upserts) - len(results)
        for result in results:
            if result.after is None:  # the role differs: refused
                outcome.failed += 1
                errors.append(
                    RowError(
                        rows_by_key[(result.program_year, result.hr_id)],
                        "role",
                        f"is {result.before_role} already; an import cannot change a participant's "
                        "role (withdraw them and register them again)",
                    )
                )
                continue
            profile = profile_from_row(result.after)
            if result.inserted:
                outcome.created += 1
                kind = TeacherRegistered if is_teacher(profile.role) else MentorRegistered
                events.append(kind(participant=profile, board=job.board, correlation_id=job.id))
            else:
                outcome.updated += 1
                events.append(
                    ParticipantUpdated(
                        participant=profile,
                        changed=list(result.changed or []),
                        board=job.board,
                        correlation_id=job.id,
                    )
                )
        withdrawn = await repo.withdraw_participants(job.board, [i.data for i in withdrawals])
        outcome.withdrawn += len(withdrawn)
        outcome.unchanged += len(withdrawals) - len(withdrawn)
        errors.extend(_withdrawal_report(job, withdrawals, withdrawn))
        for row in withdrawn:
            events.append(
                ParticipantWithdrawn(
                    participant=profile_from_row(row),
                    reason=f"withdrawn by import {job.id}",
                    board=job.board,
                    correlation_id=job.id,
                )
            )
        return outcome, events, errors


def _withdrawal_report(
    job: Import, withdrawals: Sequence[ImportItem], withdrawn: Sequence[Any]
) -> list[RowError]:
    """Every leaver of the file is listed: withdrawn now, or skipped with the reason."""
    done = {(row["program_year"], row["hr_id"]) for row in withdrawn}
    file, column = ("users.csv", "status") if job.format == "oneroster" else (None, "status")
    report = []
    for item in withdrawals:
        key = (item.data.get("program_year"), item.data.get("hr_id"))
        if key in done:
            report.append(RowError(item.row, column, "withdrawn (marked as leaving)", file, "withdrawn"))
        else:
            report.append(
                RowError(
                    item.row,
                    column,
                    f"marked as leaving, but {item.data.get('hr_id')} is not registered in {key[0]} "
                    "or already withdrawn: nothing to withdraw",
                    file,
                    "skipped",
                )
            )
    return report


def worker_factory(settings: Settings) -> Callable[[Any], ImportWorker]:
    def build(runtime: Any) -> ImportWorker:
        return ImportWorker(settings, ImportQueue(runtime.engine, runtime.session_factory))

    return build
