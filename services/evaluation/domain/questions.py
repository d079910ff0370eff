"""Question sets as data: scales, choices and free text, each worded in English and French.

The province's default sets carry the core questions asked at every stage (NTIP's four goals and a
would-you-recommend score) so change can be measured; a board extends a set with its own questions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.evaluation.domain.errors import InvalidFields, MissingTranslations

LANGUAGES = ("en", "fr")
KINDS = ("scale", "choice", "text")
CORE_GOALS = ("confidence", "efficacy", "instructional_practice", "continuous_learning")
RECOMMEND = "recommend"
GOAL_ATTAINMENT = "goal_attainment"
# One attainment question per learning-goal theme, asked of beginning teachers and new school leaders
# in the mid-year and end-of-year rounds (their key: ``goal_attainment__<theme code>``).
THEME_ATTAINMENT_PREFIX = "goal_attainment__"
THEME_ATTAINMENT_ROUNDS = ("mid_year", "end_of_year")
THEME_ASKED_ROLES = ("beginning_teacher", "new_school_leader")
MAX_GOAL_THEMES = 3
MAX_TEXT_ANSWER = 2000


@dataclass(frozen=True)
class Choice:
    key: str
    text: Mapping[str, str]


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    text: Mapping[str, str]
    min: int = 1
    max: int = 5
    choices: tuple[Choice, ...] = ()
    required: bool = True
    theme: str | None = None  # a learning-goal theme's attainment question: asked only of its holders

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "kind": self.kind, "text": dict(self.text)}
        data["required"] = self.required
        if self.theme is not None:
            data["theme"] = self.theme
        if self.kind == "scale":
            data |= {"min": self.min, "max": self.max}
        if self.kind == "choice":
            data["choices"] = [{"key": c.key, "text": dict(c.text)} for c in self.choices]
        return data


@dataclass(frozen=True)
class QuestionSet:
    key: str
    board: str | None  # None: the province's
    questions: tuple[Question, ...]
    extends: str | None = None
    title: Mapping[str, str] = field(default_factory=dict)


def _texts(raw: Any, where: str, problems: dict[str, str]) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        problems[where] = "must be an object of texts by language (en, fr)"
        return {}
    texts: dict[str, str] = {}
    for lang, value in raw.items():
        if lang not in LANGUAGES:
            problems[f"{where}.{lang}"] = "only en and fr are known"
        elif not isinstance(value, str) or len(value) > 500:
            problems[f"{where}.{lang}"] = "must be text of at most 500 characters"
        elif value.strip():
            texts[lang] = value.strip()
    return texts


def parse_questions(raw: Sequence[Any], *, prefix: str = "questions") -> tuple[Question, ...]:
    """Questions from request data, refusing every bad field at once (``questions.2.max``).

    Missing translations are allowed here (a draft); :func:`require_both_languages` refuses them
    when a survey opens.
    """
    problems: dict[str, str] = {}
    questions: list[Question] = []
    seen: set[str] = set()
    if not raw:
        raise InvalidFields.one(prefix, "at least one question")
    for i, item in enumerate(raw):
        where = f"{prefix}.{i}"
        if not isinstance(item, Mapping):
            problems[where] = "must be an object"
            continue
        key = item.get("key")
        if not isinstance(key, str) or not key.isidentifier() or len(key) > 60:
            problems[f"{where}.key"] = "a short identifier (letters, digits, _)"
            key = f"_{i}"
        elif key in seen:
            problems[f"{where}.key"] = f"{key} is used twice"
        seen.add(key)
        kind = item.get("kind")
        if kind not in KINDS:
            problems[f"{where}.kind"] = "one of scale, choice, text"
        text = _texts(item.get("text"), f"{where}.text", problems)
        low, high = item.get("min", 1), item.get("max", 5)
        if kind == "scale" and not (isinstance(low, int) and isinstance(high, int) and 0 <= low < high <= 10):
            problems[f"{where}.max"] = "a scale runs from min to max, 0 <= min < max <= 10"
        choices: list[Choice] = []
        if kind == "choice":
            raw_choices = item.get("choices") or []
            if not isinstance(raw_choices, list) or len(raw_choices) < 2:
                problems[f"{where}.choices"] = "at least two choices"
            else:
                for j, c in enumerate(raw_choices):
                    ckey = c.get("key") if isinstance(c, Mapping) else None
                    if not isinstance(ckey, str) or not ckey.isidentifier():
                        problems[f"{where}.choices.{j}.key"] = "a short identifier"
                        continue
                    choices.append(Choice(ckey, _texts(c.get("text"), f"{where}.choices.{j}.text", problems)))
        required = item.get("required", True)
        if not isinstance(required, bool):
            problems[f"{where}.required"] = "true or false"
            required = True
        questions.append(
            Question(
                key=key,
                kind=str(kind),
                text=text,
                min=low if isinstance(low, int) else 1,
                max=high if isinstance(high, int) else 5,
                choices=tuple(choices),
                required=required,
            )
        )
    if problems:
        raise InvalidFields(problems)
    return tuple(questions)


def require_both_languages(questions: Sequence[Question], title: Mapping[str, str] | None = None) -> None:
    """Refuse (naming each text) a set that lacks a text in English or French."""
    problems: dict[str, str] = {}
    if title is not None:
        for lang in LANGUAGES:
            if not title.get(lang):
                problems[f"title.{lang}"] = f"missing the {lang} text"
    for i, q in enumerate(questions):
        for lang in LANGUAGES:
            if not q.text.get(lang):
                problems[f"questions.{i}.text.{lang}"] = f"missing the {lang} text"
        for j, c in enumerate(q.choices):
            for lang in LANGUAGES:
                if not c.text.get(lang):
                    problems[f"questions.{i}.choices.{j}.text.{lang}"] = f"missing the {lang} text"
    if problems:
        raise MissingTranslations(problems)


def extend(base: Sequence[Question], extra: Sequence[Question]) -> tuple[Question, ...]:
    """A board's extension: the base's questions (core first, unchanged) then the board's own."""
    taken = {q.key for q in base}
    clashes = {
        f"questions.{i}.key": f"{q.key} is already a question of the set it extends"
        for i, q in enumerate(extra)
        if q.key in taken
    } | {
        f"questions.{i}.key": f"keys starting {THEME_ATTAINMENT_PREFIX} are the learning goals' own"
        for i, q in enumerate(extra)
        if q.key.startswith(THEME_ATTAINMENT_PREFIX)
    }
    if clashes:
        raise InvalidFields(clashes)
    return (*base, *extra)


def check_answers(questions: Sequence[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers, checked against the questions: every bad or missing answer named at once."""
    problems: dict[str, str] = {}
    by_key = {q.key: q for q in questions}
    for key in answers:
        if key not in by_key:
            problems[f"answers.{key}"] = "not a question of this survey"
    clean: dict[str, Any] = {}
    for q in questions:
        value = answers.get(q.key)
        where = f"answers.{q.key}"
        if value is None or value == "":
            if q.required:
                problems[where] = "required"
            continue
        if q.kind == "scale":
            if isinstance(value, bool) or not isinstance(value, int) or not q.min <= value <= q.max:
                problems[where] = f"a whole number from {q.min} to {q.max}"
                continue
        elif q.kind == "choice":
            if not isinstance(value, str) or value not in {c.key for c in q.choices}:
                problems[where] = "one of " + ", ".join(c.key for c in q.choices)
                continue
        elif not isinstance(value, str) or len(value) > MAX_TEXT_ANSWER:
            problems[where] = f"text of at most {MAX_TEXT_ANSWER} characters"
            continue
        clean[q.key] = value
    if problems:
        raise InvalidFields(problems)
    return clean


def theme_key(code: str) -> str:
    """The answer key of a theme's attainment question (a theme code made an identifier)."""
    return THEME_ATTAINMENT_PREFIX + re.sub(r"\W", "_", code)


@dataclass(frozen=True)
class GoalTheme:
    """A learning-goal theme with its names (from registration's ThemeDefined; the code when unknown)."""

    code: str
    name_en: str
    name_fr: str


def attainment_questions(themes: Sequence[GoalTheme]) -> tuple[Question, ...]:
    """One attainment question per theme (1 to 5), worded in both languages with the theme's name."""
    return tuple(
        Question(
            key=theme_key(t.code),
            kind="scale",
            text={
                "en": f"How far did you reach your learning goal in “{t.name_en}”? (1 to 5)",
                "fr": f"Dans quelle mesure avez-vous atteint votre objectif d'apprentissage en « {t.name_fr} »? (1 à 5)",
            },
            theme=t.code,
        )
        for t in themes
    )


def questions_for(
    questions: Sequence[Question], *, role: str | None, themes: Sequence[str]
) -> tuple[Question, ...]:
    """The questions one invitee is asked: every common question, then, for a beginning teacher or a
    new school leader, the attainment question of each of their (up to three) learning-goal themes,
    in their order. A mentor, or a theme the survey was not opened with, gets none."""
    common = tuple(q for q in questions if q.theme is None)
    if role not in THEME_ASKED_ROLES:
        return common
    by_theme = {q.theme: q for q in questions if q.theme is not None}
    own = [by_theme[c] for c in dict.fromkeys(themes[:MAX_GOAL_THEMES]) if c in by_theme]
    return (*common, *own)


def with_attainment(questions: Sequence[Question], themes: Sequence[GoalTheme]) -> tuple[Question, ...]:
    """A round's questions with the themes' attainment questions after the common ones."""
    common = [q for q in questions if q.theme is None]
    return (*common, *attainment_questions(themes))


def _q(
    key: str, en: str, fr: str, *, low: int = 1, high: int = 5, kind: str = "scale", required: bool = True
) -> Question:
    return Question(key=key, kind=kind, text={"en": en, "fr": fr}, min=low, max=high, required=required)


_CORE = (
    _q(
        "confidence",
        "I feel confident in my role as a teacher.",
        "Je me sens en confiance dans mon rôle d'enseignant·e.",
    ),
    _q(
        "efficacy",
        "I can make a difference in my students' learning.",
        "Je peux faire une différence dans l'apprentissage de mes élèves.",
    ),
    _q(
        "instructional_practice",
        "My instructional practice has grown.",
        "Ma pratique pédagogique s'est développée.",
    ),
    _q(
        "continuous_learning",
        "I am committed to continuous professional learning.",
        "Je m'engage dans un apprentissage professionnel continu.",
    ),
    _q(
        "recommend",
        "How likely are you to recommend this program to a colleague? (0-10)",
        "Quelle est la probabilité que vous recommandiez ce programme à un·e collègue? (0-10)",
        low=0,
        high=10,
    ),
)
_ATTAINMENT = _q(
    "goal_attainment",
    "How far did you reach your learning goals?",
    "Dans quelle mesure avez-vous atteint vos objectifs d'apprentissage?",
)
_COMMENT = _q(
    "comment",
    "What worked well for you?",
    "Qu'est-ce qui a bien fonctionné pour vous?",
    kind="text",
    required=False,
)

PROVINCE_SETS: dict[str, QuestionSet] = {
    "province-core": QuestionSet(
        key="province-core",
        board=None,
        title={"en": "Mentorship program survey", "fr": "Sondage sur le programme de mentorat"},
        questions=(*_CORE, _ATTAINMENT, _COMMENT),
    ),
    "province-pulse": QuestionSet(
        key="province-pulse",
        board=None,
        title={"en": "Hub meeting pulse", "fr": "Sondage éclair sur la rencontre du carrefour"},
        questions=(
            _q(
                "meeting_useful",
                "This hub meeting was useful to me.",
                "Cette rencontre du carrefour m'a été utile.",
            ),
            _q(
                "confidence",
                "I feel confident in my role as a teacher.",
                "Je me sens en confiance dans mon rôle d'enseignant·e.",
            ),
            _q(
                "one_thing",
                "One thing I will try next:",
                "Une chose que j'essaierai ensuite :",
                kind="text",
                required=False,
            ),
        ),
    ),
}
