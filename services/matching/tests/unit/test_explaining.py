"""Explanations are facts, and true: every theme fact names one of the person's own themes at its true
rank, every "neighbour" pair neighbours in the project's table, every count is the hub's."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matching.domain.explaining import explain_hub, hub_sentence
from services.matching.domain.forming import form_hubs
from services.matching.domain.placement_model import (
    Hub,
    MatchingPolicy,
    Mentor,
    Teacher,
)
from services.matching.domain.themes import band_distance, theme_distance
from services.matching.service_layer.hubs import hub_formed
from shared.events.vocabulary import GRADE_BANDS
from tools.synthetic_boards import THEMES

pytestmark = pytest.mark.unit

BANDS = st.sampled_from(GRADE_BANDS)


@st.composite
def boards(draw: st.DrawFn) -> tuple[Hub, dict[str, Teacher], dict[str, Mentor]]:
    n = draw(st.integers(1, 10))
    teachers = {}
    for i in range(n):
        role = draw(st.sampled_from(["beginning_teacher"] * 4 + ["new_school_leader"]))
        themes = tuple(draw(st.lists(st.sampled_from(THEMES), min_size=1, max_size=3, unique=True)))
        teacher = Teacher(
            participant_id=f"T{i}",
            board=draw(st.sampled_from(["A", "B"])),
            hr_id=f"H{i}",
            role=role,
            school=draw(st.sampled_from(["S1", "S2", "S3", None])),
            grade_band=draw(st.one_of(st.none(), BANDS)),
            subjects=(draw(st.sampled_from(["Math", "Arts"])),),
            themes=themes if role == "beginning_teacher" else ("school_leadership",),
        )
        teachers[teacher.participant_id] = teacher
    mentors = {
        f"M{i}": Mentor(
            participant_id=f"M{i}",
            board="A",
            hr_id=f"MH{i}",
            expertise_themes=tuple(draw(st.lists(st.sampled_from(THEMES), max_size=2, unique=True))),
            trained=draw(st.booleans()),
        )
        for i in range(2)
    }
    members = draw(st.lists(st.sampled_from(sorted(teachers)), min_size=1, unique=True))
    hub = Hub(
        hub_key=str(uuid.UUID(int=draw(st.integers(1, 2**64)))),
        board="A",
        theme=draw(st.sampled_from(THEMES)),
        grade_band=draw(st.one_of(st.none(), BANDS)),
        language="en",
        track="teachers",
        members=tuple(members),
        leaders=tuple(mentors),
    )
    return hub, teachers, mentors


@settings(max_examples=300, deadline=None)
@given(boards())
def test_every_fact_of_a_hub_is_true(case: tuple[Hub, dict[str, Teacher], dict[str, Mentor]]):
    hub, teachers, mentors = case
    facts, per_member = explain_hub(hub, teachers, mentors)
    members = [teachers[m] for m in hub.members]
    assert set(per_member) == set(hub.members) | set(hub.leaders)
    for pid, mine in per_member.items():
        if pid in mentors:
            continue
        teacher = teachers[pid]
        for f in mine:
            values = f.as_dict()
            if f.code == "first_theme":
                assert teacher.role == "beginning_teacher"
                assert values["theme"] == hub.theme == teacher.themes[0]
            elif f.code == "listed_theme":
                rank = values["rank"]
                assert isinstance(rank, int) and rank >= 2
                assert values["theme"] == hub.theme == teacher.themes[rank - 1]
            elif f.code == "neighbour_theme":
                assert values["theme"] == hub.theme and hub.theme not in teacher.themes
                assert values["asked"] in teacher.themes
                assert theme_distance(str(values["asked"]), hub.theme) == 1
            elif f.code == "same_band":
                assert values["band"] == hub.grade_band == teacher.grade_band is not None
            elif f.code == "neighbour_band":
                assert values["band"] == hub.grade_band and values["asked"] == teacher.grade_band
                assert band_distance(teacher.grade_band, hub.grade_band) == 1
        codes = [f.code for f in mine]
        assert sum(c in ("first_theme", "listed_theme", "neighbour_theme") for c in codes) <= 1
    by_code = {f.code: f.as_dict() for f in facts}
    roles = Counter(t.role for t in members)
    assert by_code["hub_size"] == {
        "teachers": roles["beginning_teacher"],
        "leaders": roles["new_school_leader"],
    }
    first = sum(1 for t in members if t.role == "beginning_teacher" and t.themes[0] == hub.theme)
    assert by_code["hub_theme"] == {"theme": hub.theme, "teachers": first}
    schools = len({(t.board, t.school) for t in members if t.school})
    assert by_code.get("mixed_schools", {"schools": schools})["schools"] == schools
    assert by_code["leaders_trained"]["leaders"] == sum(1 for m in mentors.values() if m.trained)
    # The English sentence counts the same people.
    sentence = hub_sentence(hub, teachers, mentors)
    if roles["beginning_teacher"]:
        n = roles["beginning_teacher"]
        assert sentence.startswith(f"{n} beginning teacher{'s' if n != 1 else ''}")
    assert "chose" not in sentence and "close" not in sentence


def test_chose_first_only_for_a_first_choice_and_neighbour_only_for_a_neighbour_in_the_table():
    themes = [("assessment", "technology_in_learning")] * 5 + [
        ("technology_in_learning", "assessment"),  # listed it second
        ("intermediate_mathematics",),  # distance 1 from assessment: a neighbour
        ("technology_in_learning",),  # distance 2: related, not a neighbour
    ]
    teachers = {
        f"T{i}": Teacher(f"T{i}", "B", f"H{i}", school=f"S{i}", grade_band="junior", themes=t)
        for i, t in enumerate(themes)
    }
    hub = Hub("k", "B", "assessment", "junior", "en", "teachers", tuple(teachers), ())
    facts, per_member = explain_hub(hub, teachers, {})
    theme_facts = {
        pid: [(f.code, f.as_dict()) for f in mine if "theme" in f.code] for pid, mine in per_member.items()
    }
    assert theme_facts["T0"] == [("first_theme", {"theme": "assessment"})]
    assert theme_facts["T5"] == [("listed_theme", {"theme": "assessment", "rank": 2})]
    assert theme_facts["T6"] == [
        ("neighbour_theme", {"theme": "assessment", "asked": "intermediate_mathematics"})
    ]
    assert theme_facts["T7"] == []
    assert [f.as_dict() for f in facts if f.code == "hub_theme"] == [{"theme": "assessment", "teachers": 5}]
    assert hub_sentence(hub, teachers, {}).startswith(
        "8 beginning teachers; theme assessment: 5 listed it first, 1 listed it among their other goals, "
        "1 listed a neighbouring theme, 1 with other goals"
    )


def test_kindergarten_and_intermediate_are_never_called_neighbouring_bands():
    teacher = Teacher("T1", "B", "H1", school="S", grade_band="kindergarten", themes=("assessment",))
    hub = Hub("k", "B", "assessment", "intermediate", "en", "teachers", ("T1",), ())
    _, per_member = explain_hub(hub, {"T1": teacher}, {})
    assert [f.code for f in per_member["T1"]] == ["first_theme"]


def test_hub_formed_carries_the_hubs_facts_for_every_member_and_leader():
    from tools.synthetic_boards import board

    synthetic_teachers, synthetic_mentors = board("EV", 40, 12, seed=3)
    # Participant ids are UUIDs on the wire.
    teachers = [
        replace(t, participant_id=str(uuid.uuid5(uuid.NAMESPACE_URL, t.participant_id)))
        for t in synthetic_teachers
    ]
    mentors = [
        replace(m, participant_id=str(uuid.uuid5(uuid.NAMESPACE_URL, m.participant_id)))
        for m in synthetic_mentors
    ]
    result = form_hubs(teachers, mentors, MatchingPolicy())
    by_id = {t.participant_id: t for t in teachers}
    mentor_by_id = {m.participant_id: m for m in mentors}
    assert result.hubs
    for hub in result.hubs:
        event = hub_formed(hub, "2026-2027", teachers=by_id, mentors=mentor_by_id)
        facts, per_member = explain_hub(hub, by_id, mentor_by_id)
        assert [r.code for r in event.reasons] == [f.code for f in facts]
        assert set(event.member_reasons) == set(hub.members) | set(hub.leaders)
        size = next(r for r in event.reasons if r.code == "hub_size")
        assert size.values == {"teachers": len(hub.members), "leaders": 0}
