"""No personal data (names, emails, learning goals) in logs or span attributes of a full run."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest

from shared.testing.helpers import auth, unique_board
from tests.e2e.helpers import create_board, teacher

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_logs_and_spans_carry_no_personal_data(system, smtp, otlp, token):
    board = unique_board()
    admin = token("province_admin")
    marker = uuid.uuid4().hex[:8]
    secrets = {
        "given_name": f"Quenelda{marker}",
        "family_name": f"Vantongeren{marker}",
        "email": f"quenelda.{marker}@example.org",
        "learning_goals": f"Secret goal {marker} about my anxiety with fractions",
    }
    with httpx.Client(timeout=10) as client:
        create_board(client, system.url("registration"), admin, board)
        response = client.post(
            f"{system.url('registration')}/v1/participants",
            json=teacher(board, **secrets),
            headers=auth(admin),
        )
        assert response.status_code == 201
        # A failing request with personal data in its body must not echo it into logs either.
        bad = client.post(
            f"{system.url('registration')}/v1/participants",
            json={**teacher(board, **secrets), "grade_band": "university"},
            headers=auth(admin),
        )
        assert bad.status_code == 422
    assert smtp.sink.wait_for(lambda m: secrets["email"] in str(m["To"]), timeout=15)
    await asyncio.sleep(1.5)  # let the batch span processors export

    logs = "\n".join(path.read_text(errors="replace") for path in system.log_dir.glob("*.log"))
    spans = json.dumps([{"name": s.name, "attributes": s.attributes} for s in otlp.spans])
    assert any(s.service == "notifications" for s in otlp.spans)
    for value in secrets.values():
        assert value not in logs, f"personal data in logs: {value}"
        assert value not in spans, f"personal data in spans: {value}"
