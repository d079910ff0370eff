"""Must show 1 and 3 on the running system (every service a process, real RabbitMQ, PostgreSQL and
SMTP): a simulated year — three hubs, twenty teachers, meetings held, three survey rounds answered —
whose report equals a hand computation, in JSON, CSV and PDF, in English and French; and each pulse's
invitation goes out once, through notifications."""

from __future__ import annotations

import asyncio
import csv
import io
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pypdf import PdfReader

from services.evaluation.domain.questions import theme_key
from services.evaluation.tests.integration.helpers import (
    Bus,
    eventually,
    hub_formed,
    meeting,
    profile,
    registered,
)
from shared.events import matching, registration
from shared.testing.helpers import auth, unique_board

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


# A program year of its own: the running service's schedule opens the *current* year's rounds by
# itself, and must not open one of this test's rounds behind its back.
YEAR = "2098-2099"
# Learning-goal themes of this run's own (ThemeDefined names them): every teacher holds the first,
# the first four teachers the second too (a group of 4, suppressed in the report).
LIT, MATH = f"e2e_literacy_{uuid.uuid4().hex[:8]}", f"e2e_math_{uuid.uuid4().hex[:8]}"
LIT_KEY, MATH_KEY = theme_key(LIT), theme_key(MATH)


def themes_of(i: int) -> list[str]:
    return [LIT, MATH] if i < 4 else [LIT]


def baseline(i: int) -> dict[str, int]:
    return {
        "confidence": 2 + i % 3,
        "efficacy": 3,
        "instructional_practice": 2 + i % 2,
        "continuous_learning": 4,
        "recommend": 7,
        "goal_attainment": 2,
    }


def mid_year(i: int) -> dict[str, int]:
    return {
        "confidence": 3,
        "efficacy": 3,
        "instructional_practice": 3,
        "continuous_learning": 4,
        "recommend": 8,
        "goal_attainment": 3,
        LIT_KEY: 3,
        **({MATH_KEY: 3} if i < 4 else {}),
    }


def end_of_year(i: int) -> dict[str, int]:
    return {
        "confidence": 4 + i % 2,
        "efficacy": 4,
        "instructional_practice": 3 + i % 3,
        "continuous_learning": 5,
        "recommend": 10 - i % 5,
        "goal_attainment": 3 + i % 3,
        LIT_KEY: 2 + i % 4,
        **({MATH_KEY: 4} if i < 4 else {}),
    }


async def test_a_simulated_year_reports_what_a_hand_computation_says(system, smtp, token):
    year = YEAR
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    now = datetime.now(UTC)
    sizes = (7, 7, 6)
    teachers = [
        [
            profile(board, year=year, language="fr" if h == 2 else "en").model_copy(
                update={"themes": themes_of(sum(sizes[:h]) + j)}
            )
            for j in range(n)
        ]
        for h, n in enumerate(sizes)
    ]
    theme_names = [
        registration.ThemeDefined(
            board="province", code=LIT, name_en="Early literacy", name_fr="Littératie précoce"
        ),
        registration.ThemeDefined(
            board="province", code=MATH, name_en="Mathematics", name_fr="Mathématiques"
        ),
    ]
    leaders = [[profile(board, "mentor", year=year) for _ in range(2)] for _ in sizes]
    everyone = [p for group in (*teachers, *leaders) for p in group]
    hubs = [
        hub_formed(
            board,
            [p.participant_id for p in t],
            [p.participant_id for p in lead],
            at=now - timedelta(days=60),
            year=year,
        )
        for t, lead in zip(teachers, leaders, strict=True)
    ]
    flat = [p for t in teachers for p in t]
    mentors = [profile(board, "mentor", year=year) for _ in range(2)]
    pairings = [
        matching.MentorPaired(
            board=board,
            program_year=year,
            teacher_id=flat[i].participant_id,
            mentor_id=mentors[i].participant_id,
        )
        for i in range(2)
    ]
    visits = [
        matching.ObservationScheduled(
            board=board,
            observation_id=uuid.uuid4(),
            visitor_id=flat[i].participant_id,
            host_id=mentors[i].participant_id,
            starts_at=now - timedelta(days=10),
            ends_at=now - timedelta(days=10, hours=-2),
        )
        for i in range(2)
    ]
    workshop = registration.SessionScheduled(
        board=board,
        session_id=uuid.uuid4(),
        kind="workshop",
        title="Workshop 1",
        starts_at=(now - timedelta(days=50)).isoformat(),
        ends_at=(now - timedelta(days=50, hours=-6)).isoformat(),
    )
    attendance = [
        registration.AttendanceRecorded(
            board=board, session_id=workshop.session_id, participant_id=p.participant_id, attended=i < 15
        )
        for i, p in enumerate(flat)
    ]
    # Meetings: hub 1 holds three; hub 2 holds two and has a third planned; hub 3 holds two, one cancelled.
    meetings = [[meeting(board, h.hub_id, now - timedelta(days=12 - 4 * k)) for k in range(3)] for h in hubs]
    cancelled = meeting(
        board,
        hubs[2].hub_id,
        meetings[2][1].starts_at,
        matching.HubMeetingCancelled,
        meeting_id=meetings[2][1].meeting_id,
        sequence=1,
    )

    bus = await Bus.open(system.infra.rabbitmq_url, f"{system.prefix}.events")
    try:
        await bus.publish(
            *theme_names,
            *(registered(board, p) for p in (*everyone, *mentors)),
            *hubs,
            *pairings,
            *visits,
            workshop,
            *attendance,
        )
        await bus.publish(*(m for ms in meetings for m in ms), cancelled)
    finally:
        await bus.close()

    async with httpx.AsyncClient(base_url=f"{system.url('evaluation')}/v1", timeout=30) as client:

        async def get(path: str, who: str = coordinator, **params: str) -> httpx.Response:
            return await client.get(path, params=params, headers=auth(who))

        async def engagement() -> dict:
            response = await get(f"/boards/{board}/engagement", program_year=year)
            assert response.status_code == 200, response.text
            return response.json()

        await eventually(
            engagement,
            lambda e: (
                len(e["hubs"]) == 3
                and e["meetings_planned"] == 8
                and e["observation_visits"] == 2
                and e["sessions_attended"] == 15
            ),
            timeout=60,
        )
        # Hub leaders record the meetings held: (hub, meeting) -> the teachers absent.
        held = {(0, 0): [0], (0, 1): [1], (0, 2): [2], (1, 0): [0, 1], (1, 1): [2, 3], (2, 0): [], (2, 2): []}
        present_at: Counter[uuid.UUID] = Counter()
        for (h, k), absent_idx in held.items():
            absent = [teachers[h][i].participant_id for i in absent_idx]
            present = [
                p.participant_id for p in (*teachers[h], *leaders[h]) if p.participant_id not in absent
            ]
            present_at.update(present)
            leader = token("participant", board=board, participant_id=leaders[h][0].participant_id)
            response = await client.post(
                f"/hub-meetings/{meetings[h][k].meeting_id}/record",
                json={"present": [str(p) for p in present], "absent": [str(a) for a in absent]},
                headers=auth(leader),
            )
            assert response.status_code == 202, response.text
        assert (
            await client.post(
                f"/hub-meetings/{meetings[2][1].meeting_id}/record",
                json={"present": [str(teachers[2][0].participant_id)]},
                headers=auth(coordinator),
            )
        ).status_code == 409
        recorded = await eventually(engagement, lambda e: e["meetings_held"] == 7, timeout=60)
        assert (recorded["meetings_planned"], recorded["meetings_held"]) == (8, 7)
        # By hand: hub 1 three meetings of 8 present / 1 absent; hub 2 two of 7 / 2; hub 3 two of 8 / 0.
        assert sum(h["present"] for h in recorded["hubs"]) == 3 * 8 + 2 * 7 + 2 * 8 == 54
        assert sum(h["absent"] for h in recorded["hubs"]) == 3 * 1 + 2 * 2 == 7
        assert recorded["needs_check_in"] == []

        # Each pulse's invitation goes out once through notifications, to those present only: a
        # person present at k meetings gets exactly k invitations (in their language).
        def invitations(address: str) -> list:
            return [m for m in smtp.sink.to(address) if m["X-Mentorweb-Template"] == "survey_invitation"]

        deadline = time.monotonic() + 90
        emails = {p.participant_id: str(p.email) for p in everyone}
        while any(len(invitations(emails[p])) < n for p, n in present_at.items()):
            assert time.monotonic() < deadline, "pulse invitations did not all arrive"
            await asyncio.sleep(0.2)
        # The positive signal for "no more": a later survey's invitation reaches everyone after.
        opened = await client.post(
            f"/boards/{board}/surveys",
            json={"program_year": year, "kind": "baseline"},
            headers=auth(coordinator),
        )
        assert opened.status_code == 201, opened.text
        while any(len(invitations(str(p.email))) < present_at[p.participant_id] + 1 for p in flat):
            assert time.monotonic() < deadline + 60, "round invitations did not all arrive"
            await asyncio.sleep(0.2)
        for p in flat:
            assert len(invitations(str(p.email))) == present_at[p.participant_id] + 1, p.participant_id
        never_present = [p for p in flat if present_at[p.participant_id] == 0]
        assert never_present == []  # everyone came at least once in this year
        french = invitations(str(teachers[2][0].email))[0]
        assert "Votre avis" in str(french["Subject"])

        # Three survey rounds answered (baseline by all 20, mid-year by 18, end of year by all 20).
        surveys = {"baseline": opened.json()["id"]}
        for kind in ("mid_year", "end_of_year"):
            response = await client.post(
                f"/boards/{board}/surveys",
                json={"program_year": year, "kind": kind, "mode": "confidential"},
                headers=auth(coordinator),
            )
            assert response.status_code == 201, response.text
            surveys[kind] = response.json()["id"]
        # Each teacher is asked the attainment of their own themes, in their order (the positive signal
        # that evaluation knows their themes before they answer).
        for i, p in enumerate(flat):
            me = token("participant", board=board, participant_id=p.participant_id)
            for kind in ("mid_year", "end_of_year"):
                seen = await eventually(
                    lambda me=me, kind=kind: client.get(f"/surveys/{surveys[kind]}", headers=auth(me)),
                    lambda r, i=i: (
                        [q.get("theme") for q in r.json()["questions"] if q.get("theme")] == themes_of(i)
                    ),
                    timeout=60,
                )
                assert seen.status_code == 200
        for i, p in enumerate(flat):
            me = token("participant", board=board, participant_id=p.participant_id)
            for kind, answers in (
                ("baseline", baseline),
                ("mid_year", mid_year),
                ("end_of_year", end_of_year),
            ):
                if kind == "mid_year" and i >= 18:
                    continue
                response = await client.put(
                    f"/surveys/{surveys[kind]}/response", json={"answers": answers(i)}, headers=auth(me)
                )
                assert response.status_code == 201, response.text

        # Hub 1's teachers answer the pulses of the meetings they came to: "useful" 3 for even
        # places, 5 for odd ones.
        for idx, p in enumerate(teachers[0]):
            me = token("participant", board=board, participant_id=p.participant_id)
            mine = (await client.get("/me/surveys", headers=auth(me))).json()
            pulses = [s for s in mine if s["kind"] == "pulse"]
            # Three meetings, each missed by one of the first three teachers; the others came to all.
            assert len(pulses) == (2 if idx < 3 else 3)
            for pulse in pulses:
                answer = {"meeting_useful": 3 if idx % 2 == 0 else 5, "confidence": 4}
                response = await client.put(
                    f"/surveys/{pulse['id']}/response", json={"answers": answer}, headers=auth(me)
                )
                assert response.status_code == 201, response.text

        report = (await get(f"/boards/{board}/report", program_year=year)).json()
        # By hand, over i = 0..19: baseline confidence 2 + i % 3 -> 7x2 + 7x3 + 6x4 = 59 -> 2.95;
        # end 4 + i % 2 -> 10x4 + 10x5 = 90 -> 4.5. Efficacy 3 -> 4. Practice 2 + i % 2 -> 2.5;
        # 3 + i % 3 -> 7x3 + 7x4 + 6x5 = 79 -> 3.95. Continuous learning 4 -> 5. Goal attainment
        # 3 + i % 3 -> 3.95. Recommend 10 - i % 5 -> (10+9+8+7+6)x4 = 160 -> 8.0; promoters (9, 10)
        # 8 of 20 = 40 %, detractors (6) 4 of 20 = 20 %: NPS 20.
        goals = {g["goal"]: (g["first"]["value"], g["last"]["value"], g["change"]) for g in report["goals"]}
        assert goals == {
            "confidence": (2.95, 4.5, 1.55),
            "efficacy": (3.0, 4.0, 1.0),
            "instructional_practice": (2.5, 3.95, 1.45),
            "continuous_learning": (4.0, 5.0, 1.0),
        }
        assert (report["first_round"], report["last_round"]) == ("baseline", "end_of_year")
        assert report["goal_attainment"] == {"value": 3.95, "respondents": 20, "suppressed": False}
        assert report["recommend"]["value"] == 8.0 and report["nps"]["value"] == 20.0
        # Attainment per learning-goal theme, from the end of year: literacy 2 + i % 4 over all 20 ->
        # (2 + 3 + 4 + 5) x 5 = 70 -> 3.5; mathematics asked of 4 teachers only: suppressed.
        assert report["attainment_round"] == "end_of_year"
        assert [
            (t["theme"], t["value"], t["respondents"], t["suppressed"])
            for t in report["goal_attainment_by_theme"]
        ] == [
            (LIT, 3.5, 20, False),
            (MATH, None, None, True),
        ]  # in the order of their codes
        assert {t["theme"]: t["name"]["fr"] for t in report["goal_attainment_by_theme"]} == {
            LIT: "Littératie précoce",
            MATH: "Mathématiques",
        }
        # Pulses: meeting 1 (teacher 1 away) 3x3 + 3x5 = 24, meeting 2 (teacher 2 away) 4x3 + 2x5 = 22,
        # meeting 3 (teacher 3 away) 3x3 + 3x5 = 24: 70 over 18 answers -> 3.89.
        assert report["meetings_useful"] == {"value": 3.89, "respondents": 18, "suppressed": False}
        assert report["engagement"] == {
            "hubs": 3,
            "meetings_planned": 8,
            "meetings_held": 7,
            "present": 54,
            "absent": 7,
            "attendance_rate": 54 / 61,
            "observation_visits": 2,
            "sessions_attended": 15,
            "needs_check_in": 0,
        }

        # The same figures in the CSV and the PDF, each in English and in French.
        expected = {
            "en": [
                "Confidence",
                "First 2.95",
                "Last 4.50",
                "+1.55",
                "Net promoter score",
                "20.0",
                "Goal attainment (1 to 5)",
                "3.95",
                "88.5%",
                "Hub meetings held",
                "3.89",
                "Early literacy",
                "3.50",
            ],
            "fr": [
                "Confiance",
                "Premier 2,95",
                "Dernier 4,50",
                "+1,55",
                "Indice de recommandation net",
                "20,0",
                "Atteinte des objectifs (1 à 5)",
                "3,95",
                "88,5",
                "Rencontres de carrefour tenues",
                "3,89",
                "Littératie précoce",
                "3,50",
            ],
        }
        ids = [str(p.participant_id) for p in everyone]
        for lang, words in expected.items():
            csv_response = await get(f"/boards/{board}/report", program_year=year, format="csv", lang=lang)
            assert csv_response.status_code == 200 and csv_response.headers["content-type"].startswith(
                "text/csv"
            )
            rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
            text = "\n".join(" ".join(r) for r in rows)
            pdf_response = await get(f"/boards/{board}/report", program_year=year, format="pdf", lang=lang)
            assert pdf_response.status_code == 200 and pdf_response.content.startswith(b"%PDF")
            pdf_text = "\n".join(
                page.extract_text() for page in PdfReader(io.BytesIO(pdf_response.content)).pages
            )
            theme_line = {
                "en": "Learning goal attained: Early literacy (1 to 5) 3.50",
                "fr": "Objectif d'apprentissage atteint : Littératie précoce (1 à 5) 3,50",
            }[lang]
            assert theme_line in text, (lang, text)
            for word in words:
                assert word in text, (lang, "csv", word)
                assert word in pdf_text.replace("\xa0", " ").replace("\u202f", " ") or word in pdf_text, (
                    lang,
                    "pdf",
                    word,
                )
            assert not any(i in text or i in pdf_text for i in ids)
        # Province staff see the board among the province's; a principal's or a coordinator's token
        # reaches no individual response.
        province = await get("/province/report", token("province_admin"), program_year=year)
        assert province.status_code == 200 and province.json()["engagement"]["meetings_held"] >= 7
        mine = [b for b in province.json()["boards"] if b["board"] == board]
        assert mine == [
            {"board": board, "hubs": 3, "meetings_planned": 8, "meetings_held": 7, "attendance_rate": 54 / 61}
        ]
        province_pdf = await get(
            "/province/report", token("province_admin"), program_year=year, format="pdf", lang="fr"
        )
        pdf_text = "\n".join(
            page.extract_text() for page in PdfReader(io.BytesIO(province_pdf.content)).pages
        )
        assert "Par conseil scolaire" in pdf_text and board in pdf_text
        for survey_id in surveys.values():
            for who in (
                coordinator,
                token("participant", board=board, participant_id=mentors[0].participant_id),
            ):
                assert (await get(f"/surveys/{survey_id}/response", who)).status_code == 404
