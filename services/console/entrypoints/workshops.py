"""Workshops and Beginning Teacher Network sessions (issue 18, screen 5): the list, a new session, a
session's enrolments with its waitlist, and attendance. Plain forms; every page works without JavaScript."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.entrypoints.calendar import MEETING_ID
from services.console.entrypoints.pages import Visit, _year, checked_form, redirect, render, visit
from services.console.service_layer import workshops as service
from services.console.service_layer.calendar import FieldErrors
from services.console.service_layer.errors import NotFound
from services.console.service_layer.screens import board

router = APIRouter()
DONE = ("created", "enrolled", "waitlisted", "attendance")


def _session_id(session_id: str) -> str:
    if not MEETING_ID.match(session_id):
        raise NotFound("session")
    return session_id


@router.get("/boards/{code}/sessions", response_class=HTMLResponse)
async def sessions_page(code: str, request: Request) -> Response:
    v = await visit(request)
    year = _year(request)
    view = await service.listing(v.caller(), code, year)
    return render(v, "workshops/list.html", {**view, "year": year, "section": "sessions"})


async def _new_page(v: Visit, code: str, year: str, extra: dict[str, Any], status: int = 200) -> HTMLResponse:
    row = await board(v.caller(), code)
    context = {
        "board": row,
        "year": year,
        "section": "sessions",
        "form": {"kind": "workshop", "release_time": "yes"},
        "audiences": ["beginning_teacher"],
        "all_audiences": service.AUDIENCES,
        "errors": {},
        **extra,
    }
    return render(v, "workshops/new.html", context, status=status)


@router.get("/boards/{code}/sessions/new", response_class=HTMLResponse)
async def new_session_page(code: str, request: Request) -> Response:
    v = await visit(request)
    return await _new_page(v, code, _year(request), {})


@router.post("/boards/{code}/sessions", response_class=HTMLResponse)
async def create_session(code: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    fields = await checked_form(v)
    audiences = [str(a) for a in (await request.form()).getlist("audience")]
    year = _year(request)
    try:
        created = await service.create(caller, code, year, fields, audiences)
    except FieldErrors as refused:
        extra = {"form": fields, "audiences": audiences, "errors": refused.fields}
        return await _new_page(v, code, year, extra, status=422)
    return redirect(v, f"/boards/{code}/sessions/{created['id']}?year={year}&done=created")


async def _session_page(
    v: Visit, code: str, year: str, session_id: str, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    view = await service.detail(v.caller(), code, year, _session_id(session_id))
    done = v.request.query_params.get("done")
    return render(
        v,
        "workshops/session.html",
        {
            **view,
            "year": year,
            "section": "sessions",
            "done": done if done in DONE else None,
            "errors": {},
            "form": {},
            **extra,
        },
        status=status,
    )


@router.get("/boards/{code}/sessions/{session_id}", response_class=HTMLResponse)
async def session_page(code: str, session_id: str, request: Request) -> Response:
    v = await visit(request)
    return await _session_page(v, code, _year(request), session_id, {})


@router.post("/boards/{code}/sessions/{session_id}/enrolments", response_class=HTMLResponse)
async def enrol(code: str, session_id: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    fields = await checked_form(v)
    year = _year(request)
    try:
        outcome = await service.enrol(caller, code, year, _session_id(session_id), fields.get("hr_id", ""))
    except FieldErrors as refused:
        return await _session_page(
            v, code, year, session_id, {"errors": refused.fields, "form": fields}, status=refused.status
        )
    done = "waitlisted" if outcome["status"] == "waitlisted" else "enrolled"
    return redirect(v, f"/boards/{code}/sessions/{session_id}?year={year}&done={done}#enrolments")


@router.post("/boards/{code}/sessions/{session_id}/attendance", response_class=HTMLResponse)
async def attendance(code: str, session_id: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    await checked_form(v)
    present = {str(p) for p in (await request.form()).getlist("present")}
    year = _year(request)
    try:
        await service.record_attendance(caller, code, year, _session_id(session_id), present)
    except FieldErrors as refused:
        return await _session_page(
            v, code, year, session_id, {"errors": refused.fields}, status=refused.status
        )
    return redirect(v, f"/boards/{code}/sessions/{session_id}?year={year}&done=attendance#attendance")
