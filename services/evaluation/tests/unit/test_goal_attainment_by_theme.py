"""Goal attainment per learning-goal theme: the questions each teacher is asked, and the report's
per-theme figures (suppressed below the minimum group, and across boards by difference)."""

from __future__ import annotations

from datetime import date

import pytest

from services.evaluation.domain.errors import InvalidFields
from services.evaluation.domain.harvest import gather
from services.evaluation.domain.privacy import Answered
from services.evaluation.domain.questions import (
    PROVINCE_SETS,
    GoalTheme,
    check_answers,
    extend,
    parse_questions,
    questions_for,
    require_both_languages,
    theme_key,
    with_attainment,
)
from services.evaluation.domain.report import Round, as_data, build, to_csv

pytestmark = pytest.mark.unit

LIT = GoalTheme("early_literacy", "Early literacy", "Littératie précoce")
MATH = GoalTheme("math-k6", "Mathematics K-6", "Mathématiques M-6")
CLASS = GoalTheme("classroom_management", "Classroom management", "Gestion de classe")
CORE = PROVINCE_SETS["province-core"].questions
ROUND = with_attainment(CORE, [LIT, MATH, CLASS])


def test_one_attainment_question_per_theme_worded_in_both_languages_with_its_name():
    added = [q for q in ROUND if q.theme is not None]
    assert [q.key for q in added] == [
        "goal_attainment__early_literacy",
        "goal_attainment__math_k6",
        "goal_attainment__classroom_management",
    ]
    assert all(q.kind == "scale" and (q.min, q.max) == (1, 5) for q in added)
    assert "Mathematics K-6" in added[1].text["en"] and "Mathématiques M-6" in added[1].text["fr"]
    require_both_languages(ROUND)  # opens: both languages there
    # Reopening keeps the common questions once, then the themes given now.
    again = with_attainment(ROUND, [LIT])
    assert [q.key for q in again] == [*(q.key for q in CORE), "goal_attainment__early_literacy"]


def test_a_teacher_is_asked_their_own_themes_in_their_order_and_a_mentor_none():
    mine = questions_for(ROUND, role="beginning_teacher", themes=["classroom_management", "early_literacy"])
    assert [q.theme for q in mine if q.theme] == ["classroom_management", "early_literacy"]
    assert [q.key for q in mine if not q.theme] == [q.key for q in CORE]
    leader = questions_for(ROUND, role="new_school_leader", themes=["math-k6", "unknown", "early_literacy"])
    assert [q.theme for q in leader if q.theme] == ["math-k6", "early_literacy"]
    assert [q for q in questions_for(ROUND, role="mentor", themes=["math-k6"]) if q.theme] == []
    assert [q for q in questions_for(ROUND, role=None, themes=["math-k6"]) if q.theme] == []


def test_answers_are_checked_against_the_questions_one_is_asked():
    mine = questions_for(ROUND, role="beginning_teacher", themes=["early_literacy"])
    base = {"confidence": 4, "efficacy": 4, "instructional_practice": 4, "continuous_learning": 4}
    base |= {"recommend": 9, "goal_attainment": 4}
    with pytest.raises(InvalidFields) as refused:
        check_answers(mine, base | {"goal_attainment__math_k6": 3})
    assert set(refused.value.problems) == {
        "answers.goal_attainment__early_literacy",  # required
        "answers.goal_attainment__math_k6",  # not asked of this teacher
    }
    with pytest.raises(InvalidFields) as refused:
        check_answers(mine, base | {"goal_attainment__early_literacy": 6})
    assert set(refused.value.problems) == {"answers.goal_attainment__early_literacy"}
    assert check_answers(mine, base | {"goal_attainment__early_literacy": 5})[theme_key(LIT.code)] == 5


def test_a_board_cannot_take_a_themes_key():
    extra = parse_questions(
        [{"key": "goal_attainment__early_literacy", "kind": "scale", "text": {"en": "x"}}]
    )
    with pytest.raises(InvalidFields) as refused:
        extend(CORE, extra)
    assert set(refused.value.problems) == {"questions.0.key"}


def _answered(key: str, values: list[int], board: str = "ELM") -> list[Answered]:
    return [Answered({key: v}, board=board) for v in values]


def _report(rounds: list[Round], *, scope: str = "board", themes=(LIT, MATH, CLASS)):
    return build(
        scope=scope,
        board="ELM" if scope == "board" else None,
        program_year="2026-2027",
        prepared_on=date(2027, 5, 30),
        min_group=5,
        engagements=[],
        rounds=rounds,
        harvest=gather([], []),
        goal_themes=themes,
    )


def test_the_report_shows_each_themes_mean_from_the_last_round_that_asked_and_suppresses_a_group_of_4():
    lit, math, cls = (theme_key(t.code) for t in (LIT, MATH, CLASS))
    mid = Round("mid_year", tuple(_answered(lit, [1, 1, 1, 1, 1, 1])))
    end = Round(
        "end_of_year",
        tuple(
            _answered(lit, [5, 4, 4, 3, 5, 2])  # 23 / 6 = 3.83
            + _answered(math, [4, 4, 5, 5])  # a group of 4: suppressed
            + _answered(cls, [3, 3, 4, 4, 5])  # 19 / 5 = 3.8
        ),
    )
    report = _report([mid, end])
    assert report.attainment_round == "end_of_year"
    figures = {a.theme.code: (a.figure.value, a.figure.respondents) for a in report.attainment_by_theme}
    assert figures == {"early_literacy": (3.83, 6), "math-k6": (None, 4), "classroom_management": (3.8, 5)}
    data = as_data(report)["goal_attainment_by_theme"]
    assert data[1] == {
        "theme": "math-k6",
        "name": {"en": "Mathematics K-6", "fr": "Mathématiques M-6"},
        "value": None,
        "respondents": None,
        "suppressed": True,
    }
    assert data[0]["value"] == 3.83 and data[0]["respondents"] == 6
    csv_en, csv_fr = to_csv(report, "en"), to_csv(report, "fr")
    assert "Learning goal attained: Early literacy (1 to 5),3.83" in csv_en
    assert "Learning goal attained: Mathematics K-6 (1 to 5),fewer than 5 respondents" in csv_en.replace(
        '"', ""
    )
    assert 'Objectif d\'apprentissage atteint : Littératie précoce (1 à 5),"3,83"' in csv_fr
    assert 'Gestion de classe (1 à 5),"3,80"' in csv_fr


def test_the_province_suppresses_a_theme_a_small_board_would_be_revealed_by():
    lit = theme_key(LIT.code)
    end = Round("end_of_year", tuple(_answered(lit, [4] * 5, "ELM") + _answered(lit, [2] * 3, "OAK")))
    province = _report([end], scope="province", themes=(LIT,))
    # 8 respondents in all, but OAK's 3 would be the province's figure minus ELM's report.
    assert province.attainment_by_theme[0].figure.value is None
    both = Round("end_of_year", tuple(_answered(lit, [4] * 5, "ELM") + _answered(lit, [2] * 5, "OAK")))
    assert _report([both], scope="province", themes=(LIT,)).attainment_by_theme[0].figure.value == 3.0


def test_a_baseline_only_year_has_no_theme_figure():
    report = _report([Round("baseline", tuple(_answered("confidence", [3] * 6)))])
    assert report.attainment_round is None
    assert all(a.figure.suppressed for a in report.attainment_by_theme)
