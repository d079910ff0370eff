"""The calendar screen: release days with places used and available, hub meetings, workshops and network
sessions, asked of matching and registration with the user's token; scheduling, moving and cancelling
meetings and the two uploads are matching's to decide (the console words its answers)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from services.console.adapters.services_api import ApiError
from services.console.domain import calendar as cal
from services.console.service_layer.errors import ConsoleError, NotFound
from services.console.service_layer.screens import Caller, _ask, _maybe, _translate, all_hubs, board

SCHEDULE_FIELDS = ("meetings_per_hub", "release_time", "start", "end", "location", "hubs")
MEETING_FIELDS = ("day", "release_time", "location")
SCHOOL_YEAR_FIELDS = ("first_day", "last_day", "holidays", "pa_days", "timezone")
CAPACITY_FIELDS = ("file", "date", "available", "days")


class FieldErrors(ConsoleError):
    """A service (or the form itself) refused what was typed; the message for each field at fault."""

    def __init__(self, fields: dict[str, str], status: int = 422):
        super().__init__(", ".join(fields))
        self.fields = fields
        self.status = status


def _form_errors(exc: ApiError, known: tuple[str, ...]) -> Exception:
    if exc.status in (409, 413, 415, 422):
        return FieldErrors(cal.field_errors(exc.problem, known), status=exc.status)
    return _translate(exc)


async def month(caller: Caller, code: str, year: str, first: date) -> dict[str, Any]:
    """A month of the board's program year: each day's places, meetings and sessions."""
    row = await board(caller, code)
    api, token = caller.api, caller.token
    capacity, meetings, sessions, school_year, hubs, themes = await asyncio.gather(
        _maybe(
            api.get(
                "matching",
                f"/v1/boards/{code}/release-capacity",
                token,
                start=first,
                end=cal.month_end(first),
            ),
            [],
        ),
        _maybe(api.get("matching", f"/v1/boards/{code}/hub-meetings", token, program_year=year), []),
        _maybe(api.get("registration", "/v1/sessions", token, board=code, program_year=year), []),
        _maybe(api.get("matching", f"/v1/boards/{code}/calendars/{year}", token), None),
        all_hubs(caller, code, year),
        _maybe(api.get("registration", "/v1/themes", token), []),
    )
    weeks = cal.month_weeks(
        first, capacity=capacity, meetings=meetings, sessions=sessions, school_year=school_year
    )
    previous, following = cal.neighbours(first, year)
    planned = [m for m in meetings if m.get("status") == "scheduled"]
    return {
        "board": row,
        "month": first,
        "weeks": weeks,
        "totals": cal.month_totals(weeks),
        "previous": previous,
        "following": following,
        "school_year": school_year,
        "zone": (school_year or {}).get("timezone") or cal.DEFAULT_ZONE,
        "hubs": {str(h["id"]): h for h in hubs},
        "themes": {t["code"]: t for t in themes},
        "hub_count": len(hubs),
        "year_meetings": len(planned),
        "hubs_with_meetings": len({str(m["hub_id"]) for m in planned}),
        "first_meeting": min((m["day"] for m in planned), default=None),
    }


async def schedule(caller: Caller, code: str, year: str, form: dict[str, Any]) -> dict[str, Any]:
    """Matching plans and books the year's meetings of every hub without any; hubs it cannot place come
    back with the reason."""
    await board(caller, code)
    body: dict[str, Any] = {"program_year": year, **{k: v for k, v in form.items() if v not in (None, "")}}
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "matching", f"/v1/boards/{code}/hub-meetings/schedule", caller.token, body
        )
    except ApiError as exc:
        raise _form_errors(exc, SCHEDULE_FIELDS) from exc


async def meeting(caller: Caller, code: str, year: str, meeting_id: str) -> dict[str, Any]:
    """One of the board's meetings with its hub (another board's meeting is 404)."""
    row = await board(caller, code)
    found, hubs, themes = await asyncio.gather(
        _ask(caller.api.get("matching", f"/v1/boards/{code}/hub-meetings", caller.token, program_year=year)),
        all_hubs(caller, code, year),
        _maybe(caller.api.get("registration", "/v1/themes", caller.token), []),
    )
    item = next((m for m in found if str(m["id"]) == meeting_id), None)
    if item is None:
        raise NotFound("meeting")
    hub = next((h for h in hubs if str(h["id"]) == str(item["hub_id"])), None)
    school_year = await _maybe(
        caller.api.get("matching", f"/v1/boards/{code}/calendars/{year}", caller.token), None
    )
    return {
        "board": row,
        "meeting": item,
        "hub": hub,
        "themes": {t["code"]: t for t in themes},
        "zone": (school_year or {}).get("timezone") or cal.DEFAULT_ZONE,
    }


async def reschedule(caller: Caller, code: str, year: str, meeting_id: str, form: dict[str, Any]) -> None:
    await meeting(caller, code, year, meeting_id)
    try:
        await caller.api.post("matching", f"/v1/hub-meetings/{meeting_id}/reschedule", caller.token, form)
    except ApiError as exc:
        raise _form_errors(exc, MEETING_FIELDS) from exc


async def cancel(caller: Caller, code: str, year: str, meeting_id: str) -> None:
    await meeting(caller, code, year, meeting_id)
    try:
        await caller.api.post("matching", f"/v1/hub-meetings/{meeting_id}/cancellation", caller.token, {})
    except ApiError as exc:
        raise _form_errors(exc, MEETING_FIELDS) from exc


async def upload_capacity(caller: Caller, code: str, content: bytes) -> int:
    """The absence-management system's export (``date,available``) handed to matching; days set."""
    await board(caller, code)
    if not content.strip():
        raise FieldErrors({"file": "empty"})
    try:
        result = await caller.api.call(
            "matching",
            "POST",
            f"/v1/boards/{code}/release-capacity/csv",
            caller.token,
            content=content,
            content_type="text/csv",
        )
    except ApiError as exc:
        if exc.status == 422 and exc.problem.get("errors"):
            # Row errors of the file: keep each row's message for the page's list.
            rows = [
                f"{e.get('row')}, {e.get('field')}: {e.get('message')}" if e.get("row") else str(e["message"])
                for e in exc.problem["errors"][:20]
            ]
            raise FieldErrors({"file": "; ".join(rows)}) from exc
        raise _form_errors(exc, CAPACITY_FIELDS) from exc
    return int(result["days_set"])


async def school_year(caller: Caller, code: str, year: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    row = await board(caller, code)
    found = await _maybe(
        caller.api.get("matching", f"/v1/boards/{code}/calendars/{year}", caller.token), None
    )
    return row, found


async def put_school_year(caller: Caller, code: str, year: str, body: dict[str, Any]) -> dict[str, Any]:
    await board(caller, code)
    try:
        return await caller.api.call(  # type: ignore[no-any-return]
            "matching", "PUT", f"/v1/boards/{code}/calendars/{year}", caller.token, json=body
        )
    except ApiError as exc:
        raise _form_errors(exc, SCHOOL_YEAR_FIELDS) from exc
