"""The console's pages (server-rendered; htmx enhances, forms work without it).

Thin: read the request, check the session and its CSRF token, call a use case, render a template.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from services.console.domain import reasons, summaries
from services.console.domain.language import LANGUAGES, negotiate, other
from services.console.domain.session import ConsoleSession, csrf_matches, safe_return_path
from services.console.domain.summaries import program_year_of
from services.console.service_layer import screens
from services.console.service_layer.errors import (
    Forbidden,
    InvalidInput,
    NotCaughtUp,
    NotFound,
    NotSignedIn,
    Refused,
)
from services.console.service_layer.sessions import DEV_PEOPLE

router = APIRouter()
SESSION_COOKIE = "mw_session"
LANGUAGE_COOKIE = "mw_lang"
YEAR_PATTERN = r"^\d{4}-\d{4}$"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # registration's IMPORT_MAX_BYTES


@dataclass
class Visit:
    request: Request
    session: ConsoleSession | None
    language: str
    set_session_cookie: bool = False

    @property
    def console(self) -> Any:
        return self.request.app.state.console

    def caller(self) -> screens.Caller:
        session = self.session
        if session is None or session.user is None or session.tokens is None:
            raise NotSignedIn()
        if not session.user.may_use_console():
            raise Forbidden("no console role")
        return screens.Caller(session.user, session.tokens.access_token, self.console.api)

    async def ensure_session(self) -> ConsoleSession:
        if self.session is None:
            self.session = await self.console.sessions.anonymous(self.language)
            self.set_session_cookie = True
        return self.session


async def visit(request: Request) -> Visit:
    console = request.app.state.console
    session = await console.sessions.load(request.cookies.get(SESSION_COOKIE))
    language = (
        session.language
        if session is not None
        else negotiate(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    )
    return Visit(request, session, language)


def _set_cookies(response: Response, v: Visit) -> None:
    settings = v.console.settings
    if v.set_session_cookie and v.session is not None:
        response.set_cookie(
            SESSION_COOKIE,
            v.session.id,
            max_age=settings.session_ttl_seconds,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
        )


def render(v: Visit, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    session = v.session
    path = v.request.url.path + (f"?{v.request.url.query}" if v.request.url.query else "")
    html = v.console.renderer.render(
        v.language,
        template,
        {
            "user": session.user if session else None,
            "csrf_token": session.csrf_token if session else "",
            "path": path,
            "quoted_path": quote(path, safe=""),
            "other_lang": other(v.language),
            "request_path": v.request.url.path,
            **context,
        },
    )
    response = HTMLResponse(html, status_code=status)
    _set_cookies(response, v)
    return response


def redirect(v: Visit, target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    _set_cookies(response, v)
    return response


async def render_error(request: Request, status: int, kind: str) -> HTMLResponse:
    try:
        v = await visit(request)
    except Exception:  # the session store itself may be what failed
        v = Visit(request, None, negotiate(request.cookies.get(LANGUAGE_COOKIE), None))
    return render(v, "error.html", {"status": status, "kind": kind}, status=status)


async def checked_form(v: Visit) -> dict[str, str]:
    """The posted form, once its CSRF token matched the session's; a POST without it changes nothing."""
    form = await v.request.form()
    fields = {k: str(val) for k, val in form.items() if isinstance(val, str)}
    presented = fields.get("csrf_token") or v.request.headers.get("x-csrf-token")
    if v.session is None or not csrf_matches(v.session, presented):
        raise Forbidden("CSRF token missing or wrong")
    return fields


def _year(request: Request) -> str:
    year = request.query_params.get("year")
    if year:
        if not re.fullmatch(YEAR_PATTERN, year):
            raise InvalidInput({"year": "program_year"})
        return year
    return program_year_of(datetime.now(UTC).date())


# ---------------------------------------------------------------- health


@router.get("/healthz", include_in_schema=False)
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    try:
        await request.app.state.console.store.ping()
    except Exception as exc:
        return JSONResponse({"status": "not ready", "database": exc.__class__.__name__}, status_code=503)
    return JSONResponse({"status": "ready"})


# ---------------------------------------------------------------- signing in and out


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    v = await visit(request)
    if v.session is not None and v.session.user is not None and v.session.user.is_participant:
        return redirect(v, "/portal")  # participants have the portal (entrypoints/portal.py)
    caller = v.caller()
    if caller.user.is_province_admin:
        return redirect(v, "/province")
    if caller.user.board:
        return redirect(v, f"/boards/{caller.user.board}")
    raise NotFound("no board")


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request) -> Response:
    v = await visit(request)
    await v.ensure_session()
    settings = v.console.settings
    return render(
        v,
        "sign_in.html",
        {
            "next": safe_return_path(request.query_params.get("next")),
            "oidc": settings.oidc_enabled,
            "dev": settings.dev_sign_in_enabled,
        },
    )


@router.get("/dev/sign-in", response_class=HTMLResponse)
async def dev_sign_in_page(request: Request) -> Response:
    v = await visit(request)
    if not v.console.settings.dev_sign_in_enabled:
        raise NotFound("development sign-in")
    await v.ensure_session()
    return render(
        v,
        "dev_sign_in.html",
        {"people": DEV_PEOPLE, "next": safe_return_path(request.query_params.get("next"))},
    )


@router.post("/dev/sign-in")
async def dev_sign_in(request: Request) -> Response:
    v = await visit(request)
    if not v.console.settings.dev_sign_in_enabled:
        raise NotFound("development sign-in")
    fields = await checked_form(v)
    assert v.session is not None
    v.session = await v.console.sessions.sign_in_dev(v.session, fields.get("person", ""), fields.get("board"))
    v.set_session_cookie = True
    nxt = safe_return_path(fields.get("next"))
    return redirect(v, nxt if nxt != "/sign-in" else "/")


@router.get("/auth/login")
async def oidc_login(request: Request) -> Response:
    v = await visit(request)
    session = await v.ensure_session()
    v.session, url = await v.console.sessions.begin_oidc(
        session, safe_return_path(request.query_params.get("next"))
    )
    return redirect(v, url)


@router.get("/auth/callback")
async def oidc_callback(request: Request) -> Response:
    v = await visit(request)
    code, state = request.query_params.get("code"), request.query_params.get("state")
    if v.session is None or not code or not state:
        raise Forbidden("no sign-in in progress")
    signed_in = await v.console.sessions.complete_oidc(v.session, code=code, state=state)
    return_to = signed_in.pending.return_to if signed_in.pending else "/"
    v.session = signed_in
    v.set_session_cookie = True
    return redirect(v, return_to if return_to != "/sign-in" else "/")


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    v = await visit(request)
    await checked_form(v)
    assert v.session is not None
    provider_url = await v.console.sessions.sign_out(v.session)
    response = RedirectResponse(provider_url or "/signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/signed-out", response_class=HTMLResponse)
async def signed_out(request: Request) -> Response:
    v = await visit(request)
    return render(v, "signed_out.html", {})


@router.get("/language/{language}")
async def switch_language(language: str, request: Request) -> Response:
    if language not in LANGUAGES:
        raise NotFound("language")
    v = await visit(request)
    if v.session is not None:
        v.session = await v.console.sessions.set_language(v.session, language)
    v.language = language
    response = redirect(v, safe_return_path(request.query_params.get("next")))
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=v.console.settings.secure_cookies,
        path="/",
    )
    return response


# ---------------------------------------------------------------- screens


@router.get("/province", response_class=HTMLResponse)
async def province(request: Request) -> Response:
    v = await visit(request)
    year = _year(request)
    rows = await screens.province(v.caller(), year)
    return render(v, "province.html", {"rows": rows, "year": year})


@router.get("/boards/{code}", response_class=HTMLResponse)
async def board_home(code: str, request: Request) -> Response:
    v = await visit(request)
    year = _year(request)
    caller = v.caller()
    home = await screens.board_home(caller, code, year, datetime.now(UTC).date())
    return render(
        v,
        "board_home.html",
        {"home": home, "board": home.board, "year": year, "section": "home", "ready": home.readiness},
    )


@router.get("/boards/{code}/people", response_class=HTMLResponse)
async def people(code: str, request: Request) -> Response:
    v = await visit(request)
    q = request.query_params
    try:
        page = int(q.get("page") or 1)
    except ValueError as exc:
        raise InvalidInput({"page": "number"}) from exc
    board, items, pages = await screens.people(
        v.caller(),
        code,
        text=q.get("q") or None,
        role=q.get("role") or None,
        status=q.get("status") or None,
        page=page,
    )
    filters = {"q": q.get("q") or "", "role": q.get("role") or "", "status": q.get("status") or ""}
    return render(
        v,
        "people.html",
        {
            "board": board,
            "people": items,
            "pages": pages,
            "filters": filters,
            "roles": screens.ROLES,
            "statuses": screens.STATUSES,
            "section": "people",
        },
    )


async def _hub_page(v: Visit, code: str, year: str, extra: dict[str, Any], status: int = 200) -> HTMLResponse:
    view = await screens.hub_board(v.caller(), code, year)
    done = v.request.query_params.get("done")
    return render(
        v,
        "hubs.html",
        {**view, "year": year, "section": "hubs", "done": done if done in DONE else None, **extra},
        status=status,
    )


DONE = ("moved", "locked", "unlocked", "published", "discarded")


@router.get("/boards/{code}/hubs", response_class=HTMLResponse)
async def hubs(code: str, request: Request) -> Response:
    v = await visit(request)
    return await _hub_page(v, code, _year(request), {})


async def _move_page(
    v: Visit, code: str, hub_id: str, participant: str, year: str, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    view = await screens.hub_board(v.caller(), code, year)
    hub = next((h for h in view["hubs"] if str(h["id"]) == hub_id), None)
    member = next(
        (m for m in (hub or {}).get("members", []) if str(m["participant_id"]) == participant), None
    )
    if hub is None or member is None:
        raise NotFound("member")
    targets = summaries.move_targets(view["hubs"], hub_id)
    return render(
        v,
        "move.html",
        {**view, "hub": hub, "member": member, "targets": targets, "year": year, "section": "hubs", **extra},
        status=status,
    )


@router.get("/boards/{code}/hubs/{hub_id}/move", response_class=HTMLResponse)
async def move_page(code: str, hub_id: str, request: Request) -> Response:
    v = await visit(request)
    return await _move_page(v, code, hub_id, request.query_params.get("participant", ""), _year(request), {})


@router.post("/boards/{code}/hubs/{hub_id}/moves")
async def move_member(code: str, hub_id: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    fields = await checked_form(v)
    year = _year(request)
    missing = {f: "required" for f in ("participant_id", "to_hub_id") if not fields.get(f)}
    if missing:
        raise InvalidInput(missing)
    try:
        await screens.move_member(
            caller,
            code,
            hub_id=hub_id,
            participant_id=fields["participant_id"],
            to_hub_id=fields["to_hub_id"],
            force=fields.get("force") == "true",
        )
    except Refused as refused:
        extra = {
            "refusal": refused,
            "refused_member": fields["participant_id"],
            "refused_target": fields["to_hub_id"],
            "refused_from": hub_id,
        }
        if fields.get("from") == "move":
            return await _move_page(v, code, hub_id, fields["participant_id"], year, extra, status=409)
        return await _hub_page(v, code, year, extra, status=409)
    return redirect(v, f"/boards/{code}/hubs?year={year}&done=moved#hub-{fields['to_hub_id']}")


@router.post("/boards/{code}/hubs/{hub_id}/{action}")
async def lock_hub(code: str, hub_id: str, action: str, request: Request) -> Response:
    if action not in ("lock", "unlock"):
        raise NotFound("action")
    v = await visit(request)
    caller = v.caller()
    await checked_form(v)
    year = _year(request)
    try:
        await screens.set_locked(caller, code, hub_id=hub_id, locked=action == "lock")
    except Refused as refused:
        return await _hub_page(v, code, year, {"refusal": refused}, status=409)
    return redirect(v, f"/boards/{code}/hubs?year={year}&done={action}ed#hub-{hub_id}")


@router.post("/boards/{code}/matching-runs")
async def start_run(code: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    await checked_form(v)
    year = _year(request)
    try:
        run = await screens.start_run(caller, code, year)
    except NotCaughtUp as behind:
        return await _hub_page(v, code, year, {"behind": behind}, status=409)
    except Refused as refused:
        return await _hub_page(v, code, year, {"refusal": refused}, status=409)
    return redirect(v, f"/boards/{code}/matching-runs/{run['id']}?year={year}")


RUN_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _run_id(run_id: str) -> str:
    if not RUN_ID.match(run_id):
        raise NotFound("run")
    return run_id


async def _review_page(
    v: Visit, code: str, run_id: str, year: str, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    view = await screens.draft(v.caller(), code, year, _run_id(run_id))
    return render(v, "review.html", {**view, "year": year, "section": "hubs", **extra}, status=status)


@router.get("/boards/{code}/matching-runs/{run_id}", response_class=HTMLResponse)
async def review_run(code: str, run_id: str, request: Request) -> Response:
    """The draft a run made, and what publishing it would change, before anyone is told."""
    v = await visit(request)
    done = request.query_params.get("done")
    return await _review_page(v, code, run_id, _year(request), {"done": done if done == "moved" else None})


@router.post("/boards/{code}/matching-runs/{run_id}/draft-moves")
async def move_in_draft(code: str, run_id: str, request: Request) -> Response:
    """Move a teacher within the draft: the review page shows the draft recomputed."""
    v = await visit(request)
    caller = v.caller()
    form = await checked_form(v)
    year = _year(request)
    fields = {k: str(form.get(k) or "") for k in ("participant_id", "to_hub_id", "force")}
    missing = {k: "required" for k in ("participant_id", "to_hub_id") if not fields[k]}
    if missing:
        raise InvalidInput(missing)
    try:
        await screens.move_in_draft(
            caller,
            code,
            year,
            _run_id(run_id),
            participant_id=fields["participant_id"],
            to_hub_id=fields["to_hub_id"],
            force=fields["force"] == "true",
        )
    except Refused as refused:
        extra = {
            "refusal": refused,
            "draft_refused_member": fields["participant_id"],
            "draft_refused_target": fields["to_hub_id"],
        }
        return await _review_page(v, code, run_id, year, extra, status=409)
    return redirect(
        v, f"/boards/{code}/matching-runs/{run_id}?year={year}&done=moved#draft-hub-{fields['to_hub_id']}"
    )


@router.post("/boards/{code}/matching-runs/{run_id}/{action}")
async def decide_run(code: str, run_id: str, action: str, request: Request) -> Response:
    if action not in ("publish", "discard"):
        raise NotFound("action")
    v = await visit(request)
    caller = v.caller()
    await checked_form(v)
    year = _year(request)
    try:
        await screens.decide_draft(caller, code, year, _run_id(run_id), publish=action == "publish")
    except Refused as refused:
        return await _review_page(v, code, run_id, year, {"refusal": refused}, status=409)
    return redirect(
        v, f"/boards/{code}/hubs?year={year}&done={'published' if action == 'publish' else 'discarded'}"
    )


# ---------------------------------------------------------------- bulk import


@router.get("/boards/{code}/imports/new", response_class=HTMLResponse)
async def import_form(code: str, request: Request) -> Response:
    v = await visit(request)
    board = await screens.board(v.caller(), code)
    return render(v, "import_new.html", {"board": board, "year": _year(request), "section": "people"})


@router.post("/boards/{code}/imports")
async def submit_import(code: str, request: Request) -> Response:
    v = await visit(request)
    caller = v.caller()
    form = await request.form(max_files=1, max_fields=5)
    presented = form.get("csrf_token")
    if v.session is None or not csrf_matches(v.session, presented if isinstance(presented, str) else None):
        raise Forbidden("CSRF token missing or wrong")
    upload = form.get("file")
    year = str(form.get("program_year") or "") or _year(request)
    if isinstance(upload, str) or upload is None:
        raise InvalidInput({"file": "required"})
    content = await upload.read(MAX_UPLOAD_BYTES + 1)
    try:
        if len(content) > MAX_UPLOAD_BYTES:
            raise Refused([reasons.Reason("file_too_large", {}, "file too large")])
        job = await screens.submit_import(
            caller,
            code,
            filename=upload.filename or "upload.csv",
            content=content,
            content_type=upload.content_type or "text/csv",
            program_year=year,
        )
    except Refused as refused:
        board = await screens.board(caller, code)
        return render(
            v,
            "import_new.html",
            {"board": board, "year": year, "section": "people", "refusal": refused},
            status=422,
        )
    return redirect(v, f"/boards/{code}/imports/{job['id']}")


@router.get("/boards/{code}/imports/{import_id}", response_class=HTMLResponse)
async def import_progress(code: str, import_id: str, request: Request) -> Response:
    v = await visit(request)
    board, job = await screens.read_import(v.caller(), code, import_id)
    return render(v, "import.html", {"board": board, "job": job, "section": "people"})


@router.get("/boards/{code}/imports/{import_id}/errors.csv")
async def import_errors_csv(code: str, import_id: str, request: Request) -> Response:
    v = await visit(request)
    rows = await screens.import_errors(v.caller(), code, import_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "row", "column", "message"])
    for row in rows:
        writer.writerow(
            [row.get("file") or "", row.get("row") or "", row.get("column") or "", row["message"]]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
    )
