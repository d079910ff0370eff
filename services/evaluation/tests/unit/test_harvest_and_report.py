"""The harvest's roll-up and the report's figures (suppression included)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.evaluation.domain.errors import InvalidFields
from services.evaluation.domain.harvest import Item, Theme, check_item, gather, roll_up
from services.evaluation.domain.privacy import Answered
from services.evaluation.domain.report import Round, build, sections, to_csv

pytestmark = pytest.mark.unit

H1, H2 = uuid.uuid4(), uuid.uuid4()


def test_a_proposition_needs_an_owner_and_a_date():
    with pytest.raises(InvalidFields) as refused:
        check_item("destiny", " ", None, None)
    assert set(refused.value.problems) == {"text", "owner", "due_on"}
    with pytest.raises(InvalidFields):
        check_item("discover", "A story", "someone", None)
    check_item("destiny", "Book days", "NTIP lead", date(2027, 9, 1))


def test_two_hubs_roll_up_into_one_harvest():
    one = gather(
        [
            Item(uuid.uuid4(), "ELM", H1, "discover", "s1"),
            Item(uuid.uuid4(), "ELM", H1, "destiny", "p1", "A", date(2027, 9, 2)),
        ],
        [Theme(uuid.uuid4(), "ELM", H1, "Time", 2)],
    )
    two = gather(
        [
            Item(uuid.uuid4(), "ELM", H2, "dream", "w2"),
            Item(uuid.uuid4(), "ELM", H2, "destiny", "p2", "B", date(2027, 9, 1)),
        ],
        [Theme(uuid.uuid4(), "ELM", H2, "Space", 5)],
    )
    board = roll_up({str(H1): one, str(H2): two})
    assert [t.title for t in board.themes] == ["Space", "Time"]
    assert [p.text for p in board.propositions] == ["p2", "p1"]
    assert len(board.stories) == 1 and len(board.wishes) == 1 and set(board.parts) == {str(H1), str(H2)}


def test_the_report_suppresses_small_rounds_everywhere():
    def round_(kind: str, n: int, score: int) -> Round:
        answers = {
            "confidence": score,
            "efficacy": score,
            "instructional_practice": score,
            "continuous_learning": score,
            "recommend": 9,
            "goal_attainment": 4,
        }
        return Round(kind, tuple(Answered(answers) for _ in range(n)))

    report = build(
        scope="board",
        board="ELM",
        program_year="2026-2027",
        prepared_on=date(2027, 5, 30),
        min_group=5,
        engagements=[],
        rounds=[round_("baseline", 6, 2), round_("end_of_year", 4, 4)],
        harvest=gather([], []),
    )
    confidence = report.goals[0]
    assert confidence.first.value == 2.0 and confidence.last.suppressed and confidence.change is None
    assert report.recommend.suppressed and report.nps.suppressed
    assert report.meetings_useful.suppressed  # no pulse answered
    useful = build(
        scope="board",
        board="ELM",
        program_year="2026-2027",
        prepared_on=date(2027, 5, 30),
        min_group=5,
        engagements=[],
        rounds=[],
        harvest=gather([], []),
        pulses=[Answered({"meeting_useful": v}) for v in (5, 4, 4, 3, 5, 3)],
    )
    assert useful.meetings_useful.value == 4.0 and useful.meetings_useful.respondents == 6
    for lang, word in (("en", "fewer than 5 respondents"), ("fr", "moins de 5 répondant")):
        assert word in to_csv(report, lang)
        assert all(value for _, rows in sections(report, lang) for _, value in rows)


def test_the_province_report_lists_each_boards_engagement_but_no_survey_figure_by_board():
    from datetime import UTC, datetime

    from services.evaluation.domain.engagement import board_engagement

    now = datetime(2027, 5, 30, tzinfo=UTC)
    boards = [
        board_engagement(code, [], [], [], [], sessions_attended=0, enrolments=0, as_of=now)
        for code in ("ELM", "OAK")
    ]
    report = build(
        scope="province",
        board=None,
        program_year="2026-2027",
        prepared_on=date(2027, 5, 30),
        min_group=5,
        engagements=boards,
        rounds=[],
        harvest=gather([], []),
    )
    assert [code for code, _ in report.by_board] == ["ELM", "OAK"]
    fr = dict(sections(report, "fr"))
    assert [m for m, _ in fr["Par conseil scolaire"]] == ["ELM", "OAK"]
    assert fr["Par conseil scolaire"][0][1] == "0 carrefours, 0 rencontres tenues sur 0, présence —"
