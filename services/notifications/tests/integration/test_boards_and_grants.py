"""Board contacts (managed over HTTP), what coordinators hear (unplaced teachers, the grant deadline)
and start-up grant news for applicants and reviewers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain.timing import grant_deadline, upcoming_grant_program_year
from services.notifications.tests.integration.helpers import REVIEWERS, Notifications, person, text_of
from shared.events.grants import GrantApproved, GrantDeclined, GrantSubmitted
from shared.events.matching import ParticipantUnplaced, Reason
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def contact(role: str = "coordinator", language: str = "en") -> dict[str, str]:
    return {
        "email": f"{role}.{uuid.uuid4().hex[:6]}@board.example.org",
        "name": "Dana Okafor",
        "language": language,
        "role": role,
    }


async def test_board_contacts_api_is_scoped_to_the_board(notif: Notifications):
    board, other = unique_board(), unique_board()
    path = f"/v1/boards/{board}/contacts"
    coordinator = notif.token("board_coordinator", board=board)
    created = await notif.call("POST", path, coordinator, json=contact())
    assert created.status_code == 201, created.text
    admin = await notif.call(
        "POST", path, notif.token("province_admin"), json=contact("steering_committee", "fr")
    )
    assert admin.status_code == 201
    listed = (await notif.call("GET", path, coordinator)).json()
    assert sorted(c["role"] for c in listed) == ["coordinator", "steering_committee"]

    duplicate = await notif.call(
        "POST", path, coordinator, json={**contact(), "email": created.json()["email"]}
    )
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "email"
    assert (await notif.call("GET", path, notif.token("board_coordinator", board=other))).status_code == 404
    assert (
        await notif.call(
            "POST", path, notif.token("participant", participant_id=uuid.uuid4()), json=contact()
        )
    ).status_code == 403
    assert (await notif.call("GET", path)).status_code == 401
    bad = await notif.call(
        "POST", path, coordinator, json={**contact(), "email": "not-an-address", "role": "boss"}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "role"}
    assert (await notif.call("GET", "/v1/boards/x%00y/contacts", coordinator)).status_code == 422

    removed = await notif.call("DELETE", f"{path}/{created.json()['id']}", coordinator)
    assert removed.status_code == 204
    assert len((await notif.call("GET", path, coordinator)).json()) == 1


async def test_unplaced_teacher_reaches_the_coordinators_even_before_there_are_any(notif: Notifications):
    board = unique_board()
    teacher = person(board)
    await notif.register(board, teacher)
    unplaced = ParticipantUnplaced(
        board=board,
        program_year="2026-2027",
        participant_id=teacher.participant_id,
        reason="No hub for senior arts this year; nearest theme is full.",
        reasons=[Reason(code="no_hub_with_room", values={"hubs": 2})],
    )
    await notif.handle(unplaced)
    assert (
        await notif.scalar(
            "SELECT waiting_for FROM awaiting_messages WHERE event_id = :e", e=unplaced.event_id
        )
        == f"board:{board}"
    )

    coordinator = notif.token("board_coordinator", board=board)
    first = contact("coordinator", "fr")
    await notif.call("POST", f"/v1/boards/{board}/contacts", coordinator, json=first)
    committee = contact("steering_committee")
    await notif.call("POST", f"/v1/boards/{board}/contacts", coordinator, json=committee)
    got = await notif.mails_to(first["email"], template="participant_unplaced")
    mail = got[first["email"]][0]
    assert (
        str(mail["Subject"])
        == f"Pas encore placé dans un carrefour : {teacher.given_name} {teacher.family_name}"
    )
    # The reason worded from its fact in the coordinator's language, never the event's English prose.
    assert "Tous les carrefours compatibles sont complets (2)." in text_of(mail)
    assert "No hub for senior arts" not in text_of(mail)
    assert mail["List-Unsubscribe"] is None  # a board contact, not a participant
    await notif.settle()
    assert notif.mails(committee["email"], "participant_unplaced") == []  # coordinators only


async def test_grant_news_goes_to_the_applicant_and_the_reviewers(notif: Notifications):
    board = unique_board()
    fields: dict[str, Any] = dict(
        board=board,
        application_id=uuid.uuid4(),
        program_year="2026-2027",
        stream="beginning_teacher",
        applicant_organisation="Elm Valley steering committee",
        contact_name="Sam Tremblay",
        contact_email=f"sam.{uuid.uuid4().hex[:6]}@local.example.org",
        requested_total="4200.00",
    )
    await notif.handle(GrantSubmitted(**fields))
    got = await notif.mails_to(fields["contact_email"], *REVIEWERS, template="grant_update")
    assert "We received your start-up grant application" in text_of(got[fields["contact_email"]][0])
    assert "ready for review" in text_of(got[REVIEWERS[0]][-1])
    await notif.handle(GrantApproved(**fields, awarded_amount="4000.00"))
    got = await notif.mails_to(fields["contact_email"], *REVIEWERS, template="grant_update", each=2)
    assert "$4,000.00" in text_of(got[fields["contact_email"]][1])
    declined = {**fields, "application_id": uuid.uuid4(), "contact_email": None}
    await notif.handle(GrantDeclined(**declined, reason="Outside the program's scope"))
    await notif.mails_to(*REVIEWERS, template="grant_update", each=3)


async def test_grant_deadline_reminder_only_for_boards_that_have_not_submitted(notif: Notifications):
    submitted, silent = unique_board(), unique_board()
    admin = notif.token("province_admin")
    people = {}
    for board in (submitted, silent):
        people[board] = contact("steering_committee", "fr" if board == silent else "en")
        assert (
            await notif.call("POST", f"/v1/boards/{board}/contacts", admin, json=people[board])
        ).status_code == 201
    toronto = ZoneInfo("America/Toronto")
    year = upcoming_grant_program_year(datetime.now(UTC), toronto)
    deadline = grant_deadline(year, toronto)
    await notif.handle(
        GrantSubmitted(
            board=submitted,
            application_id=uuid.uuid4(),
            program_year=year,
            stream="school_leadership",
            applicant_organisation="Maple steering committee",
        )
    )
    scheduler = notif.scheduler
    early = await scheduler.run_once(deadline - timedelta(days=30))
    assert (
        await notif.scalar("SELECT state FROM reminders WHERE key = :k", k=f"grant_deadline:{silent}:{year}")
        == "pending"
    )
    assert early["planned"] == 0  # planned when the contacts were added
    await scheduler.run_once(deadline - timedelta(days=10))
    await scheduler.run_once(deadline - timedelta(days=9))  # a second pass sends nothing more
    got = await notif.mails_to(people[silent]["email"], template="reminder_grant_deadline")
    mail = got[people[silent]["email"]][0]
    assert (
        str(mail["Subject"])
        == f"Les demandes de subvention de démarrage sont dues le 30 juin {deadline.year}"
    )
    assert "encore 10 jours" in text_of(mail)
    await notif.settle()
    assert len(notif.mails(people[silent]["email"], "reminder_grant_deadline")) == 1
    assert notif.mails(people[submitted]["email"], "reminder_grant_deadline") == []
