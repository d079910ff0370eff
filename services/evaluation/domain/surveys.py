"""Surveys against the school year: a pulse after each hub meeting held, a baseline after
Workshop 1, mid-year after Workshop 2, and the end of year in May; one response per person,
editable until the survey closes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.evaluation.domain.errors import Conflict, InvalidFields

ROUND_KINDS = ("baseline", "mid_year", "end_of_year")
KINDS = ("pulse", *ROUND_KINDS)
MODES = ("anonymous", "confidential")
PULSE_OPEN_FOR = timedelta(days=14)
REMIND_BEFORE_CLOSE = timedelta(days=3)

TITLES = {
    "pulse": {"en": "How was your hub meeting?", "fr": "Comment s'est passée votre rencontre du carrefour?"},
    "baseline": {"en": "Start-of-year survey", "fr": "Sondage de début d'année"},
    "mid_year": {"en": "Mid-year survey", "fr": "Sondage de mi-année"},
    "end_of_year": {"en": "End-of-year survey", "fr": "Sondage de fin d'année"},
}


def round_window(
    kind: str, program_year: str, *, workshop: datetime | None = None
) -> tuple[datetime, datetime]:
    """When a round opens and closes by default. Baseline and mid-year follow Workshop 1 and
    Workshop 2 when their dates are known (October and February otherwise); the end of year is May."""
    start_year, end_year = (int(y) for y in program_year.split("-"))
    if kind == "baseline":
        opens = workshop or datetime(start_year, 10, 15, tzinfo=UTC)
        return opens, opens + timedelta(days=28)
    if kind == "mid_year":
        opens = workshop or datetime(end_year, 2, 15, tzinfo=UTC)
        return opens, opens + timedelta(days=28)
    if kind == "end_of_year":
        return datetime(end_year, 5, 1, tzinfo=UTC), datetime(end_year, 6, 1, tzinfo=UTC)
    raise InvalidFields.one("kind", "one of " + ", ".join(ROUND_KINDS))


def program_year_of(now: datetime) -> str:
    """The program year an instant falls in (July to June)."""
    start = now.year if now.month >= 7 else now.year - 1
    return f"{start}-{start + 1}"


def workshop_for(kind: str, workshops: Sequence[datetime]) -> datetime | None:
    """The workshop a round follows: Workshop 1 for the baseline, Workshop 2 for mid-year."""
    ordered = sorted(workshops)
    if kind == "baseline" and ordered:
        return ordered[0]
    if kind == "mid_year" and len(ordered) >= 2:
        return ordered[1]
    return None


def due_rounds(program_year: str, *, workshops: Sequence[datetime], now: datetime) -> list[str]:
    """The rounds whose window is open at ``now``."""
    due = []
    for kind in ROUND_KINDS:
        opens, closes = round_window(kind, program_year, workshop=workshop_for(kind, workshops))
        if opens <= now < closes:
            due.append(kind)
    return due


@dataclass(frozen=True)
class Survey:
    id: uuid.UUID
    board: str
    program_year: str
    kind: str
    mode: str
    opens_at: datetime
    closes_at: datetime
    invitees: frozenset[uuid.UUID]
    hub_id: uuid.UUID | None = None
    meeting_id: uuid.UUID | None = None

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def reminder_due(self, now: datetime) -> bool:
        """A confidential survey is reminded once, in its last three days; an anonymous one never."""
        return self.mode == "confidential" and self.closes_at - REMIND_BEFORE_CLOSE <= now < self.closes_at

    def check_can_answer(self, participant: uuid.UUID, now: datetime) -> None:
        """Only an invitee answers, and only while the survey is open (editing too)."""
        if participant not in self.invitees:
            raise Conflict("you are not invited to this survey", field="survey_id")
        if not self.is_open(now):
            raise Conflict(
                "this survey is closed" if now >= self.closes_at else "this survey is not open yet"
            )


def pulse_for_meeting(
    *,
    board: str,
    program_year: str,
    hub_id: uuid.UUID,
    meeting_id: uuid.UUID,
    held_at: datetime,
    present: Sequence[uuid.UUID],
    mode: str = "anonymous",
) -> Survey:
    """The pulse after a meeting held: those present are invited, for two weeks from the meeting."""
    return Survey(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"mentorweb:pulse:{meeting_id}"),
        board=board,
        program_year=program_year,
        kind="pulse",
        mode=mode,
        opens_at=held_at,
        closes_at=held_at + PULSE_OPEN_FOR,
        invitees=frozenset(present),
        hub_id=hub_id,
        meeting_id=meeting_id,
    )
