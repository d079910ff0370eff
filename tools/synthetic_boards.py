"""Seeded synthetic boards and provinces for tests and benchmarks (pure, deterministic)."""

from __future__ import annotations

import random

from services.matching.domain.placement_model import Mentor, Teacher
from shared.events.vocabulary import GRADE_BANDS

THEMES = (
    "early_years_literacy",
    "arts_based_learning",
    "intermediate_mathematics",
    "classroom_management",
    "assessment",
    "inclusive_education",
    "french_second_language",
    "indigenous_education",
    "mental_health_wellbeing",
    "technology_in_learning",
)
SUBJECTS = ("Language", "Mathematics", "Arts", "Science", "Core French", "Kindergarten", "Special Education")


def board(
    code: str,
    teachers: int,
    mentors: int,
    *,
    seed: int = 1,
    language: str = "en",
    schools: int = 8,
    leaders: int = 0,
    leader_mentors: int = 0,
    evaluator_share: float = 0.1,
    region: str | None = None,
) -> tuple[list[Teacher], list[Mentor]]:
    """A board with skewed themes (a few popular, some rare) and one-alike assignments."""
    rng = random.Random(f"{code}-{seed}")
    popular = rng.sample(THEMES, 4)
    school_names = [f"{code}-S{i:02d}" for i in range(schools)]
    out_teachers = []
    for n in range(teachers):
        theme = rng.choice(popular) if rng.random() < 0.75 else rng.choice(THEMES)
        band = rng.choice(GRADE_BANDS[:2] if theme in ("early_years_literacy",) else GRADE_BANDS)
        subject = "Core French" if theme == "french_second_language" else rng.choice(SUBJECTS)
        second = rng.choice(THEMES)
        out_teachers.append(
            Teacher(
                participant_id=f"{code}-T{n:05d}",
                board=code,
                hr_id=f"{code}-HR-T{n:05d}",
                school=rng.choice(school_names),
                grade_band=band,
                subjects=(subject,),
                language=language,
                themes=(theme, second),
                region=region,
            )
        )
    for n in range(leaders):
        out_teachers.append(
            Teacher(
                participant_id=f"{code}-L{n:05d}",
                board=code,
                hr_id=f"{code}-HR-L{n:05d}",
                role="new_school_leader",
                school=rng.choice(school_names),
                language=language,
                themes=("school_leadership",),
                region=region,
            )
        )
    hr_ids = [t.hr_id for t in out_teachers]
    out_mentors = []
    for n in range(mentors + leader_mentors):
        leads_leaders = n >= mentors
        evaluates = (
            frozenset(rng.sample(hr_ids, k=min(len(hr_ids), 2)))
            if hr_ids and rng.random() < evaluator_share
            else frozenset()
        )
        out_mentors.append(
            Mentor(
                participant_id=f"{code}-M{n:05d}",
                board=code,
                hr_id=f"{code}-HR-M{n:05d}",
                school=rng.choice(school_names),
                grade_band=rng.choice(GRADE_BANDS),
                subjects=(rng.choice(SUBJECTS),),
                language=language,
                expertise_themes=("school_leadership",)
                if leads_leaders
                else tuple(rng.sample(popular, 2) + [rng.choice(THEMES)]),
                trained=rng.random() < 0.8,
                hub_capacity=rng.choice((1, 1, 2, 2, 3)),
                one_to_one_capacity=rng.choice((0, 1, 1, 2)),
                evaluates_hr_ids=evaluates,
                leads_school_leaders=leads_leaders,
                region=region,
            )
        )
    return out_teachers, out_mentors


def province(
    teachers: int = 10_000, mentors: int = 2_500, boards: int = 60, seed: int = 7
) -> tuple[list[Teacher], list[Mentor]]:
    """A province with realistic skew: a few large boards, many small ones, ~10% French-language."""
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(boards)]
    total = sum(weights)
    all_teachers: list[Teacher] = []
    all_mentors: list[Mentor] = []
    for index, weight in enumerate(weights):
        share = weight / total
        code = f"B{index:02d}"
        n_teachers = max(4, round(teachers * share))
        n_mentors = max(2, round(mentors * share))
        language = "fr" if index % 10 == 3 else "en"
        t, m = board(
            code,
            n_teachers,
            n_mentors,
            seed=seed,
            language=language,
            schools=max(2, n_teachers // 12),
            leaders=max(0, n_teachers // 40),
            leader_mentors=max(0, n_teachers // 80),
            region=f"R{index % 6}",
        )
        all_teachers += t
        all_mentors += m
    return all_teachers, all_mentors
