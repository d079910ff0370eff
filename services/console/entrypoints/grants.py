"""Start-up grants (issue 18, screen 7): a board's applications with line items in dollars and cents
(Babel's currency formatting for en-CA and fr-CA), the application form (create and edit a draft, every
refused field in an error summary that links to it), submit a draft; the province's review queue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.adapters.rendering import translations
from services.console.domain import grant_form, grant_summary
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
            "extended": done == "extended",
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


@router.post("/boards/{code}/grants/{application_id}/extension", response_class=HTMLResponse)
async def grant_extension(code: str, application_id: str, request: Request) -> Response:
    if not MEETING_ID.match(application_id):
        raise NotFound("application")
    v = await visit(request)
    caller = v.caller()
    fields = await checked_form(v)
    year = _year(request)
    try:
        await service.grant_extension(caller, code, application_id, fields)
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
                "refused_title": "extension",
                "extension_value": fields.get("extension_until", "")[:10],
            },
            status=refused.status,
        )
    return redirect(v, f"/boards/{code}/grants?year={year}&done=extended")


@router.get("/province/grants", response_class=HTMLResponse)
async def review_queue(request: Request) -> Response:
    v = await visit(request)
    year = _year(request)
    view = await service.province_grants(v.caller(), year)
    return render(v, "grants/queue.html", {**view, "year": year})


@router.get("/province/grants/export.csv")
async def export_queue(request: Request) -> Response:
    """The queue (to review, then to pay) as CSV, its headers and words in the reader's language."""
    v = await visit(request)
    year = _year(request)
    view = await service.province_grants(v.caller(), year)
    catalogue = translations(v.language)
    _, pgettext = catalogue.gettext, catalogue.pgettext
    headers = [
        _("Board"),
        _("Board code"),
        _("Applicant"),
        _("Stream"),
        _("Status"),
        str(pgettext("day", "Submitted")),  # the day it was submitted, not the status
        _("Requested (CAD)"),
        _("Awarded (CAD)"),
    ]
    words = {
        "beginning_teacher": _("Beginning teachers"),
        "school_leadership": _("New school leaders"),
        "submitted": _("Submitted"),
        "under_review": _("Under review"),
        "approved": _("Approved"),
    }
    text = grant_summary.queue_csv(view["applications"] + view["to_pay"], view["boards"], headers, words)
    name = f"grant-queue-{year}-{v.language}.csv"
    # A byte-order mark, so that a spreadsheet opens the French accents as UTF-8.
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


DONE_DECISIONS = ("review", "approve", "decline", "pay")


async def _decision_page(
    v: Visit, application_id: str, *, errors: dict[str, str], form: dict[str, str], status: int = 200
) -> Response:
    view = await service.decision(v.caller(), application_id)
    done = v.request.query_params.get("done")
    return render(
        v,
        "grants/decision.html",
        {
            **view,
            "errors": errors,
            "form": form,
            "done": done if done in DONE_DECISIONS else None,
            "year": view["application"]["program_year"],
        },
        status=status,
    )


@router.get("/province/grants/{application_id}", response_class=HTMLResponse)
async def decision_page(application_id: str, request: Request) -> Response:
    if not MEETING_ID.match(application_id):
        raise NotFound("application")
    v = await visit(request)
    return await _decision_page(v, application_id, errors={}, form={})


@router.post("/province/grants/{application_id}/{action}", response_class=HTMLResponse)
async def decide(application_id: str, action: str, request: Request) -> Response:
    if not MEETING_ID.match(application_id) or action not in DONE_DECISIONS:
        raise NotFound("application")
    v = await visit(request)
    caller = v.caller()
    fields = await checked_form(v)
    try:
        await service.decide(caller, application_id, action, fields, LOCALES[v.language])
    except FieldErrors as refused:
        return await _decision_page(
            v, application_id, errors=refused.fields, form={**fields, "action": action}, status=refused.status
        )
    return redirect(v, f"/province/grants/{application_id}?done={action}")
