"""Question sets as data in both languages; every report text in both languages."""

from __future__ import annotations

import pytest

from services.evaluation.domain import texts
from services.evaluation.domain.errors import InvalidFields, MissingTranslations
from services.evaluation.domain.questions import (
    CORE_GOALS,
    PROVINCE_SETS,
    check_answers,
    extend,
    parse_questions,
    require_both_languages,
)
from services.evaluation.domain.surveys import TITLES

pytestmark = pytest.mark.unit


def test_the_province_sets_carry_the_core_questions_in_both_languages():
    core = PROVINCE_SETS["province-core"]
    keys = [q.key for q in core.questions]
    assert keys[:5] == [*CORE_GOALS, "recommend"]
    recommend = core.questions[4]
    assert (recommend.min, recommend.max) == (0, 10)
    for qs in PROVINCE_SETS.values():
        require_both_languages(qs.questions, qs.title)
    pulse = PROVINCE_SETS["province-pulse"].questions
    assert 2 <= len(pulse) <= 3


def test_a_set_without_french_cannot_open_and_every_gap_is_named():
    questions = parse_questions(
        [
            {"key": "a", "kind": "scale", "text": {"en": "A"}},
            {
                "key": "b",
                "kind": "choice",
                "text": {"en": "B", "fr": "B"},
                "choices": [{"key": "x", "text": {"en": "X"}}, {"key": "y", "text": {"fr": "Y"}}],
            },
        ]
    )
    with pytest.raises(MissingTranslations) as refused:
        require_both_languages(questions, {"en": "T"})
    assert set(refused.value.problems) == {
        "title.fr",
        "questions.0.text.fr",
        "questions.1.choices.0.text.fr",
        "questions.1.choices.1.text.en",
    }


def test_bad_questions_are_all_named_and_a_board_cannot_replace_a_core_question():
    with pytest.raises(InvalidFields) as refused:
        parse_questions(
            [
                {"key": "1x", "kind": "slider", "text": "no"},
                {"key": "s", "kind": "scale", "text": {}, "min": 5, "max": 3},
            ]
        )
    assert set(refused.value.problems) == {
        "questions.0.key",
        "questions.0.kind",
        "questions.0.text",
        "questions.1.max",
    }
    mine = parse_questions([{"key": "confidence", "kind": "text", "text": {"en": "x", "fr": "x"}}])
    with pytest.raises(InvalidFields):
        extend(PROVINCE_SETS["province-core"].questions, mine)


def test_answers_are_checked_against_the_questions():
    questions = PROVINCE_SETS["province-core"].questions
    with pytest.raises(InvalidFields) as refused:
        check_answers(questions, {"confidence": 6, "recommend": True, "other": 1})
    assert {"answers.confidence", "answers.recommend", "answers.other", "answers.efficacy"} <= set(
        refused.value.problems
    )
    ok = check_answers(questions, {g: 3 for g in CORE_GOALS} | {"recommend": 0, "goal_attainment": 5})
    assert ok["recommend"] == 0 and "comment" not in ok


def test_every_text_a_person_reads_exists_in_both_languages():
    for key, pair in texts.LABELS.items():
        assert set(pair) == {"en", "fr"} and all(pair.values()), key
    for kind, pair in TITLES.items():
        assert set(pair) == {"en", "fr"} and all(pair.values()), kind
    assert texts.number(3.95, "fr") == "3,95" and texts.number(3.95, "en") == "3.95"
    assert texts.percent(0.885, "en") == "88.5%"


def test_a_choice_answer_of_the_wrong_shape_is_named_not_a_crash():
    questions = parse_questions(
        [
            {
                "key": "pick",
                "kind": "choice",
                "text": {"en": "P", "fr": "P"},
                "choices": [
                    {"key": "a", "text": {"en": "A", "fr": "A"}},
                    {"key": "b", "text": {"en": "B", "fr": "B"}},
                ],
            }
        ]
    )
    for bad in (["a"], {"a": 1}, 3):
        with pytest.raises(InvalidFields) as refused:
            check_answers(questions, {"pick": bad})
        assert set(refused.value.problems) == {"answers.pick"}
    assert check_answers(questions, {"pick": "b"}) == {"pick": "b"}
