"""Workshops and Beginning Teacher Network sessions (screen 5): list, create, enrolments with the
waitlist, attendance. Registration decides (seats, waitlist order, dates inside the program year) and
answers problem+json; the console gathers and words its answers."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.console.adapters.services_api import ApiError
from services.console.domain import calendar as cal
from services.console.service_layer.calendar import FieldErrors
from services.console.service_layer.errors import NotFound
from services.console.service_layer.screens import Caller, _ask, _maybe, _translate, all_people, board

KINDS = ("workshop", "network_open")
AUDIENCES = ("beginning_teacher", "mentor", "school_leader", "leader_menu")
SESSION_FIELDS = (
    "kind",
    "title",
    "facilitator",
    "starts_at",
    "ends_at",
    "location",
    "online_url",
    "capacity",
    "audience",
    "release_time",
    "participant_id",
    "records",
    "session_id",
)


def _form_errors(exc: ApiError) -> Exception:
    if exc.status in (409, 422):
        return FieldErrors(cal.field_errors(exc.problem, SESSION_FIELDS), status=exc.status)
    return _translate(exc)


async def listing(caller: Caller, code: str, year: str) -> dict[str, Any]:
    row = await board(caller, code)
    found = await _ask(
        caller.api.get("registration", "/v1/sessions", caller.token, board=code, program_year=year)
    )
    return {"board": row, "sessions": sorted(found, key=lambda s: str(s["starts_at"]))}


def session_body(
    board_row: dict[str, Any], year: str, form: dict[str, str], audiences: list[str]
) -> dict[str, Any]:
    """The form as registration's SessionCreate; what the form itself cannot read is a field error."""
    errors: dict[str, str] = {}
    kind = form.get("kind", "")
    if kind not in KINDS:
        errors["kind"] = "choice"
    title = form.get("title", "").strip()
    if not title:
        errors["title"] = "required"
    try:
        zone = ZoneInfo(board_row.get("timezone") or cal.DEFAULT_ZONE)
    except ZoneInfoNotFoundError:
        zone = ZoneInfo(cal.DEFAULT_ZONE)
    day: date | None = None
    try:
        day = date.fromisoformat(form.get("day", "").strip())
    except ValueError:
        errors["starts_at"] = "date"
    moments: dict[str, datetime] = {}
    for name, field in (("start_time", "starts_at"), ("end_time", "ends_at")):
        try:
            clock = time.fromisoformat(form.get(name, "").strip())
        except ValueError:
            errors.setdefault(field, "time")
            continue
        if day is not None:
            moments[field] = datetime.combine(day, clock, tzinfo=zone)
    capacity = form.get("capacity", "").strip()
    if capacity and not capacity.isdigit():
        errors["capacity"] = "number"
    if errors:
        raise FieldErrors(errors)
    body: dict[str, Any] = {
        "board": board_row["code"],
        "program_year": year,
        "kind": kind,
        "title": title[:200],
        "starts_at": moments["starts_at"].isoformat(),
        "ends_at": moments["ends_at"].isoformat(),
        "audience": [a for a in audiences if a in AUDIENCES],
    }
    for name in ("facilitator", "location", "online_url"):
        if form.get(name, "").strip():
            body[name] = form[name].strip()
    if capacity:
        body["capacity"] = int(capacity)
    if kind == "workshop":
        body["release_time"] = form.get("release_time", "yes") != "no"
    return body


async def create(
    caller: Caller, code: str, year: str, form: dict[str, str], audiences: list[str]
) -> dict[str, Any]:
    row = await board(caller, code)
    body = session_body(row, year, form, audiences)
    try:
        return await caller.api.post("registration", "/v1/sessions", caller.token, body)  # type: ignore[no-any-return]
    except ApiError as exc:
        raise _form_errors(exc) from exc


async def detail(caller: Caller, code: str, year: str, session_id: str) -> dict[str, Any]:
    """A session of the board with its enrolments (confirmed, then the waitlist in order) and attendance."""
    row = await board(caller, code)
    api, token = caller.api, caller.token
    found = await _ask(api.get("registration", f"/v1/sessions/{session_id}", token))
    if found.get("board") != code:
        raise NotFound("session")
    enrolments, attendance, people = await asyncio.gather(
        _ask(api.get("registration", f"/v1/sessions/{session_id}/enrolments", token)),
        _maybe(api.get("registration", f"/v1/sessions/{session_id}/attendance", token), []),
        all_people(caller, code, found["program_year"]),
    )
    confirmed = [e for e in enrolments if e["status"] == "confirmed"]
    waitlist = sorted(
        (e for e in enrolments if e["status"] == "waitlisted"), key=lambda e: e.get("position") or 0
    )
    return {
        "board": row,
        "session": found,
        "confirmed": confirmed,
        "waitlist": waitlist,
        "attended": {str(a["participant_id"]): a["attended"] for a in attendance},
        "people": people,
    }


async def enrol(caller: Caller, code: str, year: str, session_id: str, hr_id: str) -> dict[str, Any]:
    """Enrol a participant of the board, found by HR id: a seat if one is left, else the waitlist."""
    await detail(caller, code, year, session_id)
    if not hr_id.strip():
        raise FieldErrors({"hr_id": "required"})
    found = await _ask(
        caller.api.get(
            "registration", "/v1/participant-search", caller.token, board=code, q=hr_id.strip(), limit=5
        )
    )
    person = next((p for p in found["items"] if p["hr_id"].casefold() == hr_id.strip().casefold()), None)
    if person is None:
        raise FieldErrors({"hr_id": "unknown_person"})
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "registration",
            f"/v1/sessions/{session_id}/enrolments",
            caller.token,
            {"participant_id": person["id"]},
        )
    except ApiError as exc:
        error = _form_errors(exc)
        if isinstance(error, FieldErrors):
            error = FieldErrors({"hr_id": next(iter(error.fields.values()), "")}, status=error.status)
        raise error from exc


async def record_attendance(caller: Caller, code: str, year: str, session_id: str, present: set[str]) -> int:
    """Attendance of every confirmed participant: ticked present, the others absent."""
    view = await detail(caller, code, year, session_id)
    records = [
        {"participant_id": e["participant_id"], "attended": str(e["participant_id"]) in present}
        for e in view["confirmed"]
    ]
    if not records:
        raise FieldErrors({"records": "nobody_confirmed"})
    try:
        result = await caller.api.call(
            "registration",
            "PUT",
            f"/v1/sessions/{session_id}/attendance",
            caller.token,
            json={"records": records},
        )
    except ApiError as exc:
        raise _form_errors(exc) from exc
    return int(result["recorded"])
