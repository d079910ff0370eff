"""Start-up grants (issue 18, screen 7): a board's applications with line items in dollars and cents
(Babel's currency formatting for en-CA and fr-CA), the application form (create and edit a draft, every
refused field in an error summary that links to it), submit a draft; the province's review queue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.domain import grant_form
from services.console.domain.language import LOCALES
from services.console.entrypoints.calendar import MEETING_ID
from services.console.entrypoints.pages import Visit, _year, checked_form, redirect, render, visit
from services.console.service_layer import grants as service
from services.console.service_layer.calendar import FieldErrors
from services.console.service_layer.errors import NotFound

router = APIRouter()


@router.get("/boards/{code}/grants", response_class=HTMLResponse)
async def grants_page(code: str, request: Request) -> Response:
    v = await visit(request)
    year = _year(request)
    view = await service.board_applications(v.caller(), code, year)
    done = request.query_params.get("done")
    return render(
        v,
        "grants/board.html",
        {
            **view,
            "year": year,
            "section": "grants",
            "done": done == "submitted",
            "saved": done == "saved",
            "errors": {},
        },
    )


def _form_page(
    v: Visit,
    view: dict[str, Any],
    form: grant_form.GrantForm,
    year: str,
    *,
    application: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return render(
        v,
        "grants/form.html",
        {
            **view,
            "form": form,
            "errors": form.errors,
            "year": year,
            "section": "grants",
            "application": application,
            "categories": grant_form.CATEGORIES,
            "roles": grant_form.COMMITTEE_ROLES,
            "streams": grant_form.STREAMS,
        },
        status=status,
    )


@router.get("/boards/{code}/grants/new", response_class=HTMLResponse)
async def new_application(code: str, request: Request) -> Response:
    v = await visit(request)
    year = _year(request)
    view = await service.new_application(v.caller(), code, year)
    return _form_page(v, view, grant_form.blank_form(code), year)


@router.post("/boards/{code}/grants/new", response_class=HTMLResponse)
async def create_application(code: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    fields = await checked_form(v)
    year = _year(request)
    locale = LOCALES[v.language]
    read = grant_form.read_form(fields, code, locale)
    if fields.get("action") == "add_line":
        view = await service.new_application(caller, code, year)
        return _form_page(v, view, grant_form.with_another_line(read.form), year)
    try:
        await service.create(caller, code, year, read, locale)
    except FieldErrors as refused:
        view = await service.new_application(caller, code, year)
        read.form.errors = refused.fields
        return _form_page(v, view, read.form, year, status=refused.status)
    return redirect(v, f"/boards/{code}/grants?year={year}&done=saved")


@router.get("/boards/{code}/grants/{application_id}/edit", response_class=HTMLResponse)
async def edit_application(code: str, application_id: str, request: Request) -> Response:
    if not MEETING_ID.match(application_id):
        raise NotFound("application")
    v = await visit(request)
    view = await service.draft(v.caller(), code, application_id)
    application = view["application"]
    year = application["program_year"]
    if application["status"] != "draft":
        return redirect(v, f"/boards/{code}/grants?year={year}")
    form = grant_form.form_of(application, LOCALES[v.language])
    return _form_page(v, view, form, year, application=application)


@router.post("/boards/{code}/grants/{application_id}/edit", response_class=HTMLResponse)
async def save_application(code: str, application_id: str, request: Request) -> Response:
    if not MEETING_ID.match(application_id):
        raise NotFound("application")
    v = await visit(request)
    caller = v.caller()
    fields = await checked_form(v)
    locale = LOCALES[v.language]
    view = await service.draft(caller, code, application_id)
    application = view["application"]
    year = application["program_year"]
    read = grant_form.read_form(fields, code, locale, stream=application["program"]["stream"])
    if fields.get("action") == "add_line":
        form = grant_form.with_another_line(read.form)
        return _form_page(v, view, form, year, application=application)
    try:
        await service.save(caller, code, application_id, read, locale)
    except FieldErrors as refused:
        read.form.errors = refused.fields
        return _form_page(v, view, read.form, year, application=application, status=refused.status)
    return redirect(v, f"/boards/{code}/grants?year={year}&done=saved")


@router.post("/boards/{code}/grants/{application_id}/submit", response_class=HTMLResponse)
async def submit(code: str, application_id: str, request: Request) -> Response:
    if not MEETING_ID.match(application_id):
        raise NotFound("application")
    v = await visit(request)
    caller = v.caller()
    await checked_form(v)
    year = _year(request)
    try:
        await service.submit(caller, code, application_id)
    except FieldErrors as refused:
        view = await service.board_applications(caller, code, year)
        return render(
            v,
            "grants/board.html",
            {
                **view,
                "year": year,
                "section": "grants",
                "done": False,
                "errors": refused.fields,
                "refused_id": application_id,
            },
            status=refused.status,
        )
    return redirect(v, f"/boards/{code}/grants?year={year}&done=submitted")


@router.get("/province/grants", response_class=HTMLResponse)
async def review_queue(request: Request) -> Response:
    v = await visit(request)
    year = _year(request)
    items = await service.review_queue(v.caller(), year)
    return render(v, "grants/queue.html", {"applications": items, "year": year})
