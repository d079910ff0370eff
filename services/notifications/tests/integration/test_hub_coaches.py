"""A board coach or consultant hears that they support a hub (or no longer do) once, entirely in
their language, naming the hub's theme and leaders from data, never a note or an internal id. The
events come through the real broker, so the queue's bindings for them are exercised too."""

from __future__ import annotations

import re
import uuid

import pytest

from services.notifications.tests.integration.helpers import Notifications, person, text_of
from shared.events.matching import HubCoachAssigned, HubCoachReleased
from shared.events.registration import BoardRegistered, ThemeDefined
from shared.testing.helpers import unique_board
from shared.testing.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
ENGLISH = re.compile(r"\b(the|your|you|hub|meeting|meetings|with|has|will|is|are|coach|leader)\b", re.I)


async def test_a_coach_hears_of_the_hub_they_support_in_their_language(notif: Notifications):
    board = unique_board()
    await notif.handle(BoardRegistered(board=board, code=board, name="Conseil scolaire des Érables"))
    await notif.handle(
        ThemeDefined(board="province", code="assessment", name_en="Assessment", name_fr="Évaluation")
    )
    coach = person(board, role="mentor", language="fr")
    english_coach = person(board, role="mentor")
    l1, l2 = person(board, role="mentor"), person(board, role="mentor", language="fr")
    members = [person(board) for _ in range(5)]
    await notif.register(board, coach, english_coach, l1, l2, *members)
    hub_id = uuid.uuid4()
    facts = {
        "board": board,
        "hub_id": hub_id,
        "program_year": "2026-2027",
        "theme": "assessment",
        "members": [m.participant_id for m in members],
        "leaders": [l1.participant_id, l2.participant_id],
    }
    await notif.publish(HubCoachAssigned(**facts, coach_id=coach.participant_id, meetings_invited=3))
    await notif.publish(HubCoachAssigned(**facts, coach_id=english_coach.participant_id))
    french = (await notif.mails_to(str(coach.email), template="hub_support"))[str(coach.email)][0]
    text = text_of(french)
    assert french["Subject"] == "Vous accompagnez un carrefour de mentorat : Évaluation"
    assert "Conseil scolaire des Érables" in text
    assert f"{l1.given_name} {l1.family_name}, {l2.given_name} {l2.family_name} l'animent" in text
    assert "Le carrefour compte 5 membres." in text and "ses 3 prochaines rencontres" in text
    assert not ENGLISH.search(text.split("\n--")[0]), text
    assert not UUID.search(re.sub(r"https?://\S+", "", f"{french['Subject']}\n{text}"))
    english = (await notif.mails_to(str(english_coach.email), template="hub_support"))[
        str(english_coach.email)
    ][0]
    assert english["Subject"] == "You are supporting a mentoring hub: Assessment"
    assert "You will be invited to its meetings once they are scheduled." in text_of(english)

    released = HubCoachReleased(**{k: facts[k] for k in ("board", "hub_id", "program_year", "theme")},
                                coach_id=coach.participant_id, change="dissolved", meetings_cancelled=3)  # fmt: skip
    withdrawn = HubCoachReleased(**{k: facts[k] for k in ("board", "hub_id", "program_year", "theme")},
                                 coach_id=english_coach.participant_id, change="withdrawal")  # fmt: skip
    await notif.publish(withdrawn)
    await notif.publish(released)
    await notif.publish(released)  # redelivered: still one message
    both = (await notif.mails_to(str(coach.email), template="hub_support", each=2))[str(coach.email)]
    assert both[1]["Subject"] == "Dissous : le carrefour de mentorat que vous accompagniez : Évaluation"
    assert "a été dissous" in text_of(both[1]) and "3 prochaines rencontres" in text_of(both[1])

    async def handled(event_id: uuid.UUID) -> bool:
        return bool(await notif.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=event_id))

    # The withdrawal was handled (a positive signal) and told no one; the release went out once.
    assert await wait_until(lambda: handled(withdrawn.event_id), timeout=10)
    await notif.settle()
    assert len(notif.mails(str(english_coach.email), template="hub_support")) == 1
    assert len(notif.mails(str(coach.email), template="hub_support")) == 2
    assert not notif.mails(str(l1.email), template="hub_support")
