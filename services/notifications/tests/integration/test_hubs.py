"""Hubs through the real broker: one bilingual invitation per member and leader, exactly once, even
when the hub is announced before its members' contacts are known."""

from __future__ import annotations

import uuid

import pytest

from services.notifications.domain.calendar import hub_meeting_id, meeting_uid
from services.notifications.tests.integration.helpers import (
    Notifications,
    calendar_of,
    events_of,
    in_days,
    person,
    registered,
    text_of,
)
from shared.events.matching import HubFormed, HubMembershipChanged
from shared.events.registration import ParticipantProfile, ParticipantWithdrawn
from shared.testing.helpers import unique_board
from shared.testing.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def full(p: ParticipantProfile) -> str:
    return f"{p.given_name} {p.family_name}"


async def test_hub_of_seven_and_two_leaders_gets_nine_invitations_once_in_their_language(
    notif: Notifications,
):
    board = unique_board()
    members = [person(board, language="fr" if i % 3 == 0 else "en") for i in range(7)]
    leaders = [person(board, language="fr", role="mentor"), person(board, language="en", role="mentor")]
    everyone = members + leaders
    for profile in everyone:
        await notif.publish(registered(board, profile))
    await notif.mails_to(*(str(p.email) for p in everyone), template="welcome")

    dates = [in_days(20), in_days(48, hour=19), in_days(76)]
    hub = HubFormed(
        board=board,
        hub_id=uuid.uuid4(),
        program_year="2026-2027",
        theme="assessment",
        members=[p.participant_id for p in members],
        leaders=[p.participant_id for p in leaders],
        explanation="Grouped by a shared goal in assessment.",
        meeting_dates=dates,
    )
    await notif.publish(hub, times=3)  # the same event delivered three times

    got = await notif.mails_to(*(str(p.email) for p in everyone), template="hub_formed")
    await notif.settle()
    expected_uids = {meeting_uid(hub_meeting_id(hub.hub_id, i)) for i in range(len(dates))}
    for profile in everyone:
        mails = notif.mails(str(profile.email), "hub_formed")
        assert len(mails) == 1, f"{len(mails)} hub emails to one member"
        mail = mails[0]
        subject, text = str(mail["Subject"]), text_of(mail)
        if profile.language == "fr":
            assert subject == "Votre carrefour de mentorat : Évaluation"
            assert "Dates des rencontres" in text
        else:
            assert subject == "Your mentoring hub: Assessment"
            assert "Meeting dates" in text
        # Co-members and the two leaders by name (not oneself).
        for other in everyone:
            if other.participant_id != profile.participant_id:
                assert full(other) in text
        assert full(profile) not in text
        calendar = calendar_of(mail)
        assert calendar is not None
        assert str(calendar["METHOD"]) == "REQUEST"
        vevents = events_of(calendar)
        assert sorted(e.decoded("DTSTART") for e in vevents) == sorted(dates)
        assert {str(e["UID"]) for e in vevents} == expected_uids
        assert all(int(e["SEQUENCE"]) == 0 for e in vevents)
        assert [str(a) for e in vevents for a in [e["ATTENDEE"]]] == [f"mailto:{profile.email}"] * len(dates)
    assert sum(len(v) for v in got.values()) == 9

    # Exactly once, by construction: one inbox row, nine delivery-log rows; running the handler
    # again behind the inbox's back (a replayed transaction) still adds nothing.
    assert await notif.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=hub.event_id) == 1
    consumer = notif.runtime.consumer
    assert consumer is not None
    async with notif.runtime.system_uow() as uow:
        await consumer.handlers[HubFormed](uow, hub)
        await uow.commit()
    await notif.settle()
    assert await notif.scalar("SELECT count(*) FROM notifications WHERE event_id = :e", e=hub.event_id) == 9
    assert all(len(notif.mails(str(p.email), "hub_formed")) == 1 for p in everyone)
    # Each meeting date will be reminded of (3 days ahead) under the id its invitation carries.
    reminders = await notif.rows(
        "SELECT key, due_at FROM reminders WHERE key = ANY(:keys)",
        keys=[f"meeting:{hub_meeting_id(hub.hub_id, i)}" for i in range(3)],
    )
    assert len(reminders) == 3


async def test_hub_formed_before_members_registered_reaches_them_when_they_are(notif: Notifications):
    board = unique_board()
    known = [person(board), person(board, role="mentor")]
    late = [person(board, language="fr"), person(board), person(board, role="mentor")]
    await notif.register(board, *known)
    hub = HubFormed(
        board=board,
        hub_id=uuid.uuid4(),
        program_year="2026-2027",
        theme="early_years_literacy",
        members=[known[0].participant_id, late[0].participant_id, late[1].participant_id],
        leaders=[known[1].participant_id, late[2].participant_id],
        meeting_dates=[in_days(30)],
    )
    await notif.publish(hub)
    await notif.mails_to(*(str(p.email) for p in known), template="hub_formed")
    waiting = await notif.rows(
        "SELECT waiting_for FROM awaiting_messages WHERE event_id = :e", e=hub.event_id
    )
    assert sorted(w for (w,) in waiting) == sorted(f"contact:{p.participant_id}" for p in late)

    for profile in late:
        await notif.publish(registered(board, profile))
    got = await notif.mails_to(*(str(p.email) for p in late), template="hub_formed")
    assert str(got[str(late[0].email)][0]["Subject"]).startswith("Votre carrefour")
    # Written when the contact arrived: the names known by then are in it.
    assert full(known[0]) in text_of(got[str(late[1].email)][0])
    await wait_until(
        lambda: notif.scalar("SELECT count(*) = 0 FROM awaiting_messages WHERE event_id = :e", e=hub.event_id)
    )
    await notif.settle()
    assert all(len(notif.mails(str(p.email), "hub_formed")) == 1 for p in known + late)


async def test_membership_change_tells_the_newcomer_the_hub_and_the_one_who_left(notif: Notifications):
    board = unique_board()
    a, b, c, gone = person(board), person(board), person(board, language="fr"), person(board)
    l1, l2 = person(board, role="mentor"), person(board, role="mentor")
    await notif.register(board, a, b, c, gone, l1, l2)
    hub_id = uuid.uuid4()
    dates = [in_days(15), in_days(45)]
    await notif.handle(
        HubFormed(
            board=board,
            hub_id=hub_id,
            program_year="2026-2027",
            theme="assessment",
            members=[a.participant_id, b.participant_id, gone.participant_id],
            leaders=[l1.participant_id, l2.participant_id],
            meeting_dates=dates,
        )
    )
    await notif.mails_to(str(a.email), template="hub_formed")
    # ``gone`` withdraws from the program: no more hub mail for them.
    withdrawn = gone.model_copy(update={"revision": 2, "status": "withdrawn"})
    await notif.handle(ParticipantWithdrawn(board=board, participant=withdrawn, reason="moved away"))
    change = HubMembershipChanged(
        board=board,
        hub_id=hub_id,
        program_year="2026-2027",
        theme="assessment",
        added=[c.participant_id],
        removed=[b.participant_id, gone.participant_id],
        members=[a.participant_id, c.participant_id],
        leaders=[l1.participant_id, l2.participant_id],
        reason="coordinator override",
        change="coordinator_move",
    )
    await notif.handle(change)

    joined = (await notif.mails_to(str(c.email), template="hub_changed"))[str(c.email)][0]
    assert str(joined["Subject"]).startswith("Vous vous joignez")
    invite = calendar_of(joined)
    assert invite is not None and len(events_of(invite)) == 2  # the hub's meeting dates
    assert full(a) in text_of(joined) and full(l1) in text_of(joined)

    removed = (await notif.mails_to(str(b.email), template="hub_removed"))[str(b.email)][0]
    cancel = calendar_of(removed)
    assert cancel is not None and str(cancel["METHOD"]) == "CANCEL"
    assert {str(e["UID"]) for e in events_of(cancel)} == {
        meeting_uid(hub_meeting_id(hub_id, i)) for i in range(2)
    }
    assert all(str(e["STATUS"]) == "CANCELLED" for e in events_of(cancel))

    stayed = await notif.mails_to(str(a.email), str(l1.email), template="hub_changed")
    assert all(calendar_of(m[0]) is None for m in stayed.values())  # nothing changes in their calendar
    assert full(c) in text_of(stayed[str(a.email)][0])
    await notif.settle()
    assert notif.mails(str(gone.email), "hub_changed") == notif.mails(str(gone.email), "hub_removed") == []
