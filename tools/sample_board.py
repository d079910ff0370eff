"""A realistic sample board for demos and `make run`: Elmwood District School Board.

Deterministic (seeded) so every run loads the same people: beginning teachers with learning goals
clustered around a few themes, a handful of new school leaders, and experienced mentors (some
evaluating teachers in their school, as principals do), across eight schools, some French-language
(Core French, French immersion). Loaded through the public API, so events flow as they would for real.
"""

from __future__ import annotations

import random
from typing import Any

BOARD = {
    "code": "ELM",
    "name": "Elmwood District School Board",
    "language": "en",
    "region": "Central",
    "timezone": "America/Toronto",
}
PROGRAM_YEAR = "2026-2027"
SCHOOLS = [
    "Maple Ridge Public School",
    "Riverside Elementary",
    "Cedar Grove PS",
    "Lakeview Intermediate",
    "Northfield Secondary",
    "École Élémentaire Les Érables",
    "Pine Hollow PS",
    "Elmwood Collegiate",
]
GIVEN = [
    "Amélie",
    "Noah",
    "Priya",
    "Liam",
    "Aisha",
    "Mateo",
    "Chloé",
    "Ethan",
    "Fatima",
    "Lucas",
    "Maya",
    "Owen",
    "Sofia",
    "Jacob",
    "Léa",
    "Daniel",
    "Zara",
    "Gabriel",
    "Nora",
    "Samuel",
    "Ananya",
    "Élodie",
    "Kwame",
    "Mei",
    "Tyler",
    "Hannah",
    "Rohan",
    "Isabelle",
    "Omar",
    "Jasmine",
]
FAMILY = [
    "Tremblay",
    "Nguyen",
    "Patel",
    "Smith",
    "Gagnon",
    "Singh",
    "Roy",
    "Wilson",
    "Côté",
    "Chen",
    "Martin",
    "Ahmed",
    "Bouchard",
    "Brown",
    "Lee",
    "Lavoie",
    "Khan",
    "Morin",
    "Taylor",
    "Ouellet",
]
CLUSTERS = [  # (theme, grade band, subjects, goal)
    ("early_years_literacy", "kindergarten", ["Kindergarten"], "Build phonological awareness through play."),
    (
        "early_years_literacy",
        "primary",
        ["Language"],
        "Run guided reading groups that keep everyone engaged.",
    ),
    (
        "intermediate_mathematics",
        "intermediate",
        ["Mathematics"],
        "Teach proportional reasoning with rich tasks.",
    ),
    ("intermediate_mathematics", "junior", ["Mathematics"], "Use manipulatives to teach fractions."),
    ("arts_based_learning", "junior", ["Arts"], "Bring drama into literacy blocks."),
    ("classroom_management", "senior", ["Science"], "Establish routines for labs with large classes."),
    ("french_second_language", "primary", ["Core French"], "Keep Core French oral practice going daily."),
    ("inclusive_education", "intermediate", ["Special Education"], "Write IEP goals students can act on."),
]


def participants(seed: int = 2026) -> list[dict[str, Any]]:
    """40 beginning teachers, 6 new school leaders, 14 mentors and 3 experienced principals."""
    rng = random.Random(seed)
    people: list[dict[str, Any]] = []
    used: set[tuple[str, str]] = set()

    def person(role: str, n: int) -> dict[str, Any]:
        while True:
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            if (given, family) not in used:
                used.add((given, family))
                break
        school = rng.choice(SCHOOLS)
        french = school.startswith("École")
        return {
            "board": BOARD["code"],
            "program_year": PROGRAM_YEAR,
            "hr_id": f"ELM-{role[:2].upper()}-{n:04d}",
            "role": role,
            "given_name": given,
            "family_name": family,
            "email": f"{given.lower()}.{family.lower()}.{n}@elmwood.example.org".replace("é", "e")
            .replace("è", "e")
            .replace("ô", "o")
            .replace("ï", "i"),
            "language": "fr" if french else "en",
            "school": school,
        }

    for n in range(40):
        theme, band, subjects, goal = CLUSTERS[n % len(CLUSTERS)] if n < 34 else rng.choice(CLUSTERS)
        teacher = person("beginning_teacher", n)
        if theme == "french_second_language":
            teacher["language"] = "fr"
        teacher.update(grade_band=band, subjects=subjects, themes=[theme], learning_goals=goal)
        people.append(teacher)
    for n in range(6):
        leader = person("new_school_leader", 100 + n)
        leader.update(
            themes=["school_leadership"], learning_goals="Lead a school improvement plan with staff."
        )
        people.append(leader)
    teacher_ids = [p["hr_id"] for p in people if p["role"] == "beginning_teacher"]
    for n in range(14):
        theme, band, subjects, _ = CLUSTERS[n % len(CLUSTERS)]
        mentor = person("mentor", 200 + n)
        if theme == "french_second_language":
            mentor["language"] = "fr"
        mentor.update(
            grade_band=band,
            subjects=subjects,
            expertise_themes=[theme, "classroom_management"],
            trained=n % 5 != 0,
            hub_capacity=2 if n % 3 else 1,
            one_to_one_capacity=1,
        )
        people.append(mentor)
    for n in range(3):
        principal = person("mentor", 300 + n)
        # Principals lead new-school-leader hubs and evaluate some beginning teachers in their school.
        principal.update(
            expertise_themes=["school_leadership"],
            leads_school_leaders=True,
            trained=True,
            hub_capacity=1,
            evaluates_hr_ids=rng.sample(teacher_ids, 3),
        )
        people.append(principal)
    return people
