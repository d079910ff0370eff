"""The calendar screen (issue 18, screen 4): a month of release days with places used and available, hub
meetings, workshops and network sessions; schedule the year's meetings, move or cancel one; upload the
occasional-teacher capacity and set the school year. Plain forms; every page works without JavaScript."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.domain import calendar as cal
from services.console.domain.session import csrf_matches
from services.console.entrypoints.pages import (
    MAX_UPLOAD_BYTES,
    Visit,
    _year,
    checked_form,
    redirect,
    render,
    visit,
)
from services.console.service_layer import calendar as service
from services.console.service_layer.calendar import FieldErrors
from services.console.service_layer.errors import Forbidden, NotFound

router = APIRouter()
MEETING_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DONE = ("capacity", "school_year", "rescheduled", "cancelled")


def _today() -> date:
    return datetime.now(UTC).date()


def _meeting_id(meeting_id: str) -> str:
    if not MEETING_ID.match(meeting_id):
        raise NotFound("meeting")
    return meeting_id


def _month_link(code: str, year: str, month: date | str | None) -> str:
    shown = month.strftime("%Y-%m") if isinstance(month, date) else str(month or "")[:7]
    return f"/boards/{code}/calendar?year={year}" + (f"&month={shown}" if shown else "")


async def _calendar_page(
    v: Visit, code: str, year: str, month: date | None, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    shown = cal.month_shown(month, year, _today())
    view = await service.month(v.caller(), code, year, shown)
    done = v.request.query_params.get("done")
    return render(
        v,
        "calendar/month.html",
        {
            **view,
            "year": year,
            "section": "calendar",
            "done": done if done in DONE else None,
            "days_set": v.request.query_params.get("days"),
            "form": {},
            "errors": {},
            **extra,
        },
        status=status,
    )


@router.get("/boards/{code}/calendar", response_class=HTMLResponse)
async def calendar_page(code: str, request: Request) -> Response:
    v = await visit(request)
    return await _calendar_page(
        v, code, _year(request), cal.parse_month(request.query_params.get("month")), {}
    )


def _schedule_body(fields: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    count = fields.get("meetings_per_hub", "").strip()
    if not count.isdigit():
        errors["meetings_per_hub"] = "number"
    else:
        body["meetings_per_hub"] = int(count)
    body["release_time"] = fields.get("release_time", "yes") != "no"
    for name in ("start", "end"):
        value = fields.get(name, "").strip()
        if value:
            try:
                body[name] = date.fromisoformat(value).isoformat()
            except ValueError:
                errors[name] = "date"
    if fields.get("location", "").strip():
        body["location"] = fields["location"].strip()[:300]
    return body, errors


@router.post("/boards/{code}/calendar/schedule", response_class=HTMLResponse)
async def schedule(code: str, request: Request) -> Response:
    """Schedule the year's meetings of every hub without any; the outcome (and any hub matching could not
    place, with why) is shown on the month of the first meeting."""
    v = await visit(request)
    caller = v.caller()
    fields = await checked_form(v)
    year = _year(request)
    body, errors = _schedule_body(fields)
    try:
        if errors:
            raise FieldErrors(errors)
        outcome = await service.schedule(caller, code, year, body)
    except FieldErrors as refused:
        return await _calendar_page(
            v,
            code,
            year,
            cal.parse_month(fields.get("month")),
            {"form": fields, "errors": refused.fields},
            422,
        )
    first = min((m["day"] for m in outcome["scheduled"]), default=None)
    month = date.fromisoformat(first).replace(day=1) if first else cal.parse_month(fields.get("month"))
    return await _calendar_page(v, code, year, month, {"outcome": outcome})


@router.post("/boards/{code}/calendar/capacity", response_class=HTMLResponse)
async def upload_capacity(code: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    form = await request.form(max_files=1, max_fields=5)
    presented = form.get("csrf_token")
    if v.session is None or not csrf_matches(v.session, presented if isinstance(presented, str) else None):
        raise Forbidden("CSRF token missing or wrong")
    year = str(form.get("year") or "") or _year(request)
    upload = form.get("file")
    try:
        if upload is None or isinstance(upload, str):
            raise FieldErrors({"file": "required"})
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > 1_000_000:  # matching's limit for this file
            raise FieldErrors({"file": "too_large"})
        days = await service.upload_capacity(caller, code, content)
    except FieldErrors as refused:
        return await _calendar_page(
            v,
            code,
            year,
            cal.parse_month(str(form.get("month") or "")),
            {"upload_errors": refused.fields},
            422,
        )
    return redirect(v, _month_link(code, year, str(form.get("month") or "")) + f"&done=capacity&days={days}")


# ---------------------------------------------------------------- one meeting


async def _meeting_page(
    v: Visit, code: str, year: str, meeting_id: str, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    view = await service.meeting(v.caller(), code, year, _meeting_id(meeting_id))
    return render(
        v,
        "calendar/meeting.html",
        {**view, "year": year, "section": "calendar", "form": {}, "errors": {}, **extra},
        status=status,
    )


@router.get("/boards/{code}/calendar/meetings/{meeting_id}", response_class=HTMLResponse)
async def meeting_page(code: str, meeting_id: str, request: Request) -> Response:
    v = await visit(request)
    return await _meeting_page(v, code, _year(request), meeting_id, {})


@router.post("/boards/{code}/calendar/meetings/{meeting_id}/reschedule", response_class=HTMLResponse)
async def reschedule(code: str, meeting_id: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    fields = await checked_form(v)
    year = _year(request)
    body: dict[str, Any] = {}
    try:
        try:
            body["day"] = date.fromisoformat(fields.get("day", "").strip()).isoformat()
        except ValueError:
            raise FieldErrors({"day": "date"}) from None
        if fields.get("release_time") in ("yes", "no"):
            body["release_time"] = fields["release_time"] == "yes"
        if fields.get("location", "").strip():
            body["location"] = fields["location"].strip()[:300]
        await service.reschedule(caller, code, year, _meeting_id(meeting_id), body)
    except FieldErrors as refused:
        return await _meeting_page(
            v, code, year, meeting_id, {"form": fields, "errors": refused.fields}, status=refused.status
        )
    return redirect(v, _month_link(code, year, body["day"]) + "&done=rescheduled")


@router.post("/boards/{code}/calendar/meetings/{meeting_id}/cancel", response_class=HTMLResponse)
async def cancel(code: str, meeting_id: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    await checked_form(v)
    year = _year(request)
    view = await service.meeting(caller, code, year, _meeting_id(meeting_id))
    try:
        await service.cancel(caller, code, year, meeting_id)
    except FieldErrors as refused:
        return await _meeting_page(
            v, code, year, meeting_id, {"errors": refused.fields}, status=refused.status
        )
    return redirect(v, _month_link(code, year, view["meeting"]["day"]) + "&done=cancelled")


# ---------------------------------------------------------------- the school year


async def _school_year_page(
    v: Visit, code: str, year: str, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    board, found = await service.school_year(v.caller(), code, year)
    first, last = cal.program_year_span(year)
    form = {
        "first_day": (found or {}).get("first_day") or first.isoformat(),
        "last_day": (found or {}).get("last_day") or date(first.year + 1, 6, 30).isoformat(),
        "holidays": "\n".join((found or {}).get("holidays") or []),
        "pa_days": "\n".join((found or {}).get("pa_days") or []),
        "timezone": (found or {}).get("timezone") or cal.DEFAULT_ZONE,
    }
    return render(
        v,
        "calendar/school_year.html",
        {
            "board": board,
            "school_year": found,
            "year": year,
            "section": "calendar",
            "form": form,
            "errors": {},
            **extra,
        },
        status=status,
    )


@router.get("/boards/{code}/calendar/school-year", response_class=HTMLResponse)
async def school_year_page(code: str, request: Request) -> Response:
    v = await visit(request)
    return await _school_year_page(v, code, _year(request), {})


@router.post("/boards/{code}/calendar/school-year", response_class=HTMLResponse)
async def put_school_year(code: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    fields = await checked_form(v)
    year = _year(request)
    errors: dict[str, str] = {}
    body: dict[str, Any] = {}
    for name in ("first_day", "last_day"):
        try:
            body[name] = date.fromisoformat(fields.get(name, "").strip()).isoformat()
        except ValueError:
            errors[name] = "date"
    for name in ("holidays", "pa_days"):
        days, bad = cal.parse_days(fields.get(name, ""))
        if bad:
            errors[name] = "dates:" + ", ".join(bad[:5])
        body[name] = [d.isoformat() for d in days]
    if fields.get("timezone", "").strip():
        body["timezone"] = fields["timezone"].strip()
    try:
        if errors:
            raise FieldErrors(errors)
        await service.put_school_year(caller, code, year, body)
    except FieldErrors as refused:
        return await _school_year_page(v, code, year, {"form": fields, "errors": refused.fields}, status=422)
    return redirect(v, _month_link(code, year, None) + "&done=school_year")
