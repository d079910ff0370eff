"""No personal data (names, emails, HR ids, learning goals, tokens) in logs or span attributes of a full
run: request bodies, query strings (SCIM filters, unsubscribe tokens), path segments and headers, in
every service."""

from __future__ import annotations

import json
import random
import re
import uuid

import httpx
import pytest

from shared.migrations import SERVICES
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import wait_until
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
        "hr_id": f"HR-{marker}",
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
    mails = smtp.sink.wait_for(lambda m: secrets["email"] in str(m["To"]), timeout=15)
    assert mails
    link = re.search(r"/v1/preferences/unsubscribe\?token=([\w.-]+)>", str(mails[0]["List-Unsubscribe"]))
    assert link is not None
    secrets["unsubscribe_token"] = link.group(1)
    secrets["bearer_token"] = admin

    # Personal data in query strings, path segments and headers, sent to every service.
    probe = str(random.randint(10_000_000, 99_999_999))  # a paging value: kept, so its spans can be found
    with httpx.Client(timeout=10) as client:
        registration = system.url("registration")
        for query in (f'emails.value eq "{secrets["email"]}"', f'externalId eq "{secrets["hr_id"]}"'):
            found = client.get(f"{registration}/scim/v2/Users", params={"filter": query}, headers=auth(admin))
            assert found.status_code == 200, found.text
        notifications = system.url("notifications")
        page = client.get(f"{notifications}/v1/preferences/unsubscribe", params={"token": link.group(1)})
        assert page.status_code == 200
        done = client.post(f"{notifications}/v1/preferences/unsubscribe", params={"token": link.group(1)})
        assert done.status_code == 200
        for service in SERVICES:
            for path in (f"/v1/participants/{secrets['email']}", f"/v1/people/{secrets['family_name']}"):
                client.get(
                    f"{system.url(service)}{path}",
                    params={"email": secrets["email"], "name": secrets["given_name"], "limit": probe},
                    headers={**auth(admin), "X-Person": secrets["email"], "X-HR-Id": secrets["hr_id"]},
                )

    # Positive signal first: every service exported the spans of the probes (paging value kept).
    def probes_exported() -> bool:
        seen = {s.service for s in otlp.spans if any(probe in v for v in s.attributes.values())}
        return seen >= set(SERVICES)

    assert await wait_until(probes_exported, timeout=30), "some service exported no span of the probes"

    logs = "\n".join(path.read_text(errors="replace") for path in system.log_dir.glob("*.log"))
    spans = json.dumps([{"name": s.name, "attributes": s.attributes} for s in otlp.spans])
    assert any(s.service == "notifications" for s in otlp.spans)
    assert "redacted" in spans  # the query values were there, and were scrubbed
    for name, value in secrets.items():
        assert value not in logs, f"personal data in logs: {name}"
        assert value not in spans, f"personal data in spans: {name}"
