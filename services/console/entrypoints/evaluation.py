"""The coordinator's evaluation screens (program health, survey rounds, the harvest, the year-end
report) and the province's roll-up. Thin, like pages.py: read the request, check the session and its
CSRF token, call a use case, render a template from templates/evaluation/."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.domain import evaluation as views
from services.console.entrypoints.pages import _year, checked_form, redirect, render, visit
from services.console.service_layer import evaluation as screens
from services.console.service_layer.errors import Refused

router = APIRouter()
DONE = ("opened", "published")


def _done(request: Request) -> str | None:
    done = request.query_params.get("done")
    return done if done in DONE else None


@router.get("/boards/{code}/evaluation", response_class=HTMLResponse)
async def health(code: str, request: Request) -> Response:
    """Program health: engagement per hub, on track or needing a check-in, and why."""
    v = await visit(request)
    year = _year(request)
    view = await screens.health(v.caller(), code, year, v.language)
    return render(
        v, "evaluation/health.html", {**view, "year": year, "section": "evaluation", "tab": "health"}
    )


async def _surveys_page(v, code: str, year: str, extra: dict, status: int = 200) -> HTMLResponse:  # type: ignore[no-untyped-def,type-arg]
    view = await screens.surveys(v.caller(), code, year, datetime.now(UTC))
    return render(
        v,
        "evaluation/surveys.html",
        {
            **view,
            "year": year,
            "section": "evaluation",
            "tab": "surveys",
            "kinds": views.ROUND_KINDS,
            "done": _done(v.request),
            **extra,
        },
        status=status,
    )


@router.get("/boards/{code}/evaluation/surveys", response_class=HTMLResponse)
async def surveys(code: str, request: Request) -> Response:
    v = await visit(request)
    return await _surveys_page(v, code, _year(request), {})


@router.post("/boards/{code}/evaluation/surveys")
async def open_round(code: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    fields = await checked_form(v)
    year = _year(request)
    try:
        await screens.open_round(
            caller, code, year, kind=fields.get("kind", ""), mode=fields.get("mode") or "anonymous"
        )
    except Refused as refused:
        return await _surveys_page(v, code, year, {"refusal": refused}, status=409)
    return redirect(v, f"/boards/{code}/evaluation/surveys?year={year}&done=opened")


async def _harvest_page(v, code: str, year: str, extra: dict, status: int = 200) -> HTMLResponse:  # type: ignore[no-untyped-def,type-arg]
    view = await screens.harvest(v.caller(), code, year, v.language)
    return render(
        v,
        "evaluation/harvest.html",
        {**view, "year": year, "section": "evaluation", "tab": "harvest", "done": _done(v.request), **extra},
        status=status,
    )


@router.get("/boards/{code}/evaluation/harvest", response_class=HTMLResponse)
async def harvest(code: str, request: Request) -> Response:
    v = await visit(request)
    return await _harvest_page(v, code, _year(request), {})


@router.post("/boards/{code}/evaluation/harvest/publication")
async def publish_harvest(code: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    await checked_form(v)
    year = _year(request)
    try:
        await screens.publish_harvest(caller, code, year)
    except Refused as refused:
        return await _harvest_page(v, code, year, {"refusal": refused}, status=409)
    return redirect(v, f"/boards/{code}/evaluation/harvest?year={year}&done=published")


@router.get("/boards/{code}/evaluation/report", response_class=HTMLResponse)
async def report(code: str, request: Request) -> Response:
    v = await visit(request)
    year = _year(request)
    caller = v.caller()
    found = await screens.report(caller, code, year)
    board = await screens.board(caller, code)
    return render(
        v,
        "evaluation/report.html",
        {"report": found, "board": board, "year": year, "section": "evaluation", "tab": "report"},
    )


def _file(content: bytes, media_type: str, name: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/boards/{code}/evaluation/report.{fmt}")
async def report_file(code: str, fmt: str, request: Request) -> Response:
    """The report's PDF or CSV (``lang=en|fr``), as evaluation renders it."""
    v = await visit(request)
    lang = request.query_params.get("lang") or v.language
    return _file(*await screens.report_file(v.caller(), code, _year(request), fmt, lang))


@router.get("/province/evaluation", response_class=HTMLResponse)
async def province(request: Request) -> Response:
    v = await visit(request)
    year = _year(request)
    caller = v.caller()
    view = await screens.province(caller, year)
    found = await screens.report(caller, None, year)
    return render(v, "evaluation/province.html", {**view, "report": found, "year": year})


@router.get("/province/evaluation/report.{fmt}")
async def province_report_file(fmt: str, request: Request) -> Response:
    v = await visit(request)
    lang = request.query_params.get("lang") or v.language
    return _file(*await screens.report_file(v.caller(), None, _year(request), fmt, lang))
