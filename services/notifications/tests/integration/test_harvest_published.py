"""The harvest is out (evaluation's HarvestPublished): each hub member or leader named is told once, in
their language, with a link to the portal that carries no id; nobody else is."""

from __future__ import annotations

import pytest

from services.notifications.tests.integration.helpers import Notifications, person, registered, text_of
from shared.events.evaluation import HarvestPublished
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_the_harvest_is_announced_once_to_each_participant_in_their_language(notif: Notifications):
    board = unique_board()
    french, english, outsider = person(board, language="fr"), person(board, language="en"), person(board)
    for profile in (french, english, outsider):
        await notif.publish(registered(board, profile))
    await notif.mails_to(*(str(p.email) for p in (french, english, outsider)), template="welcome")
    published = HarvestPublished(
        board=board,
        program_year="2026-2027",
        themes=["Time to observe", "Planning together"],
        propositions=1,
        invitees=[french.participant_id, english.participant_id],
    )
    await notif.publish(published, times=2)  # redelivered: still once each
    await notif.mails_to(str(french.email), str(english.email), template="harvest_published")
    await notif.settle()

    told = notif.mails(str(french.email), "harvest_published")
    assert len(told) == 1 and len(notif.mails(str(english.email), "harvest_published")) == 1
    assert str(told[0]["Subject"]).startswith("Ce que votre année de mentorat 2026-2027")
    text = text_of(told[0])
    assert "/portal/harvest" in text and str(french.participant_id) not in text
    assert "2 thèmes" in text and "1 proposition pour l'an prochain" in text
    english_text = text_of(notif.mails(str(english.email), "harvest_published")[0])
    assert "2 themes" in english_text and "1 proposition for next year" in english_text
    assert notif.mails(str(outsider.email), "harvest_published") == []  # not in a hub of the year
