"""Messages that are true, across the running services: registration publishes the board's name and
the province's themes, notifications names them so in the recipient's language; leaving a session
sends one message with a calendar CANCEL. Real RabbitMQ, PostgreSQL and SMTP; services as processes."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System
from shared.testing.smtp_sink import SmtpServer
from tests.e2e.helpers import teacher

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def text_of(message) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def readable(message) -> str:
    return re.sub(r"https?://\S+", "", f"{message['Subject']}\n{text_of(message)}")


async def test_a_french_teacher_reads_the_board_by_name_and_gets_a_cancel_when_leaving_a_session(
    system: System, smtp: SmtpServer, token
):
    board = unique_board()
    admin = token("province_admin")
    registration = system.url("registration")
    with httpx.Client(timeout=10) as client:
        created = client.post(
            f"{registration}/v1/boards",
            json={"code": board, "name": "Conseil scolaire Boréal", "language": "fr"},
            headers=auth(admin),
        )
        assert created.status_code == 201, created.text
        theme = f"plein_air_{uuid.uuid4().hex[:6]}"
        defined = client.post(
            f"{registration}/v1/themes",
            json={"code": theme, "name_en": "Outdoor education", "name_fr": "Éducation en plein air"},
            headers=auth(admin),
        )
        assert defined.status_code == 201, defined.text
        body = teacher(board, language="fr", given_name="Gaëlle", themes=[theme])
        registered = client.post(f"{registration}/v1/participants", json=body, headers=auth(admin))
        assert registered.status_code == 201, registered.text
        participant_id = registered.json()["id"]

        welcome = smtp.sink.wait_for(lambda m: body["email"] in str(m["To"]), timeout=15)
        assert len(welcome) == 1
        text = readable(welcome[0])
        assert "Bienvenue au programme de mentorat 2026-2027 : Conseil scolaire Boréal." in text
        assert board not in text and not UUID.search(text)

        coordinator = token("board_coordinator", board=board)
        session = client.post(
            f"{registration}/v1/sessions",
            json={
                "board": board,
                "program_year": "2026-2027",
                "kind": "workshop",
                "title": "Atelier 2",
                "facilitator": "Équipe du conseil",
                "starts_at": "2027-02-16T09:00:00-05:00",
                "ends_at": "2027-02-16T15:00:00-05:00",
                "location": "Salle 4",
                "capacity": 10,
                "audience": ["beginning_teacher"],
            },
            headers=auth(coordinator),
        )
        assert session.status_code == 201, session.text
        session_id = session.json()["id"]
        enrolled = client.post(
            f"{registration}/v1/sessions/{session_id}/enrolments",
            json={"participant_id": participant_id},
            headers=auth(coordinator),
        )
        assert enrolled.status_code == 201, enrolled.text
        confirmed = smtp.sink.wait_for(
            lambda m: body["email"] in str(m["To"]) and m["X-Mentorweb-Template"] == "enrolment_confirmed",
            timeout=15,
        )
        assert len(confirmed) == 1
        left = client.delete(
            f"{registration}/v1/sessions/{session_id}/enrolments/{participant_id}", headers=auth(coordinator)
        )
        assert left.status_code == 200, left.text

    cancelled = smtp.sink.wait_for(
        lambda m: body["email"] in str(m["To"]) and m["X-Mentorweb-Template"] == "enrolment_cancelled",
        timeout=15,
    )
    assert len(cancelled) == 1
    mail = cancelled[0]
    assert str(mail["Subject"]) == "Inscription annulée : Atelier 2"
    assert "Vous n'êtes plus inscrit à Atelier 2 (mardi 16 février 2027, 9 h 00)." in text_of(mail)
    assert "Envoyé par Mentorweb pour Conseil scolaire Boréal" in text_of(mail)
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1 and parts[0].get_param("method") == "CANCEL"
    assert "STATUS:CANCELLED" in parts[0].get_content()
