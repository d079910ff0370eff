"""What each screen needs, asked of the services with the user's token. No business rule: the services
decide (and refuse); the console gathers, scopes to what the user may see, and words the answers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from services.console.adapters.services_api import ApiError, ServicesApi
from services.console.domain import reasons, summaries
from services.console.domain.session import SignedInUser
from services.console.service_layer.errors import (
    InvalidInput,
    NotCaughtUp,
    NotFound,
    Refused,
    Unavailable,
)

T = TypeVar("T")
PAGE_SIZE = 20
HUB_PAGE = 200  # registration's participant search: its largest page
MATCHING_PAGE = 1000  # matching's lists (hubs): its largest page


@dataclass(frozen=True)
class Caller:
    """Who is asking and with which token (the services authorise with it again)."""

    user: SignedInUser
    token: str
    api: ServicesApi


def _translate(exc: ApiError) -> Exception:
    if exc.status in (401, 403, 404):
        return NotFound(exc.detail or "not found")
    if exc.status == 0 or exc.status >= 500:
        return Unavailable(exc.detail or "service unavailable")
    return exc


async def _ask(awaitable: Awaitable[T]) -> T:
    try:
        return await awaitable
    except ApiError as exc:
        raise _translate(exc) from exc


async def _maybe(awaitable: Awaitable[T], default: T) -> T:
    """A figure that may be missing (that service has nothing yet) without failing the whole page."""
    try:
        return await awaitable
    except ApiError as exc:
        if exc.status == 0 or exc.status >= 500:
            raise Unavailable(exc.detail or "service unavailable") from exc
        return default


async def board(caller: Caller, code: str) -> dict[str, Any]:
    """The board, if this user may see it; 404 otherwise (never confirming another board exists)."""
    if not caller.user.may_see_board(code):
        raise NotFound("board")
    return await _ask(caller.api.get("registration", f"/v1/boards/{code}", caller.token))  # type: ignore[no-any-return]


async def visible_boards(caller: Caller) -> list[dict[str, Any]]:
    found = await _ask(caller.api.get("registration", "/v1/boards", caller.token))
    return [b for b in found if caller.user.may_see_board(b["code"])]


async def all_hubs(caller: Caller, code: str, year: str) -> list[dict[str, Any]]:
    hubs: list[dict[str, Any]] = []
    while True:
        page = await _ask(
            caller.api.get(
                "matching",
                "/v1/hubs",
                caller.token,
                board=code,
                program_year=year,
                limit=MATCHING_PAGE,
                offset=len(hubs),
            )
        )
        hubs.extend(page["items"])
        if len(hubs) >= page["total"] or not page["items"]:
            return hubs


async def board_home(caller: Caller, code: str, year: str, today: date) -> summaries.BoardHome:
    row = await board(caller, code)
    api, token = caller.api, caller.token
    first, last = summaries.program_year_bounds(year)
    (
        counts,
        timeline,
        hubs,
        unplaced,
        meetings,
        failed,
        runs,
        ready,
        capacity,
        engagement,
    ) = await asyncio.gather(
        _ask(api.get("registration", "/v1/participant-counts", token, program_year=year)),
        _maybe(
            api.get("registration", f"/v1/boards/{code}/timeline", token, program_year=year, on=today), None
        ),
        all_hubs(caller, code, year),
        _maybe(api.get("matching", f"/v1/boards/{code}/program-years/{year}/unplaced", token), []),
        _maybe(api.get("matching", f"/v1/boards/{code}/hub-meetings", token, program_year=year), []),
        _maybe(api.get("notifications", "/v1/notifications", token, board=code, state="failed", limit=1), {}),
        _maybe(api.get("matching", f"/v1/boards/{code}/program-years/{year}/matching-runs", token), []),
        readiness(caller, code, year),
        _maybe(
            api.get("matching", f"/v1/boards/{code}/release-capacity", token, start=first, end=last), None
        ),
        _maybe(api.get("evaluation", f"/v1/boards/{code}/engagement", token, program_year=year), None),
    )
    people = summaries.participant_counts(counts, code)
    return summaries.board_home(
        board=row,
        program_year=year,
        timeline=timeline,
        registered=people["registered"],
        placed=people["placed"],
        withdrawn=people["withdrawn"],
        hubs=hubs,
        hub_total=len(hubs),
        unplaced=unplaced,
        meetings=meetings,
        failed_messages=int((failed or {}).get("total", 0)),
        runs=runs,
        readiness=ready,
        capacity=capacity,
        check_ins=None if engagement is None else len(engagement.get("needs_check_in") or []),
    )


ROLES = ("beginning_teacher", "new_school_leader", "mentor")
STATUSES = ("registered", "placed", "withdrawn")


async def people(
    caller: Caller, code: str, *, text: str | None, role: str | None, status: str | None, page: int
) -> tuple[dict[str, Any], list[dict[str, Any]], summaries.Pages]:
    bad = {}
    if role and role not in ROLES:
        bad["role"] = "choice"
    if status and status not in STATUSES:
        bad["status"] = "choice"
    if text and len(text) > 100:
        bad["q"] = "too_long"
    if bad:
        raise InvalidInput(bad)
    row = await board(caller, code)
    first = await _ask(
        caller.api.get(
            "registration",
            "/v1/participant-search",
            caller.token,
            board=code,
            q=text,
            role=role,
            status=status,
            limit=PAGE_SIZE,
            offset=(max(page, 1) - 1) * PAGE_SIZE,
        )
    )
    pages = summaries.paginate(first["total"], page, PAGE_SIZE)
    return row, first["items"], pages


async def all_people(caller: Caller, code: str, year: str) -> dict[str, dict[str, Any]]:
    """Every participant of the board's year by id (for schools and roles beside matching's names)."""
    found: list[dict[str, Any]] = []
    while True:
        page = await _ask(
            caller.api.get(
                "registration",
                "/v1/participant-search",
                caller.token,
                board=code,
                program_year=year,
                limit=HUB_PAGE,
                offset=len(found),
            )
        )
        found.extend(page["items"])
        if len(found) >= page["total"] or not page["items"]:
            return {p["id"]: p for p in found}


async def hub_board(caller: Caller, code: str, year: str) -> dict[str, Any]:
    row = await board(caller, code)
    api, token = caller.api, caller.token
    hubs, unplaced, themes, runs, people_by_id, summary = await asyncio.gather(
        all_hubs(caller, code, year),
        _maybe(api.get("matching", f"/v1/boards/{code}/program-years/{year}/unplaced", token), []),
        _maybe(api.get("registration", "/v1/themes", token), []),
        _maybe(api.get("matching", f"/v1/boards/{code}/program-years/{year}/matching-runs", token), []),
        all_people(caller, code, year),
        _maybe(api.get("matching", f"/v1/boards/{code}/program-years/{year}/summary", token), None),
    )
    return {
        "people": people_by_id,
        "summary": summary,
        "board": row,
        "hubs": sorted(hubs, key=lambda h: (h["theme"], h.get("grade_band") or "", str(h["id"]))),
        "unplaced": unplaced,
        "themes": {t["code"]: t for t in themes},
        "runs": sorted(runs, key=lambda r: r["started_at"], reverse=True),
        "flags": {str(h["id"]): [reasons.parse(f) for f in h.get("flags") or []] for h in hubs},
        "unplaced_reasons": [reasons.parse(u.get("reason") or "") for u in unplaced],
    }


def _refusal(exc: ApiError) -> Exception:
    if exc.status in (409, 422):
        errors = exc.problem.get("errors") or []
        forceable = any(e.get("field") == "force" for e in errors)
        detail = exc.detail or ""
        if exc.status == 422 and errors:
            detail = "; ".join(str(e.get("message", "")) for e in errors)
        return Refused(reasons.parse_all(detail), forceable=forceable)
    return _translate(exc)


async def move_member(
    caller: Caller, code: str, *, hub_id: str, participant_id: str, to_hub_id: str, force: bool
) -> dict[str, Any]:
    await board(caller, code)
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "matching",
            f"/v1/hubs/{hub_id}/moves",
            caller.token,
            {"participant_id": participant_id, "to_hub_id": to_hub_id, "force": force},
        )
    except ApiError as exc:
        raise _refusal(exc) from exc


async def set_locked(caller: Caller, code: str, *, hub_id: str, locked: bool) -> dict[str, Any]:
    await board(caller, code)
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "matching", f"/v1/hubs/{hub_id}/{'lock' if locked else 'unlock'}", caller.token, {}
        )
    except ApiError as exc:
        raise _refusal(exc) from exc


def _not_caught_up(exc: ApiError) -> NotCaughtUp | None:
    """Matching's 409 "not caught up" (a run started before it heard of every registration change)."""
    if exc.status != 409:
        return None
    behind = next(
        (e["behind"] for e in exc.problem.get("errors") or [] if isinstance(e.get("behind"), dict)), None
    )
    if behind is None:
        return None
    retry = exc.problem.get("retry_after")
    return NotCaughtUp(int(behind.get("participants", 0)), int(behind.get("revisions", 0)), int(retry or 2))


async def start_run(caller: Caller, code: str, year: str) -> dict[str, Any]:
    """Draft a run: nothing changes for participants until the coordinator publishes it."""
    await board(caller, code)
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "matching", f"/v1/boards/{code}/program-years/{year}/matching-runs", caller.token, {}
        )
    except ApiError as exc:
        raise (_not_caught_up(exc) or _refusal(exc)) from exc


def _person_ids(draft: dict[str, Any]) -> dict[str, dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}
    for h in draft["hubs"]:
        for p in (*h["members"], *h["leaders"]):
            people[str(p["participant_id"])] = p
    for x in draft["pairings"]:
        for p in (x["teacher"], x["mentor"]):
            people[str(p["participant_id"])] = p
    for u in draft["unplaced"]:
        people[str(u["participant"]["participant_id"])] = u["participant"]
    return people


async def draft(caller: Caller, code: str, year: str, run_id: str) -> dict[str, Any]:
    """A run's draft beside what is published: its hubs, and what publishing it would change."""
    row = await board(caller, code)
    api, token = caller.api, caller.token
    found, published, themes = await asyncio.gather(
        _ask(
            api.get("matching", f"/v1/boards/{code}/program-years/{year}/matching-runs/{run_id}/draft", token)
        ),
        all_hubs(caller, code, year),
        _maybe(api.get("registration", "/v1/themes", token), []),
    )
    people = _person_ids(found)
    for hub in published:
        for p in (*hub.get("members", []), *hub.get("leaders", [])):
            people.setdefault(str(p["participant_id"]), p)
    hubs_by_id = {str(h["id"]): h for h in found["hubs"]} | {
        str(h["id"]): h for h in published if str(h["id"]) not in {str(d["id"]) for d in found["hubs"]}
    }
    diff = found["difference"]
    pairings = {str(x["teacher"]["participant_id"]): x for x in found["pairings"]}
    return {
        "board": row,
        "run": found["run"],
        "hubs": sorted(found["hubs"], key=lambda h: (h["theme"], h.get("grade_band") or "", str(h["id"]))),
        "hubs_by_id": hubs_by_id,
        "people": people,
        "themes": {t["code"]: t for t in themes},
        "difference": diff,
        "changed_pairings": [pairings[t] for t in diff.get("pairings_changed", []) if t in pairings],
        "ended_pairings": [people.get(t, {"participant_id": t}) for t in diff.get("pairings_ended", [])],
        "unplaced": found["unplaced"],
        "unplaced_reasons": [reasons.parse(u.get("reason") or "") for u in found["unplaced"]],
        "flags": {str(h["id"]): [reasons.parse(f) for f in h.get("flags") or []] for h in found["hubs"]},
    }


async def decide_draft(caller: Caller, code: str, year: str, run_id: str, *, publish: bool) -> dict[str, Any]:
    """Publish a draft (participants are told) or discard it (nothing changes)."""
    await board(caller, code)
    action = "publish" if publish else "discard"
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "matching",
            f"/v1/boards/{code}/program-years/{year}/matching-runs/{run_id}/{action}",
            caller.token,
            {},
        )
    except ApiError as exc:
        raise _refusal(exc) from exc


async def move_in_draft(
    caller: Caller, code: str, year: str, run_id: str, *, participant_id: str, to_hub_id: str, force: bool
) -> dict[str, Any]:
    """Move a teacher within a run's draft (nobody is told until the draft is published)."""
    await board(caller, code)
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "matching",
            f"/v1/boards/{code}/program-years/{year}/matching-runs/{run_id}/draft/moves",
            caller.token,
            {"participant_id": participant_id, "to_hub_id": to_hub_id, "force": force},
        )
    except ApiError as exc:
        errors = exc.problem.get("errors") or []
        if exc.status in (409, 422) and errors:
            found = reasons.from_errors(errors)
            forceable = exc.status == 409 and all(e.get("overridable") for e in errors)
            raise Refused(found, forceable=forceable) from exc
        raise _refusal(exc) from exc


async def readiness(caller: Caller, code: str, year: str) -> dict[str, Any] | None:
    """Whether matching holds everything registration holds for the board (None if it cannot say)."""
    return await _maybe(  # type: ignore[no-any-return]
        caller.api.get("matching", f"/v1/boards/{code}/readiness", caller.token, program_year=year), None
    )


async def province(caller: Caller, year: str) -> list[dict[str, Any]]:
    """Every board at a glance; province staff only (others get 404)."""
    if not caller.user.is_province_admin:
        raise NotFound("province view")
    api, token = caller.api, caller.token
    boards, counts = await asyncio.gather(
        visible_boards(caller),
        _ask(api.get("registration", "/v1/participant-counts", token, program_year=year)),
    )

    async def hub_total(code: str) -> int:
        page = await _maybe(
            api.get("matching", "/v1/hubs", token, board=code, program_year=year, limit=1), {}
        )
        return int(page.get("total", 0))

    async def meetings_held(code: str) -> int:
        found = await _maybe(
            api.get("matching", f"/v1/boards/{code}/hub-meetings", token, program_year=year), []
        )
        return sum(1 for m in found if m.get("status") == "held")

    codes = [b["code"] for b in boards]
    hubs = await asyncio.gather(*(hub_total(c) for c in codes))
    held = await asyncio.gather(*(meetings_held(c) for c in codes))
    figures = {}
    for code, hub_count, held_count in zip(codes, hubs, held, strict=True):
        people = summaries.participant_counts(counts, code)
        figures[code] = {
            "registered": people["registered"],
            "placed": people["placed"],
            "hubs": hub_count,
            "meetings_held": held_count,
        }
    return summaries.province_rows(boards, figures)


IMPORT_ERRORS_SHOWN = 100


async def submit_import(
    caller: Caller, code: str, *, filename: str, content: bytes, content_type: str, program_year: str
) -> dict[str, Any]:
    """Hand a CSV file or OneRoster bundle to registration's bulk import (it checks and queues it)."""
    await board(caller, code)
    if not content:
        raise InvalidInput({"file": "empty"})
    try:
        return await caller.api.call(  # type: ignore[no-any-return]
            "registration",
            "POST",
            "/v1/imports",
            caller.token,
            files={"file": (filename or "upload.csv", content, content_type or "text/csv")},
            data={"board": code, "program_year": program_year},
        )
    except ApiError as exc:
        if exc.status in (413, 415, 422):
            raise _refusal(ApiError(422, exc.problem)) from exc
        raise _translate(exc) from exc


async def read_import(caller: Caller, code: str, import_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """An import of this board with its first row errors (another board's import is 404)."""
    row = await board(caller, code)
    job = await _ask(caller.api.get("registration", f"/v1/imports/{import_id}", caller.token))
    if job["board"] != code:
        raise NotFound("import")
    job["errors"] = await _ask(
        caller.api.get(
            "registration", f"/v1/imports/{import_id}/errors", caller.token, limit=IMPORT_ERRORS_SHOWN
        )
    )
    return row, job


async def import_errors(caller: Caller, code: str, import_id: str) -> list[dict[str, Any]]:
    """Every row error of an import (for the CSV download)."""
    await read_import(caller, code, import_id)
    found: list[dict[str, Any]] = []
    while True:
        page = await _ask(
            caller.api.get(
                "registration",
                f"/v1/imports/{import_id}/errors",
                caller.token,
                limit=500,
                offset=len(found),
            )
        )
        found.extend(page["items"])
        if len(found) >= page["total"] or not page["items"]:
            return found
