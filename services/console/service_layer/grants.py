"""Start-up grants (screen 7): the board's applications with their line items, its application form
(create and edit a draft), submit a draft; the province's review queue. Grants decides (deadline, what
a submission needs, what a valid amount is) and says why not; the console words it."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from services.console.adapters.services_api import ApiError
from services.console.domain import calendar as cal
from services.console.domain import grant_form
from services.console.domain import grant_summary as summary
from services.console.domain.grant_form import ReadForm
from services.console.service_layer.calendar import FieldErrors
from services.console.service_layer.errors import NotFound
from services.console.service_layer.screens import Caller, _ask, _translate, board, visible_boards


async def board_applications(caller: Caller, code: str, year: str) -> dict[str, Any]:
    """The board's applications this program year, each in full (line items in dollars and cents)."""
    row = await board(caller, code)
    page = await _ask(
        caller.api.get("grants", "/v1/applications", caller.token, board=code, program_year=year, limit=50)
    )
    found = await asyncio.gather(
        *(_ask(caller.api.get("grants", f"/v1/applications/{a['id']}", caller.token)) for a in page["items"])
    )
    return {"board": row, "applications": [a for a in found if a["board"] == code]}


QUEUE = summary.TO_REVIEW


async def programs(caller: Caller, year: str) -> list[dict[str, Any]]:
    """The year's grant programs (one a stream): deadline and maximum award."""
    found = await _ask(caller.api.get("grants", "/v1/programs", caller.token, program_year=year))
    return sorted(
        found, key=lambda p: grant_form.STREAMS.index(p["stream"]) if p["stream"] in grant_form.STREAMS else 9
    )


async def new_application(caller: Caller, code: str, year: str) -> dict[str, Any]:
    """What the empty form needs: the board (its time zone) and the year's programs."""
    row, found = await asyncio.gather(board(caller, code), programs(caller, year))
    return {"board": row, "programs": found}


async def draft(caller: Caller, code: str, application_id: str) -> dict[str, Any]:
    """The board's draft, with its program; 404 for another board's application."""
    row = await board(caller, code)
    found = await _ask(caller.api.get("grants", f"/v1/applications/{application_id}", caller.token))
    if found["board"] != code:
        raise NotFound("application")
    return {"board": row, "application": found}


def _refused(exc: ApiError, read: ReadForm, locale: str) -> Exception:
    if exc.status in (409, 422) or (exc.status == 404 and exc.problem.get("errors")):
        errors = grant_form.field_errors(exc.problem, read)
        return FieldErrors(grant_form.add_local_errors(errors, read, locale), status=exc.status)
    return _translate(exc)


async def create(caller: Caller, code: str, year: str, read: ReadForm, locale: str) -> dict[str, Any]:
    """A new draft from the form; every refused field comes back at once as :class:`FieldErrors`."""
    await board(caller, code)
    body = {**read.body, "program_year": year}
    if caller.user.is_province_admin:
        body["board"] = code  # province staff apply on a board's behalf
    try:
        return await caller.api.post("grants", "/v1/applications", caller.token, body)  # type: ignore[no-any-return]
    except ApiError as exc:
        raise _refused(exc, read, locale) from exc


async def save(caller: Caller, code: str, application_id: str, read: ReadForm, locale: str) -> dict[str, Any]:
    """The draft replaced by the form (grants refuses once it is submitted)."""
    await draft(caller, code, application_id)
    try:
        return await caller.api.call(  # type: ignore[no-any-return]
            "grants", "PATCH", f"/v1/applications/{application_id}", caller.token, json=read.body
        )
    except ApiError as exc:
        raise _refused(exc, read, locale) from exc


async def submit(caller: Caller, code: str, application_id: str) -> dict[str, Any]:
    await board(caller, code)
    found = await _ask(caller.api.get("grants", f"/v1/applications/{application_id}", caller.token))
    if found["board"] != code:
        raise NotFound("application")
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "grants", f"/v1/applications/{application_id}/submission", caller.token, {}
        )
    except ApiError as exc:
        if exc.status in (409, 422):
            raise FieldErrors(
                cal.field_errors(
                    exc.problem,
                    (
                        "deadline",
                        "status",
                        "contact",
                        "committee",
                        "program",
                        "expense_lines",
                        "organisation",
                    ),
                ),
                status=exc.status,
            ) from exc
        raise _translate(exc) from exc


async def year_applications(caller: Caller, year: str) -> list[dict[str, Any]]:
    """Every board's applications this program year (grants' summaries), page after page."""
    found: list[dict[str, Any]] = []
    while True:
        page = await _ask(
            caller.api.get(
                "grants", "/v1/applications", caller.token, program_year=year, limit=500, offset=len(found)
            )
        )
        found.extend(page["items"])
        if not page["items"] or len(found) >= page["total"]:
            return found


async def review_queue(caller: Caller, year: str, statuses: tuple[str, ...] = QUEUE) -> list[dict[str, Any]]:
    """Applications waiting for the province (submitted or under review), every board; province only."""
    if not caller.user.is_province_admin:
        raise NotFound("review queue")
    pages = await asyncio.gather(
        *(
            _ask(
                caller.api.get(
                    "grants", "/v1/applications", caller.token, program_year=year, status=s, limit=500
                )
            )
            for s in statuses
        )
    )
    items = [a for p in pages for a in p["items"]]
    return sorted(items, key=lambda a: str(a.get("submitted_at") or a["created_at"]))


async def province_grants(caller: Caller, year: str) -> dict[str, Any]:
    """Province only: the queue, approved applications waiting for their payment, the gauge of where
    the year's applications stand (every board), and the boards' names and time zones."""
    if not caller.user.is_province_admin:
        raise NotFound("review queue")
    queue, to_pay, items, found_programs, boards = await asyncio.gather(
        review_queue(caller, year),
        review_queue(caller, year, summary.TO_PAY),
        year_applications(caller, year),
        programs(caller, year),
        visible_boards(caller),
    )
    return {
        "applications": queue,
        "to_pay": to_pay,
        "gauge": summary.gauge(items, found_programs),
        "programs": found_programs,
        "boards": {b["code"]: b for b in boards},
    }


# ---------------------------------------------------------------- the province's decision

DECISIONS = {
    "review": "review",
    "approve": "approval",
    "decline": "decline",
    "pay": "payment",
}
DECISION_FIELDS = ("awarded_amount", "reason", "note")


async def decision(caller: Caller, application_id: str) -> dict[str, Any]:
    """One application in full for province staff, with its program's budget and its board."""
    if not caller.user.is_province_admin:
        raise NotFound("application")
    found = await _ask(caller.api.get("grants", f"/v1/applications/{application_id}", caller.token))
    program, row = await asyncio.gather(
        _ask(caller.api.get("grants", f"/v1/programs/{found['program_id']}", caller.token)),
        board(caller, found["board"]),
    )
    return {"application": found, "program": program, "board": row}


def _decision_message(code: str) -> str:
    text = code.lower()
    known = (
        ("more than the requested total", "more_than_requested"),
        ("maximum award", "more_than_maximum"),
        ("exceed the budget", "over_budget"),
        ("plain decimal amount", "amount"),
        ("more than zero", "amount_zero"),
        ("must not be negative", "amount_negative"),
        ("two decimal places", "cents"),
        ("cannot go from", "already_decided"),
        ("at least 1 character", "required"),
        ("field required", "required"),
    )
    return next((c for phrase, c in known if phrase in text), code)


async def decide(
    caller: Caller, application_id: str, action: str, fields: dict[str, str], locale: str
) -> dict[str, Any]:
    """Start the review, approve (with the awarded amount, which may be below the request), decline
    (with the reason told to the board) or record the payment; grants decides whether it may."""
    if not caller.user.is_province_admin or action not in DECISIONS:
        raise NotFound("application")
    body: dict[str, Any] = {}
    note = fields.get("note", "").strip()
    if note:
        body["note"] = note
    if action == "approve":
        typed = fields.get("awarded_amount", "").strip()
        if not typed:
            raise FieldErrors({"awarded_amount": "required"})
        body["awarded_amount"] = grant_form.parse_amount(typed, locale) or typed
    if action == "decline":
        body["reason"] = fields.get("reason", "").strip()
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "grants", f"/v1/applications/{application_id}/{DECISIONS[action]}", caller.token, body
        )
    except ApiError as exc:
        if exc.status in (409, 422):
            errors = cal.field_errors(exc.problem, DECISION_FIELDS)
            raise FieldErrors(
                {k: _decision_message(v) for k, v in errors.items()}, status=exc.status
            ) from exc
        raise _translate(exc) from exc


async def grant_extension(
    caller: Caller, code: str, application_id: str, fields: dict[str, str]
) -> dict[str, Any]:
    """Province staff let one applicant submit after the deadline, until the end of the chosen day in
    the board's time zone (grants refuses a day not after the deadline)."""
    if not caller.user.is_province_admin:
        raise NotFound("application")
    view = await draft(caller, code, application_id)
    application = view["application"]
    try:
        day = date.fromisoformat(fields.get("extension_until", "").strip())
    except ValueError:
        raise FieldErrors({"extension_until": "date"}) from None
    zone = ZoneInfo(view["board"].get("timezone") or cal.DEFAULT_ZONE)
    body = {
        "board": code,
        "association_local": application["organisation"].get("association_local"),
        "extension_until": datetime.combine(day, time(23, 59, 59), zone).isoformat(),
    }
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "grants", f"/v1/programs/{application['program_id']}/extensions", caller.token, body
        )
    except ApiError as exc:
        if exc.status in (409, 422):
            errors = cal.field_errors(exc.problem, ("extension_until",))
            later = {k: "after_deadline" if "later than the deadline" in v else v for k, v in errors.items()}
            raise FieldErrors(later, status=exc.status) from exc
        raise _translate(exc) from exc
