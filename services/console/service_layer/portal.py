"""What each portal page needs, asked of the services with the participant's own token. No business
rule: the services decide who may read or change what (and answer 404 for anyone else's id); the
portal gathers, and refuses early an id that is not the signed-in participant's."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from services.console.adapters.services_api import ApiError, ServicesApi
from services.console.domain.session import SignedInUser
from services.console.service_layer.errors import InvalidInput, NotFound, Unavailable
from services.console.service_layer.screens import _ask, _maybe


@dataclass(frozen=True)
class Participant:
    """The signed-in participant and their token; ``id`` is theirs (from the token's claim)."""

    user: SignedInUser
    token: str
    api: ServicesApi

    @property
    def id(self) -> str:
        assert self.user.participant_id is not None
        return self.user.participant_id


def themes_by_code(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t["code"]: t for t in found}


async def _record(p: Participant) -> dict[str, Any]:
    return await _ask(p.api.get("registration", f"/v1/participants/{p.id}", p.token))  # type: ignore[no-any-return]


async def _board(p: Participant) -> dict[str, Any]:
    if not p.user.board:
        return {"timezone": None}
    return await _maybe(p.api.get("registration", f"/v1/boards/{p.user.board}", p.token), {"timezone": None})  # type: ignore[no-any-return]


async def mentoring_web(p: Participant) -> dict[str, Any]:
    web, themes, board = await asyncio.gather(
        _maybe(p.api.get("matching", f"/v1/participants/{p.id}/mentoring-web", p.token), None),
        _ask(p.api.get("registration", "/v1/themes", p.token)),
        _board(p),
    )
    hubs = {}
    if web:
        hubs = {h["id"]: h for h in [*([web["hub"]] if web["hub"] else []), *web["led_hubs"]]}
    to_record = await _meetings_to_record(p) if web and web["led_hubs"] else []
    return {
        "web": web,
        "themes": themes_by_code(themes),
        "board": board,
        "hubs_by_id": hubs,
        "to_record": to_record,
    }


async def _meetings_to_record(p: Participant) -> list[dict[str, Any]] | None:
    """The started meetings of the hubs the participant leads, recorded or not (evaluation keeps them);
    None when evaluation cannot answer now (the rest of the page still shows)."""
    try:
        found = await p.api.get("evaluation", f"/v1/participants/{p.id}/meetings-to-record", p.token)
    except ApiError as exc:
        if exc.status == 0 or exc.status >= 500:
            return None
        return []
    return found  # type: ignore[no-any-return]


async def attendance(p: Participant, meeting_id: str) -> dict[str, Any]:
    """A started meeting of a hub the participant leads, with the hub's members and leaders (their
    names); 404 for any other meeting, and for anyone who does not lead its hub."""
    web, found, themes, board = await asyncio.gather(
        _maybe(p.api.get("matching", f"/v1/participants/{p.id}/mentoring-web", p.token), None),
        _ask(p.api.get("evaluation", f"/v1/participants/{p.id}/meetings-to-record", p.token)),
        _ask(p.api.get("registration", "/v1/themes", p.token)),
        _board(p),
    )
    meeting = next((m for m in found if m["id"] == meeting_id), None)
    hub = next(
        (h for h in (web or {}).get("led_hubs") or [] if meeting and h["id"] == meeting["hub_id"]), None
    )
    if meeting is None or hub is None:
        raise NotFound("no such meeting for you")
    people = [{**x, "leader": True} for x in hub["leaders"]] + [
        {**x, "leader": False} for x in hub["members"]
    ]
    return {
        "meeting": meeting,
        "hub": hub,
        "people": people,
        "themes": themes_by_code(themes),
        "board": board,
    }


async def record_attendance(p: Participant, meeting_id: str, present: list[str], everyone: list[str]) -> None:
    """The meeting held, and who came (everyone else of the hub absent), recorded with the leader's
    token: evaluation checks again that they lead the meeting's hub."""
    absent = [x for x in everyone if x not in present]
    try:
        await p.api.post(
            "evaluation",
            f"/v1/hub-meetings/{meeting_id}/record",
            p.token,
            {"present": present, "absent": absent},
        )
    except ApiError as exc:
        if exc.status in (409, 422):
            raise InvalidInput(
                {str(e.get("field", "present")): "invalid" for e in exc.problem.get("errors") or [{}]}
            ) from exc
        if exc.status in (401, 403, 404):
            raise NotFound(exc.detail or "not found") from exc
        raise Unavailable(exc.detail or "service unavailable") from exc


async def goals(p: Participant) -> dict[str, Any]:
    record, themes = await asyncio.gather(_record(p), _ask(p.api.get("registration", "/v1/themes", p.token)))
    return {"record": record, "themes": themes_by_code(themes)}


async def save_goals(p: Participant, learning_goals: str, themes: list[str]) -> None:
    """The participant's goals and themes, in their order of preference (the service validates them)."""
    try:
        await p.api.call(
            "registration",
            "PATCH",
            f"/v1/participants/{p.id}",
            p.token,
            json={"learning_goals": learning_goals.strip() or None, "themes": themes},
        )
    except ApiError as exc:
        if exc.status == 422:
            fields = {
                str(e.get("field", "")).split(".")[0] or "learning_goals": "invalid"
                for e in exc.problem.get("errors") or [{}]
            }
            raise InvalidInput(fields) from exc
        if exc.status in (401, 403, 404):
            raise NotFound(exc.detail or "not found") from exc
        raise Unavailable(exc.detail or "service unavailable") from exc


def _open_to(role: str, session: dict[str, Any]) -> bool:
    audience = session.get("audience") or []
    return not audience or role in audience


async def sessions(p: Participant) -> dict[str, Any]:
    record = await _record(p)
    found, mine, board = await asyncio.gather(
        _ask(
            p.api.get(
                "registration",
                "/v1/sessions",
                p.token,
                board=record["board"],
                program_year=record["program_year"],
            )
        ),
        _ask(p.api.get("registration", f"/v1/participants/{p.id}/enrolments", p.token)),
        _board(p),
    )
    by_session = {e["session_id"]: e for e in mine if e["session_id"]}
    by_cohort = {e["cohort_id"]: e for e in mine if e["cohort_id"]}
    listed = []
    for s in sorted(found, key=lambda s: (s["starts_at"], s["title"])):
        enrolment = by_cohort.get(s["cohort_id"]) if s.get("cohort_id") else by_session.get(s["id"])
        if s["status"] == "cancelled" and enrolment is None:
            continue
        if not _open_to(record["role"], s) and enrolment is None:
            continue
        listed.append({**s, "mine": enrolment})
    return {"record": record, "sessions": listed, "board": board}


async def _session(p: Participant, session_id: str) -> dict[str, Any]:
    return await _ask(p.api.get("registration", f"/v1/sessions/{session_id}", p.token))  # type: ignore[no-any-return]


async def enrol(p: Participant, session_id: str) -> dict[str, Any]:
    """A seat or a waitlist place; a cohort meeting enrols in its whole cohort group."""
    s = await _session(p, session_id)
    target = f"/v1/network-cohorts/{s['cohort_id']}" if s.get("cohort_id") else f"/v1/sessions/{session_id}"
    try:
        return await p.api.post("registration", f"{target}/enrolments", p.token, {"participant_id": p.id})  # type: ignore[no-any-return]
    except ApiError as exc:
        if exc.status in (409, 422):
            raise InvalidInput({"session": "refused"}) from exc
        raise NotFound(exc.detail or "not found") from exc


async def withdraw(p: Participant, session_id: str) -> None:
    s = await _session(p, session_id)
    target = f"/v1/network-cohorts/{s['cohort_id']}" if s.get("cohort_id") else f"/v1/sessions/{session_id}"
    await _ask(p.api.call("registration", "DELETE", f"{target}/enrolments/{p.id}", p.token))


async def calendar(p: Participant) -> dict[str, Any]:
    """The meetings and sessions the participant is in (notifications keeps them), and whether their
    personal feed is on."""
    items, feed, board = await asyncio.gather(
        _ask(p.api.get("notifications", f"/v1/participants/{p.id}/calendar", p.token)),
        _ask(p.api.get("notifications", f"/v1/participants/{p.id}/calendar-feed", p.token)),
        _board(p),
    )
    return {"items": items, "feed": feed, "board": board}


async def entry_ics(p: Participant, item_id: str) -> str:
    """One entry as iCalendar text, fetched with the participant's token (the service checks it)."""
    try:
        content, _, _ = await p.api.download(
            "notifications", f"/v1/participants/{p.id}/calendar/{item_id}.ics", p.token
        )
    except ApiError as exc:
        if exc.status == 0 or exc.status >= 500:
            raise Unavailable("notifications") from exc
        raise NotFound("no such entry") from exc
    return content.decode()


async def new_feed(p: Participant) -> str:
    """A new secret feed URL (shown once: only its hash is kept); an earlier one stops working."""
    created = await _ask(p.api.post("notifications", f"/v1/participants/{p.id}/calendar-feed", p.token, None))
    return str(created["url"])


async def revoke_feed(p: Participant) -> None:
    await _ask(p.api.call("notifications", "DELETE", f"/v1/participants/{p.id}/calendar-feed", p.token))


async def preferences(p: Participant) -> dict[str, Any]:
    """The participant's language (registration holds it) and how they get messages (notifications)."""
    record, prefs = await asyncio.gather(
        _record(p),
        _maybe(
            p.api.get("notifications", "/v1/preferences/me", p.token),
            {"delivery_preference": "immediate", "unsubscribed": False},
        ),
    )
    return {"record": record, "prefs": prefs}


async def save_preferences(p: Participant, *, language: str, delivery: str, unsubscribed: bool) -> None:
    await asyncio.gather(
        _ask(
            p.api.call(
                "registration", "PATCH", f"/v1/participants/{p.id}", p.token, json={"language": language}
            )
        ),
        _ask(
            p.api.call(
                "notifications",
                "PUT",
                "/v1/preferences/me",
                p.token,
                json={"delivery_preference": delivery, "unsubscribed": unsubscribed},
            )
        ),
    )


async def observation(p: Participant, observation_id: str) -> dict[str, Any]:
    """An observation visit and the debriefs the participant may read: their own, or those whose
    author shared them with them as mentor. Matching answers 404 to anyone else (a coordinator, a
    principal or evaluator included): the portal shows nothing then."""
    visit, debriefs, web, board = await asyncio.gather(
        _maybe(p.api.get("matching", f"/v1/observations/{observation_id}", p.token), None),
        _maybe(p.api.get("matching", f"/v1/observations/{observation_id}/debriefs", p.token), []),
        _maybe(p.api.get("matching", f"/v1/participants/{p.id}/mentoring-web", p.token), None),
        _board(p),
    )
    if visit is None and not debriefs:
        raise NotFound("no such visit for you")
    mine = next((d for d in debriefs if d["author_id"] == p.id), None)
    shared_with_me = [d for d in debriefs if d["author_id"] != p.id]
    mentor = (web or {}).get("one_to_one_mentor")
    return {"visit": visit, "mine": mine, "shared": shared_with_me, "mentor": mentor, "board": board}


async def write_debrief(p: Participant, observation_id: str, body: str, mentor_id: str | None) -> None:
    try:
        await p.api.call(
            "matching",
            "PUT",
            f"/v1/observations/{observation_id}/debrief",
            p.token,
            json={"body": body, "mentor_id": mentor_id},
        )
    except ApiError as exc:
        if exc.status == 422:
            raise InvalidInput(
                {str(e.get("field", "body")): "invalid" for e in exc.problem.get("errors") or [{}]}
            ) from exc
        if exc.status in (401, 403, 404):
            raise NotFound(exc.detail or "not found") from exc
        raise Unavailable(exc.detail or "service unavailable") from exc
