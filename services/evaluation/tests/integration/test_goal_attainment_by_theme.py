"""Goal attainment per learning-goal theme on the real stack (PostgreSQL, RabbitMQ): the themes a
teacher registered with (and their names from ThemeDefined) reach evaluation through the broker; the
end-of-year round asks each beginning teacher and new school leader one question per theme of theirs;
the report's per-theme figure equals a hand computation and a group of 4 is suppressed."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import create_async_engine

from services.evaluation.tests.integration.helpers import eventually, hub_formed, profile, registered
from shared.events import registration
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"
NOW = datetime(2026, 11, 3, 15, tzinfo=UTC)
CORE = {"confidence": 4, "efficacy": 4, "instructional_practice": 4, "continuous_learning": 4}
CORE |= {"recommend": 9, "goal_attainment": 4}


async def test_attainment_per_theme_is_asked_of_each_holder_and_reported_suppressed_below_5(
    api, bus, token, evaluation_db
):
    api.clock.set(NOW)
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    tag = uuid.uuid4().hex[:6]
    lit, math = f"literacy_{tag}", f"math-{tag}"
    lit_key, math_key = f"goal_attainment__literacy_{tag}", f"goal_attainment__math_{tag}"
    names = (
        registration.ThemeDefined(
            board="province", code=lit, name_en="Early literacy", name_fr="Littératie précoce"
        ),
        registration.ThemeDefined(
            board="province", code=math, name_en="Mathematics", name_fr="Mathématiques"
        ),
    )

    def person(role: str, themes: list[str], language: str = "en") -> registration.ParticipantProfile:
        return profile(board, role, language=language).model_copy(update={"themes": themes})

    # Six beginning teachers and a new school leader hold the literacy theme; four of them mathematics
    # too (teacher 0 lists it first); a mentor in the hub with a theme is asked no theme question.
    teachers = [person("beginning_teacher", [math, lit] if i == 0 else [lit, math]) for i in range(4)]
    teachers += [person("beginning_teacher", [lit], "fr") for _ in range(2)]
    leader = person("new_school_leader", [lit])
    mentor = person("mentor", [lit])
    members = [*teachers, leader, mentor]
    leads = [profile(board, "mentor") for _ in range(2)]
    await bus.publish(*names, *(registered(board, p) for p in (*members, *leads)))
    await bus.publish(
        hub_formed(
            board,
            [p.participant_id for p in members],
            [p.participant_id for p in leads],
            at=NOW - timedelta(days=30),
        )
    )

    # The positive signal: every participant's themes and both theme names kept (events of different
    # types may arrive in any order).
    engine = create_async_engine(evaluation_db)
    ids = [p.participant_id for p in members]

    async def kept() -> tuple[int, int]:
        async with engine.begin() as conn:
            await conn.execute(sa.text("SELECT set_config('app.scope', 'system', true)"))
            people = await conn.scalar(
                sa.text(
                    "SELECT count(*) FROM participants WHERE participant_id = ANY(:ids) AND themes <> '{}'"
                ),
                {"ids": ids},
            )
            themes = await conn.scalar(
                sa.text("SELECT count(*) FROM themes WHERE code = ANY(:c)"), {"c": [lit, math]}
            )
        return people, themes

    await eventually(kept, lambda k: k == (len(members), 2), timeout=30)
    await eventually(
        lambda: api.ok("GET", f"/boards/{board}/engagement", coordinator, params={"program_year": YEAR}),
        lambda e: len(e["hubs"]) == 1,
        timeout=30,
    )

    survey = await api.ok(
        "POST",
        f"/boards/{board}/surveys",
        coordinator,
        201,
        json={"program_year": YEAR, "kind": "end_of_year", "mode": "anonymous"},
    )
    assert survey["invited"] == len(members)
    by_theme = {q["theme"]: q for q in survey["questions"] if q.get("theme")}
    assert set(by_theme) == {lit, math}
    assert "Mathematics" in by_theme[math]["text"]["en"] and "Mathématiques" in by_theme[math]["text"]["fr"]
    assert "Littératie précoce" in by_theme[lit]["text"]["fr"]

    def me(p: registration.ParticipantProfile) -> str:
        return token("participant", board=board, participant_id=p.participant_id)

    async def asked(p: registration.ParticipantProfile) -> list[str]:
        seen = await api.ok("GET", f"/surveys/{survey['id']}", me(p))
        return [q["theme"] for q in seen["questions"] if q.get("theme")]

    assert await asked(teachers[0]) == [math, lit]
    assert await asked(teachers[1]) == [lit, math]
    assert await asked(teachers[5]) == [lit]
    assert await asked(leader) == [lit]
    assert await asked(mentor) == []

    # A theme's answer is required of its holder, and refused from anyone else: each field named.
    refused = await api.call(
        "PUT", f"/surveys/{survey['id']}/response", me(teachers[5]), json={"answers": CORE | {math_key: 3}}
    )
    assert refused.status_code == 422, refused.text
    assert {e["field"] for e in refused.json()["errors"]} == {f"answers.{lit_key}", f"answers.{math_key}"}

    literacy = [5, 4, 3, 4, 5, 2, 4]  # teachers 0-5 then the leader: 27 / 7 = 3.857 -> 3.86
    mathematics = [3, 4, 5, 4]  # teachers 0-3: a group of 4, suppressed
    for i, p in enumerate([*teachers, leader]):
        answers = CORE | {lit_key: literacy[i]} | ({math_key: mathematics[i]} if i < 4 else {})
        await api.ok("PUT", f"/surveys/{survey['id']}/response", me(p), 201, json={"answers": answers})
    await api.ok("PUT", f"/surveys/{survey['id']}/response", me(mentor), 201, json={"answers": CORE})
    assert round(sum(literacy) / 7, 2) == 3.86

    report = await api.ok("GET", f"/boards/{board}/report", coordinator, params={"program_year": YEAR})
    assert report["attainment_round"] == "end_of_year"
    assert {t["theme"]: t for t in report["goal_attainment_by_theme"]} == {
        lit: {
            "theme": lit,
            "name": {"en": "Early literacy", "fr": "Littératie précoce"},
            "value": 3.86,
            "respondents": 7,
            "suppressed": False,
        },
        math: {
            "theme": math,
            "name": {"en": "Mathematics", "fr": "Mathématiques"},
            "value": None,
            "respondents": None,
            "suppressed": True,
        },
    }
    # The same in the CSV and the PDF, in both languages.
    for lang, lit_line, math_line in (
        ("en", "Learning goal attained: Early literacy (1 to 5) 3.86", "Mathematics (1 to 5) fewer than 5"),
        (
            "fr",
            "Objectif d'apprentissage atteint : Littératie précoce (1 à 5) 3,86",
            "Mathématiques (1 à 5) moins de 5",
        ),
    ):
        got = await api.call(
            "GET",
            f"/boards/{board}/report",
            coordinator,
            params={"program_year": YEAR, "format": "csv", "lang": lang},
        )
        rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        text = "\n".join(" ".join(r[1:]) for r in rows)
        assert lit_line in text and math_line in text, text
        pdf = await api.call(
            "GET",
            f"/boards/{board}/report",
            coordinator,
            params={"program_year": YEAR, "format": "pdf", "lang": lang},
        )
        pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        pdf_text = " ".join(pdf_text.replace("\xa0", " ").replace("\u202f", " ").split())
        # The PDF prints "measure: value" ("measure : value" in French).
        colon = ") : " if lang == "fr" else "): "
        assert lit_line.replace(") ", colon) in pdf_text and math_line.replace(") ", colon) in pdf_text

    # The per-question results apply the same rule (the group of 4 withheld), and the province's
    # report (these theme codes are this board's alone) shows the same figures.
    results = await api.ok(
        "GET",
        f"/boards/{board}/survey-results",
        coordinator,
        params={"program_year": YEAR, "kind": "end_of_year"},
    )
    per_question = {q["key"]: q for q in results["questions"]}
    assert per_question[lit_key]["mean"] == 3.86 and per_question[lit_key]["respondents"] == 7
    assert per_question[math_key]["suppressed"] and per_question[math_key]["mean"] is None
    province = await api.ok("GET", "/province/report", token("province_admin"), params={"program_year": YEAR})
    theirs = {t["theme"]: (t["value"], t["suppressed"]) for t in province["goal_attainment_by_theme"]}
    assert theirs[lit] == (3.86, False) and theirs[math] == (None, True)

    # Stored per theme in the answer rows, which name nobody; the anonymous ballots name nobody in clear.
    async with engine.begin() as conn:
        await conn.execute(sa.text("SELECT set_config('app.scope', 'system', true)"))
        stored = (
            await conn.execute(
                sa.text("SELECT answers, r::text AS whole FROM responses r WHERE survey_id = :s"),
                {"s": survey["id"]},
            )
        ).all()
        voters = (
            await conn.scalars(sa.text("SELECT voter FROM ballots WHERE survey_id = :s"), {"s": survey["id"]})
        ).all()
    await engine.dispose()
    assert sorted(r.answers[lit_key] for r in stored if lit_key in r.answers) == sorted(literacy)
    assert sorted(r.answers[math_key] for r in stored if math_key in r.answers) == sorted(mathematics)
    assert len(voters) == len(members)
    clear = {str(i) for i in ids}
    assert not any(c in r.whole for r in stored for c in clear) and not (set(voters) & clear)
