"""Why people are where they are, as facts: a code and its values (theme codes, grade bands, counts).

Readers word the facts in their reader's language (notifications in the recipient's, the console in
the coordinator's); the English sentences here are for logs and the coordinator's API, built from
the same facts so the two never disagree. Every fact is true by construction:

- ``first_theme`` only for the teacher's own first-listed theme; ``listed_theme`` with the rank at
  which they listed it otherwise;
- ``neighbour_theme`` / ``neighbour_band`` only for pairs that neighbour each other in
  :mod:`themes` (distance 1);
- counts are counted from the hub as it is now (call :func:`explain_hub` after every change).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from services.matching.domain.objective import (
    assignment,
    neighbour_of,
    one_alike_ids,
    theme_rank,
)
from services.matching.domain.placement_model import Fact, Hub, Mentor, Teacher, fact
from services.matching.domain.themes import band_distance
from shared.events.vocabulary import GRADE_BANDS


def _bands(members: Iterable[Teacher]) -> tuple[str, ...]:
    present = {t.grade_band for t in members if t.grade_band}
    return tuple(b for b in GRADE_BANDS if b in present) + tuple(sorted(present - set(GRADE_BANDS)))


def member_facts(
    teacher: Teacher, hub: Hub, hub_members: Sequence[Teacher], one_alike: set[str] | frozenset[str]
) -> list[Fact]:
    """Why this member is in this hub: their theme (at its rank, or a neighbour), their band (the
    hub's or the next one), a one-alike's peer."""
    facts: list[Fact] = []
    if teacher.role != "new_school_leader":
        rank = theme_rank(teacher, hub.theme)
        if rank == 1:
            facts.append(fact("first_theme", theme=hub.theme))
        elif rank is not None:
            facts.append(fact("listed_theme", theme=hub.theme, rank=rank))
        else:
            asked = neighbour_of(teacher, hub.theme)
            if asked is not None:
                facts.append(fact("neighbour_theme", theme=hub.theme, asked=asked))
    if teacher.grade_band and hub.grade_band:
        if teacher.grade_band == hub.grade_band:
            facts.append(fact("same_band", band=hub.grade_band))
        elif band_distance(teacher.grade_band, hub.grade_band) == 1:
            facts.append(fact("neighbour_band", band=hub.grade_band, asked=teacher.grade_band))
    if teacher.participant_id in one_alike and any(
        other.participant_id != teacher.participant_id and assignment(other) == assignment(teacher)
        for other in hub_members
    ):
        facts.append(fact("one_alike", assignment=tuple(sorted(teacher.subjects))))
    return facts


def explain_hub(
    hub: Hub,
    teachers: Mapping[str, Teacher],
    mentors: Mapping[str, Mentor],
    *,
    late_joiners: Iterable[str] = (),
    decided: Iterable[str] = (),
) -> tuple[list[Fact], dict[str, list[Fact]]]:
    """The hub's facts and each member's and leader's, from the hub as it is now.

    ``teachers`` should hold the board's teachers (one-alikes are counted in their school);
    ``late_joiners`` and ``decided`` name members placed late or by a coordinator."""
    members = [teachers[m] for m in hub.members if m in teachers]
    leaders = [mentors[m] for m in hub.leaders if m in mentors]
    roles = Counter(t.role for t in members)
    first = sum(1 for t in members if t.role != "new_school_leader" and theme_rank(t, hub.theme) == 1)
    facts = [fact("hub_theme", theme=hub.theme, teachers=first)]
    bands = _bands(members)
    if hub.grade_band:
        facts.append(fact("hub_band", band=hub.grade_band, bands=bands))
    elif bands:
        facts.append(fact("hub_band", bands=bands))
    facts.append(
        fact(
            "hub_size",
            teachers=roles.get("beginning_teacher", 0),
            leaders=roles.get("new_school_leader", 0),
        )
    )
    schools = {(t.board, t.school) for t in members if t.school}
    if len(schools) > 1:
        facts.append(fact("mixed_schools", schools=len(schools)))
    boards = sorted({t.board for t in members})
    if len(boards) > 1:
        facts.append(fact("regional_hub", boards=tuple(boards)))
    facts.append(fact("leaders_trained", leaders=sum(1 for m in leaders if m.trained)))
    experts = sum(1 for m in leaders if hub.theme in m.expertise_themes)
    if experts:
        facts.append(fact("leader_expertise", theme=hub.theme, leaders=experts))
    facts.append(fact("same_language", language=hub.language))

    school_of = {t.participant_id: (t.board, t.school) for t in members}
    colleagues = Counter(school_of[t.participant_id] for t in members)
    one_alike = one_alike_ids(t for t in teachers.values() if t.board in set(boards))
    late, chosen = set(late_joiners), set(decided)
    per_member: dict[str, list[Fact]] = {}
    for teacher in members:
        mine = member_facts(teacher, hub, members, one_alike)
        if teacher.school and colleagues[school_of[teacher.participant_id]] == 1 and len(members) > 1:
            mine.append(fact("mixed_schools", schools=len(schools)))
        if teacher.participant_id in late:
            mine.append(fact("late_joiner"))
        if teacher.participant_id in chosen:
            mine.append(fact("coordinator_decision"))
        per_member[teacher.participant_id] = mine
    for mentor in leaders:
        mine = []
        if hub.theme in mentor.expertise_themes:
            mine.append(fact("leader_expertise", theme=hub.theme))
        if mentor.participant_id in chosen:
            mine.append(fact("coordinator_decision"))
        per_member[mentor.participant_id] = mine
    return facts, per_member


# ------------------------------------------------------------------------ English, from the facts


def label(theme: str) -> str:
    return theme.replace("_", " ")


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


ORDINALS = {2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def hub_sentence(hub: Hub, teachers: Mapping[str, Teacher], mentors: Mapping[str, Mentor]) -> str:
    """The hub's explanation in English, counted from the hub as it is now (no ids, no names)."""
    members = [teachers[m] for m in hub.members if m in teachers]
    leaders = [mentors[m] for m in hub.leaders if m in mentors]
    roles = Counter(t.role for t in members)
    parts = []
    who = []
    if roles.get("beginning_teacher"):
        who.append(plural(roles["beginning_teacher"], "beginning teacher"))
    if roles.get("new_school_leader"):
        who.append(plural(roles["new_school_leader"], "new school leader"))
    boards = sorted({t.board for t in members})
    where = f" from {plural(len(boards), 'board')} of the region" if len(boards) > 1 else ""
    parts.append(" and ".join(who or ["no members"]) + where)
    if hub.track != "school_leaders":
        ranks = Counter(theme_rank(t, hub.theme) for t in members)
        near = sum(1 for t in members if theme_rank(t, hub.theme) is None and neighbour_of(t, hub.theme))
        theme = f"theme {label(hub.theme)}: {ranks.get(1, 0)} listed it first"
        later = sum(c for r, c in ranks.items() if r is not None and r > 1)
        if later:
            theme += f", {later} listed it among their other goals"
        if near:
            theme += f", {near} listed a neighbouring theme"
        other = len(members) - ranks.get(1, 0) - later - near
        if other:
            theme += f", {other} with other goals"
        parts.append(theme)
    if hub.grade_band:
        same = sum(1 for t in members if t.grade_band == hub.grade_band)
        nextto = sum(
            1
            for t in members
            if t.grade_band
            and t.grade_band != hub.grade_band
            and band_distance(t.grade_band, hub.grade_band) == 1
        )
        band = f"grade band {hub.grade_band}: {same} teach{'es' if same == 1 else ''} it"
        if nextto:
            band += f", {nextto} the next band"
        far = len(members) - same - nextto
        if far:
            band += f", {far} another band"
        parts.append(band)
    schools = len({(t.board, t.school) for t in members if t.school})
    parts.append(f"from {plural(schools, 'school')}")
    experts = sum(1 for m in leaders if hub.theme in m.expertise_themes)
    untrained = sum(1 for m in leaders if not m.trained)
    lead = f"led by {plural(len(leaders), 'mentor')}, {experts} with {label(hub.theme)} expertise"
    if untrained:
        lead += f" ({untrained} to take the foundational mentoring training)"
    parts.append(lead)
    sentence = "; ".join(parts)
    return sentence + ("; no leader evaluates any member." if leaders else ".")


def member_sentence(facts: Sequence[Fact], teacher: Teacher, hub: Hub) -> str:
    """A member's explanation in English, from their facts."""
    codes = {f.code: f for f in facts}
    parts = []
    if "first_theme" in codes:
        parts.append(f"listed {label(hub.theme)} as their first learning goal")
    elif "listed_theme" in codes:
        rank = codes["listed_theme"].get("rank")
        nth = ORDINALS.get(rank, f"number {rank}") if isinstance(rank, int) else "another"
        parts.append(f"listed {label(hub.theme)} as their {nth} learning goal")
    elif "neighbour_theme" in codes:
        asked = str(codes["neighbour_theme"].get("asked"))
        parts.append(f"{label(hub.theme)} neighbours their goal {label(asked)}")
    elif teacher.role != "new_school_leader":
        parts.append(f"{label(hub.theme)} is not among their goals: the best hub open to them")
    if "same_band" in codes:
        parts.append(f"teaches {hub.grade_band} grades like the hub")
    elif "neighbour_band" in codes:
        parts.append(f"teaches {teacher.grade_band} grades, next to the hub's {hub.grade_band}")
    elif hub.grade_band and teacher.grade_band:
        parts.append(f"teaches {teacher.grade_band} grades; the hub is for {hub.grade_band} grades")
    if "one_alike" in codes:
        parts.append("meets another teacher with the same assignment")
    if "late_joiner" in codes:
        parts.append("joined after the hubs were formed")
    return ("; ".join(parts) or "placed in this hub") + "."


def pairing_facts(teacher: Teacher, mentor: Mentor) -> list[Fact]:
    """Why this mentor was paired one to one with this person."""
    facts: list[Fact] = []
    if teacher.role == "new_school_leader":
        facts.append(fact("mentor_school_leader"))
    if mentor.school and mentor.school == teacher.school and mentor.board == teacher.board:
        facts.append(fact("mentor_same_school"))
    if mentor.grade_band and mentor.grade_band == teacher.grade_band:
        facts.append(fact("mentor_same_band", band=mentor.grade_band))
    first = teacher.themes[0] if teacher.themes and teacher.role != "new_school_leader" else None
    if first and first in mentor.expertise_themes:
        facts.append(fact("mentor_expertise", theme=first))
    return facts


def pairing_sentence(teacher: Teacher, mentor: Mentor) -> str:
    who = "an experienced school leader" if teacher.role == "new_school_leader" else "a mentor"
    where = (
        "in the same school"
        if mentor.school and mentor.school == teacher.school and mentor.board == teacher.board
        else "in the same board"
    )
    text = f"{who} {where}"
    distance = band_distance(mentor.grade_band, teacher.grade_band) if mentor.grade_band else None
    if teacher.grade_band and distance == 0:
        text += ", same grade band"
    elif teacher.grade_band and distance == 1 and mentor.grade_band and teacher.grade_band:
        text += ", the next grade band"
    first = teacher.themes[0] if teacher.themes and teacher.role != "new_school_leader" else None
    if first and first in mentor.expertise_themes:
        text += f", with expertise in {label(first)}"
    return text + ", who does not evaluate them"
