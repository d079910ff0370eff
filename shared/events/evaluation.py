"""Events published by the evaluation service."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime

from shared.events.envelope import IntegrationEvent

SurveyKind = Literal["pulse", "baseline", "mid_year", "end_of_year"]


class HubMeetingRecorded(IntegrationEvent):
    """A hub leader (or coordinator) recorded that a scheduled hub meeting was held, and who came.

    ``present`` and ``absent`` list members and leaders; someone in neither was not recorded.
    Recorded again (a correction), the newer ``recorded_at`` wins.
    """

    PRODUCER = "evaluation"
    meeting_id: uuid.UUID
    hub_id: uuid.UUID
    held_at: AwareDatetime
    recorded_at: AwareDatetime
    present: list[uuid.UUID] = []
    absent: list[uuid.UUID] = []


class SurveyOpened(IntegrationEvent):
    """A survey opened; ``invitees`` are the participants asked to answer it (ids, never names).

    The title is given in both languages so a reader words the invitation in the recipient's own.
    """

    PRODUCER = "evaluation"
    survey_id: uuid.UUID
    program_year: str
    kind: SurveyKind
    hub_id: uuid.UUID | None = None
    meeting_id: uuid.UUID | None = None
    title_en: str
    title_fr: str
    closes_at: AwareDatetime
    invitees: list[uuid.UUID]


class SurveyReminderRequested(IntegrationEvent):
    """A confidential survey closes soon: remind those who have not answered (ids only). Anonymous
    surveys are never reminded: who answered them is not kept in a form that could say."""

    PRODUCER = "evaluation"
    survey_id: uuid.UUID
    program_year: str
    kind: SurveyKind
    title_en: str
    title_fr: str
    closes_at: AwareDatetime
    invitees: list[uuid.UUID]


class HarvestPublished(IntegrationEvent):
    """A board's appreciative-inquiry harvest for the program year is published: its themes (most
    votes first) and propositions are what the year leaves to the next. ``invitees`` are the year's
    hub members and leaders, to be told it is out (ids, never names)."""

    PRODUCER = "evaluation"
    program_year: str
    themes: list[str]
    propositions: int
    invitees: list[uuid.UUID]
