"""Survey invitations and reminders (evaluation's events): once per invitee, in their language, with a
link to the portal that carries no id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.notifications.tests.integration.helpers import Notifications, person, registered, text_of
from shared.events.evaluation import SurveyOpened, SurveyReminderRequested
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_survey_invites_each_invitee_once_in_their_language_and_reminds_once(notif: Notifications):
    board = unique_board()
    french, english, outsider = person(board, language="fr"), person(board, language="en"), person(board)
    for profile in (french, english, outsider):
        await notif.publish(registered(board, profile))
    await notif.mails_to(*(str(p.email) for p in (french, english, outsider)), template="welcome")
    survey_id = uuid.uuid4()
    common = {
        "board": board,
        "survey_id": survey_id,
        "program_year": "2026-2027",
        "kind": "mid_year",
        "title_en": "Mid-year survey",
        "title_fr": "Sondage de mi-année",
        "closes_at": datetime(2027, 3, 15, 18, tzinfo=UTC),
    }
    await notif.publish(
        SurveyOpened(**common, invitees=[french.participant_id, english.participant_id]), times=2
    )
    await notif.mails_to(str(french.email), str(english.email), template="survey_invitation")
    await notif.publish(SurveyReminderRequested(**common, invitees=[french.participant_id]))
    await notif.mails_to(str(french.email), template="survey_reminder")
    await notif.settle()

    invitation = notif.mails(str(french.email), "survey_invitation")
    assert len(invitation) == 1 and len(notif.mails(str(english.email), "survey_invitation")) == 1
    assert str(invitation[0]["Subject"]) == "Votre avis, s'il vous plaît : Sondage de mi-année"
    text = text_of(invitation[0])
    assert "/portal/surveys" in text and str(survey_id) not in text and "15 mars 2027" in text
    assert (
        str(notif.mails(str(english.email), "survey_invitation")[0]["Subject"])
        == "Your views, please: Mid-year survey"
    )
    reminder = notif.mails(str(french.email), "survey_reminder")
    assert len(reminder) == 1 and str(reminder[0]["Subject"]).startswith("Rappel : Sondage de mi-année")
    assert notif.mails(str(english.email), "survey_reminder") == []  # answered: not reminded
    assert notif.mails(str(outsider.email), "survey_invitation") == []  # not invited
