"""Only the people a change concerns hear of it, once, in their language, with what their calendar
needs; nothing a participant reads carries a coordinator's note or an internal id; boards and themes
are named as registration publishes them. Events come through the real broker where the queue's
bindings matter (observation visits, grant paid, session withdrawal)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from services.notifications.domain.calendar import hub_meeting_id, meeting_uid, observation_uid, session_uid
from services.notifications.tests.integration.helpers import (
    Notifications,
    calendar_of,
    events_of,
    in_days,
    person,
    text_of,
)
from shared.events.grants import GrantPaid
from shared.events.matching import (
    HubFormed,
    HubMeetingCancelled,
    HubMeetingScheduled,
    HubMembershipChanged,
    MentorPaired,
    MentorUnpaired,
    ObservationCancelled,
    ObservationRescheduled,
    ObservationScheduled,
    Reason,
)
from shared.events.registration import (
    BoardRegistered,
    BoardRenamed,
    EnrolmentCancelled,
    EnrolmentConfirmed,
    ParticipantProfile,
    ParticipantWithdrawn,
    SessionScheduled,
    ThemeDefined,
)
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
NOTE = "Moved at the principal's request (see ticket 4411)"
ENGLISH_IN_FRENCH = re.compile(r"\b(the|your|you|hub|meeting|with|has|will|is|are)\b", re.I)


def full(p: ParticipantProfile) -> str:
    return f"{p.given_name} {p.family_name}"


def readable(mail: EmailMessage) -> str:
    """What the recipient reads: subject and text, links left out (ids may only live in links)."""
    return re.sub(r"https?://\S+", "", f"{mail['Subject']}\n{text_of(mail)}")


def assert_clean(mail: EmailMessage, french: bool) -> None:
    text = readable(mail)
    assert not UUID.search(text), text
    assert NOTE not in text and "ticket" not in text
    if french:
        assert not ENGLISH_IN_FRENCH.search(text.split("\n--")[0]), text


async def sent_for(notif: Notifications, event_id: uuid.UUID) -> int:
    return int(await notif.scalar("SELECT count(*) FROM notifications WHERE event_id = :e", e=event_id))


async def handled(notif: Notifications, event_id: uuid.UUID) -> bool:
    return bool(await notif.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=event_id))


async def test_a_lock_tells_no_one_and_a_move_tells_each_person_what_concerns_them(notif: Notifications):
    board = unique_board()
    a, b, c = person(board, language="fr"), person(board), person(board)
    newcomer = person(board, language="fr")
    l1, l2 = person(board, role="mentor", language="fr"), person(board, role="mentor")
    await notif.register(board, a, b, c, newcomer, l1, l2)
    hub_id = uuid.uuid4()
    dates = [in_days(15), in_days(45)]
    await notif.handle(
        HubFormed(
            board=board,
            hub_id=hub_id,
            program_year="2026-2027",
            theme="assessment",
            members=[a.participant_id, b.participant_id, c.participant_id],
            leaders=[l1.participant_id, l2.participant_id],
            explanation=f"{NOTE}: {l1.participant_id}",
            reasons=[Reason(code="hub_size", values={"teachers": 3})],
            member_reasons={
                str(a.participant_id): [Reason(code="first_theme", values={"theme": "assessment"})]
            },
            meeting_dates=dates,
        )
    )
    formed = (await notif.mails_to(str(a.email), template="hub_formed"))[str(a.email)][0]
    assert_clean(formed, french=True)
    assert "Le carrefour compte 3 membres du nouveau personnel enseignant." in text_of(formed)
    assert "Vous avez choisi « Évaluation » comme premier thème." in text_of(formed)

    members = [a.participant_id, b.participant_id, c.participant_id]
    leaders = [l1.participant_id, l2.participant_id]
    lock = HubMembershipChanged(
        board=board,
        hub_id=hub_id,
        program_year="2026-2027",
        theme="assessment",
        members=members,
        leaders=leaders,
        reason=NOTE,
    )
    await notif.handle(lock)
    assert await handled(notif, lock.event_id)
    assert await sent_for(notif, lock.event_id) == 0  # a lock changes nothing for anyone

    move = HubMembershipChanged(
        board=board,
        hub_id=hub_id,
        program_year="2026-2027",
        theme="assessment",
        added=[newcomer.participant_id],
        removed=[b.participant_id],
        members=[a.participant_id, c.participant_id, newcomer.participant_id],
        leaders=leaders,
        reason=f"{NOTE} {b.participant_id}",
        change="coordinator_move",
        member_reasons={str(newcomer.participant_id): [Reason(code="coordinator_decision")]},
    )
    await notif.publish(move, times=2)
    joined = (await notif.mails_to(str(newcomer.email), template="hub_changed"))[str(newcomer.email)][0]
    assert_clean(joined, french=True)
    assert str(joined["Subject"]) == "Vous vous joignez à un carrefour de mentorat : Évaluation"
    assert "La coordination du programme a choisi ce carrefour pour vous." in text_of(joined)
    invite = calendar_of(joined)
    assert invite is not None and str(invite["METHOD"]) == "REQUEST"
    assert {str(e["UID"]) for e in events_of(invite)} == {
        meeting_uid(hub_meeting_id(hub_id, i)) for i in range(2)
    }

    left = (await notif.mails_to(str(b.email), template="hub_removed"))[str(b.email)][0]
    assert_clean(left, french=False)
    assert "The attached cancellation removes its meetings from your calendar." in text_of(left)
    assert "cancelled" not in text_of(left).lower().replace("cancellation", "")  # the meetings go on
    cancel = calendar_of(left)
    assert cancel is not None and str(cancel["METHOD"]) == "CANCEL"
    assert {str(e["UID"]) for e in events_of(cancel)} == {
        meeting_uid(hub_meeting_id(hub_id, i)) for i in range(2)
    }

    told = await notif.mails_to(str(a.email), str(c.email), str(l1.email), template="hub_changed")
    assert full(newcomer) in text_of(told[str(a.email)][0]) and full(b) in text_of(told[str(a.email)][0])
    for mails in told.values():
        assert len(mails) == 1 and calendar_of(mails[0]) is None
        assert_clean(mails[0], french=False)
    assert_clean(told[str(l1.email)][0], french=True)
    assert await sent_for(notif, move.event_id) == 6  # newcomer, b, and the four who stay


async def test_a_dissolved_hub_says_its_meetings_are_cancelled_only_when_they_are(notif: Notifications):
    board = unique_board()
    people = [person(board), person(board, language="fr"), person(board, role="mentor")]
    await notif.register(board, *people)
    ids = [p.participant_id for p in people]
    hubs = {}
    for cancelled in (True, False):
        hub_id = uuid.uuid4()
        dates = [in_days(20), in_days(50)]
        await notif.handle(
            HubFormed(
                board=board,
                hub_id=hub_id,
                program_year="2026-2027",
                theme="assessment",
                members=ids[:2],
                leaders=ids[2:],
                meeting_dates=dates,
            )
        )
        if cancelled:  # matching cancelled the hub's meetings before dissolving it
            for i, start in enumerate(dates):
                await notif.handle(
                    HubMeetingCancelled(
                        board=board,
                        meeting_id=hub_meeting_id(hub_id, i),
                        hub_id=hub_id,
                        starts_at=start,
                        ends_at=start + timedelta(hours=2),
                        sequence=1,
                    )
                )
        dissolved = HubMembershipChanged(
            board=board,
            hub_id=hub_id,
            program_year="2026-2027",
            theme="assessment",
            removed=ids,
            members=[],
            leaders=[],
            change="dissolved",
            reason=NOTE,
        )
        await notif.handle(dissolved)
        hubs[cancelled] = dissolved.event_id
    got = await notif.mails_to(str(people[0].email), str(people[1].email), template="hub_removed", each=2)
    for email, mails in got.items():
        assert len(mails) == 2
        ended, standing = mails  # in the order they were sent
        assert_clean(ended, french=email == str(people[1].email))
        french = email == str(people[1].email)
        assert ("Ses rencontres sont annulées" if french else "Its meetings are cancelled") in text_of(ended)
        assert ("annulées" if french else "Its meetings are cancelled") not in text_of(standing)
        assert ("a été dissous" if french else "has been dissolved") in text_of(standing)
    for event_id in hubs.values():
        assert await sent_for(notif, event_id) == 3


async def test_re_pairing_tells_the_teacher_the_new_mentor_and_the_former_mentor_once(notif: Notifications):
    board = unique_board()
    teacher = person(board, language="fr")
    first, second = person(board, role="mentor"), person(board, role="mentor", language="fr")
    await notif.register(board, teacher, first, second)
    paired = MentorPaired(
        board=board,
        program_year="2026-2027",
        teacher_id=teacher.participant_id,
        mentor_id=first.participant_id,
        explanation=NOTE,
        reasons=[Reason(code="mentor_same_school")],
    )
    await notif.handle(paired)
    intro = (await notif.mails_to(str(teacher.email), template="mentor_paired"))[str(teacher.email)][0]
    assert_clean(intro, french=True)
    assert "Vous travaillez dans la même école." in text_of(intro)
    again = MentorPaired(
        board=board,
        program_year="2026-2027",
        teacher_id=teacher.participant_id,
        mentor_id=first.participant_id,
    )
    await notif.handle(again)
    assert await handled(notif, again.event_id) and await sent_for(notif, again.event_id) == 0

    repaired = MentorPaired(
        board=board,
        program_year="2026-2027",
        teacher_id=teacher.participant_id,
        mentor_id=second.participant_id,
    )
    await notif.handle(repaired)
    new = (await notif.mails_to(str(teacher.email), template="mentor_paired", each=2))[str(teacher.email)][1]
    assert str(new["Subject"]) == f"Votre nouveau mentor : {full(second)}"
    assert f"qui remplace {full(first)}" in text_of(new)
    gone = (await notif.mails_to(str(first.email), template="mentor_unpaired"))[str(first.email)][0]
    assert f"You are no longer the school-based mentor of {full(teacher)}" in text_of(gone)
    assert (await notif.mails_to(str(second.email), template="mentor_paired"))[str(second.email)]
    assert await sent_for(notif, repaired.event_id) == 3

    ended = MentorUnpaired(
        board=board,
        program_year="2026-2027",
        teacher_id=teacher.participant_id,
        mentor_id=second.participant_id,
    )
    await notif.handle(ended)
    alone = (await notif.mails_to(str(teacher.email), template="mentor_unpaired"))[str(teacher.email)][0]
    assert_clean(alone, french=True)
    assert f"{full(second)} n'est plus votre mentor à l'école" in text_of(alone)
    assert await sent_for(notif, ended.event_id) == 2


async def test_withdrawn_from_a_session_gets_one_message_with_a_cancel(notif: Notifications):
    board = unique_board()
    teacher = person(board, language="fr")
    await notif.register(board, teacher)
    session_id = uuid.uuid4()
    start = in_days(12)
    await notif.handle(
        SessionScheduled(
            board=board,
            session_id=session_id,
            kind="workshop",
            title="Atelier 1",
            starts_at=start.isoformat(),
            ends_at=(start + timedelta(hours=3)).isoformat(),
            location="Salle 204",
        ),
        EnrolmentConfirmed(board=board, session_id=session_id, participant_id=teacher.participant_id),
    )
    await notif.mails_to(str(teacher.email), template="enrolment_confirmed")
    withdrawn = EnrolmentCancelled(board=board, session_id=session_id, participant_id=teacher.participant_id)
    await notif.publish(withdrawn, times=2)  # through the broker: the queue is bound to it
    mail = (await notif.mails_to(str(teacher.email), template="enrolment_cancelled"))[str(teacher.email)][0]
    assert_clean(mail, french=True)
    assert str(mail["Subject"]) == "Inscription annulée : Atelier 1"
    cancel = calendar_of(mail)
    assert cancel is not None and str(cancel["METHOD"]) == "CANCEL"
    (entry,) = events_of(cancel)
    assert str(entry["UID"]) == session_uid(session_id) and int(entry["SEQUENCE"]) == 1
    assert await sent_for(notif, withdrawn.event_id) == 1


async def test_an_observation_visit_planned_moved_and_cancelled_reaches_visitor_and_host(
    notif: Notifications,
):
    board = unique_board()
    visitor, host = person(board, language="fr"), person(board)
    await notif.register(board, visitor, host)
    observation_id = uuid.uuid4()
    start = in_days(9, hour=14)
    fields: dict[str, Any] = dict(
        board=board,
        observation_id=observation_id,
        visitor_id=visitor.participant_id,
        host_id=host.participant_id,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    planned = ObservationScheduled(**fields)
    moved = ObservationRescheduled(
        **{**fields, "starts_at": start + timedelta(days=7), "ends_at": start + timedelta(days=7, hours=3)}
    )
    dropped = ObservationCancelled(
        **{**moved.model_dump(exclude={"event_id", "occurred_at", "correlation_id"}), "sequence": 2}
    )
    for event, method, each in ((planned, "REQUEST", 1), (moved, "REQUEST", 2), (dropped, "CANCEL", 3)):
        await notif.publish(event, times=2)  # through the broker, twice: each person hears it once
        got = await notif.mails_to(str(visitor.email), str(host.email), template="observation", each=each)
        for email, mails in got.items():
            mail = mails[-1]
            assert_clean(mail, french=email == str(visitor.email))
            invite = calendar_of(mail)
            assert invite is not None and str(invite["METHOD"]) == method
            assert str(events_of(invite)[0]["UID"]) == observation_uid(observation_id)
        assert await sent_for(notif, event.event_id) == 2
    visitor_mails = notif.mails(str(visitor.email), "observation")
    assert f"Vous observerez la classe de {full(host)}" in text_of(visitor_mails[0])
    assert "est déplacée" in text_of(visitor_mails[1])
    assert "est annulée" in text_of(visitor_mails[2])
    assert f"{full(visitor)} will observe your class" in text_of(
        notif.mails(str(host.email), "observation")[0]
    )


async def test_grant_paid_reaches_the_applicant_in_their_language_with_the_board_named(notif: Notifications):
    board = unique_board()
    await notif.handle(BoardRegistered(board=board, code=board, name="Conseil scolaire du Grand-Nord"))
    coordinator = notif.token("board_coordinator", board=board)
    email = f"sam.{uuid.uuid4().hex[:6]}@exemple.ca"
    created = await notif.call(
        "POST",
        f"/v1/boards/{board}/contacts",
        coordinator,
        json={"email": email, "name": "Sam Tremblay", "language": "fr", "role": "steering_committee"},
    )
    assert created.status_code == 201
    paid = GrantPaid(
        board=board,
        application_id=uuid.uuid4(),
        program_year="2026-2027",
        stream="beginning_teacher",
        applicant_organisation="Comité directeur du Grand-Nord",
        contact_name="Sam Tremblay",
        contact_email=email,
        requested_total="4200.00",
        awarded_amount="3500.00",
    )
    await notif.publish(paid, times=2)
    mail = (await notif.mails_to(email, template="grant_update"))[email][0]
    assert str(mail["Subject"]) == "Subvention de démarrage versée : Comité directeur du Grand-Nord"
    assert "Montant versé : 3\u00a0500,00\u00a0$" in text_of(mail)
    assert "Envoyé par Mentorweb pour Conseil scolaire du Grand-Nord" in text_of(mail)
    assert board not in readable(mail)
    assert await sent_for(notif, paid.event_id) == 1


async def test_a_theme_the_province_adds_arrives_with_its_french_name_and_boards_by_their_name(
    notif: Notifications,
):
    board = unique_board()
    await notif.handle(
        BoardRegistered(board=board, code=board, name="Elm Valley District School Board"),
        ThemeDefined(
            board="province",
            code="outdoor_education",
            name_en="Outdoor education",
            name_fr="Éducation en plein air",
        ),
    )
    teacher, leader = person(board, language="fr"), person(board, role="mentor")
    await notif.register(board, teacher, leader)
    welcome = notif.mails(str(teacher.email), "welcome")[0]
    assert "2026-2027 : Elm Valley District School Board." in text_of(welcome) and board not in readable(
        welcome
    )
    await notif.handle(BoardRenamed(board=board, code=board, name="Conseil scolaire Elm Valley"))
    await notif.handle(
        HubFormed(
            board=board,
            hub_id=uuid.uuid4(),
            program_year="2026-2027",
            theme="outdoor_education",
            members=[teacher.participant_id],
            leaders=[leader.participant_id],
        )
    )
    got = await notif.mails_to(str(teacher.email), str(leader.email), template="hub_formed")
    french, english = got[str(teacher.email)][0], got[str(leader.email)][0]
    assert str(french["Subject"]) == "Votre carrefour de mentorat : Éducation en plein air"
    assert str(english["Subject"]) == "Your mentoring hub: Outdoor education"
    assert "Envoyé par Mentorweb pour Conseil scolaire Elm Valley" in text_of(french)
    for mail in (french, english):
        assert board not in readable(mail)
        assert_clean(mail, french=mail is french)


async def test_a_hub_announced_again_unchanged_tells_no_one(notif: Notifications):
    board = unique_board()
    member, leader = person(board), person(board, role="mentor")
    await notif.register(board, member, leader)
    fields: dict[str, Any] = dict(
        board=board,
        hub_id=uuid.uuid4(),
        program_year="2026-2027",
        theme="assessment",
        members=[member.participant_id],
        leaders=[leader.participant_id],
        meeting_dates=[in_days(30)],
    )
    first = HubFormed(**fields)
    await notif.handle(first)
    assert await sent_for(notif, first.event_id) == 2
    again = HubFormed(**fields)  # a rerun that changed nothing
    await notif.handle(again)
    assert await handled(notif, again.event_id) and await sent_for(notif, again.event_id) == 0
    changed = HubFormed(**{**fields, "meeting_dates": [in_days(31)]})
    await notif.handle(changed)
    assert await sent_for(notif, changed.event_id) == 2


async def test_a_teacher_who_withdrew_is_unpaired_and_only_the_mentor_hears_it(notif: Notifications):
    board = unique_board()
    teacher, mentor = person(board), person(board, role="mentor", language="fr")
    await notif.register(board, teacher, mentor)
    await notif.handle(
        MentorPaired(
            board=board,
            program_year="2026-2027",
            teacher_id=teacher.participant_id,
            mentor_id=mentor.participant_id,
        )
    )
    await notif.mails_to(str(mentor.email), template="mentor_paired")
    withdrawn = teacher.model_copy(update={"revision": 2, "status": "withdrawn"})
    await notif.handle(ParticipantWithdrawn(board=board, participant=withdrawn))
    ended = MentorUnpaired(
        board=board,
        program_year="2026-2027",
        teacher_id=teacher.participant_id,
        mentor_id=mentor.participant_id,
        change="withdrawal",
    )
    await notif.handle(ended)
    mail = (await notif.mails_to(str(mentor.email), template="mentor_unpaired"))[str(mentor.email)][0]
    assert f"Vous n'êtes plus le mentor à l'école de {full(teacher)}" in text_of(mail)
    assert await sent_for(notif, ended.event_id) == 1  # not the teacher, who withdrew
    assert not await notif.scalar(
        "SELECT count(*) FROM awaiting_messages WHERE event_id = :e", e=ended.event_id
    )


async def test_a_re_pairing_tells_the_former_mentor_once_whichever_event_arrives_first(notif: Notifications):
    board = unique_board()
    teacher = person(board)
    first, second = person(board, role="mentor", language="fr"), person(board, role="mentor")
    await notif.register(board, teacher, first, second)
    common = dict(board=board, program_year="2026-2027", teacher_id=teacher.participant_id)
    await notif.handle(MentorPaired(**common, mentor_id=first.participant_id))
    await notif.mails_to(str(teacher.email), str(first.email), template="mentor_paired")
    # Matching publishes the new pairing, then the end of the former one; they may arrive reversed.
    ended = MentorUnpaired(**common, mentor_id=first.participant_id, change="repaired")
    repaired = MentorPaired(**common, mentor_id=second.participant_id)
    await notif.handle(ended)
    assert await handled(notif, ended.event_id) and await sent_for(notif, ended.event_id) == 0
    await notif.handle(repaired)
    gone = (await notif.mails_to(str(first.email), template="mentor_unpaired"))[str(first.email)]
    assert len(gone) == 1
    assert f"Vous n'êtes plus le mentor à l'école de {full(teacher)}" in text_of(gone[0])
    new = (await notif.mails_to(str(teacher.email), template="mentor_paired", each=2))[str(teacher.email)][1]
    assert f"who takes over from {full(first)}" in text_of(new)
    assert await sent_for(notif, repaired.event_id) == 3  # teacher, new mentor, former mentor
    # The same end arriving again after the new pairing says nothing either.
    await notif.handle(MentorUnpaired(**common, mentor_id=first.participant_id, change="repaired"))
    await notif.handle(MentorPaired(**common, mentor_id=second.participant_id))
    await notif.settle()
    assert len(notif.mails(str(first.email), "mentor_unpaired")) == 1
    assert len(notif.mails(str(teacher.email), "mentor_unpaired")) == 0


async def test_a_dissolution_arriving_before_its_meetings_cancellations_still_says_they_are_cancelled(
    notif: Notifications,
):
    board = unique_board()
    people = [person(board), person(board, language="fr"), person(board, role="mentor")]
    await notif.register(board, *people)
    ids = [p.participant_id for p in people]
    hub_id = uuid.uuid4()
    await notif.handle(
        HubFormed(
            board=board,
            hub_id=hub_id,
            program_year="2026-2027",
            theme="assessment",
            members=ids[:2],
            leaders=ids[2:],
        )
    )
    starts = in_days(25)
    booked = dict(
        board=board,
        meeting_id=uuid.uuid4(),
        hub_id=hub_id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    await notif.handle(HubMeetingScheduled(**booked, attendees=ids))
    await notif.mails_to(*(str(p.email) for p in people), template="hub_meeting")
    dissolved = HubMembershipChanged(
        board=board,
        hub_id=hub_id,
        program_year="2026-2027",
        theme="assessment",
        removed=ids,
        members=[],
        leaders=[],
        change="dissolved",
        meetings_cancelled=1,
    )
    await notif.handle(dissolved)  # before the meeting's own cancellation
    got = await notif.mails_to(str(people[0].email), str(people[1].email), template="hub_removed")
    assert "Its meetings are cancelled." in text_of(got[str(people[0].email)][0])
    assert "Ses rencontres sont annulées" in text_of(got[str(people[1].email)][0])
    for mails in got.values():  # the CANCEL comes with the meeting's own cancellation, once
        assert calendar_of(mails[0]) is None
    await notif.handle(HubMeetingCancelled(**booked, attendees=ids, sequence=1))
    cancels = await notif.mails_to(*(str(p.email) for p in people), template="hub_meeting", each=2)
    for mails in cancels.values():
        cancel = calendar_of(mails[1])
        assert cancel is not None and str(cancel["METHOD"]) == "CANCEL"
