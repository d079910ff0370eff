"""scim2-tester, the python-scim project's RFC 7643/7644 checker, against the running service.

The checker writes random values into every attribute a schema lists and expects them back as sent.
What a SCIM schema cannot say is told to it through the client's description of the User (the
server's /Schemas stay as they are): the board's HR identifier is ``userName`` (an identifier
inside an extension is immutable, and the checker rewrites whole extensions); ``organization`` is
the caller's board, set by the server; Mentorweb's extension (role-specific attributes, capacities
with ranges, immutable role and year) is left to test_scim.py and test_scim_providers.py.
"""

from __future__ import annotations

import collections
import json
import os

import httpx
import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import EnterpriseUser, Extension, Manager, ResourceType, ScimPolicy, ScimProvider
from scim2_tester import check_server

from services.registration.domain.scim import UserNameUser
from shared.testing.helpers import auth
from shared.testing.processes import System

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


class BoardEnterpriseUser(Extension):
    """The enterprise extension less ``organization``, which the server sets to the caller's board."""

    __schema__ = EnterpriseUser.__schema__

    employee_number: str | None = None
    cost_center: str | None = None
    division: str | None = None
    department: str | None = None
    manager: Manager | None = None


async def test_scim2_tester_finds_no_failure(registration: System, client: httpx.Client, board: str, token):
    setting = client.put(
        f"{registration.url('registration')}/v1/boards/{board}/scim-identity",
        json={"identity": "userName"},
        headers=auth(token("board_coordinator", board=board)),
    )
    assert setting.status_code == 200, setting.text
    provider = ScimProvider(
        models=[UserNameUser, BoardEnterpriseUser],
        resource_types=[ResourceType.from_resource(UserNameUser[BoardEnterpriseUser])],  # type: ignore[misc]  # generic at run time
        policy=ScimPolicy(unknown=ScimPolicy.Unknown.ignore),
    )
    hr = token("hr_integration", board=board)
    base = f"{registration.url('registration')}/scim/v2/"
    with httpx2.Client(base_url=base, headers=auth(hr), timeout=60) as http:
        results = check_server(SyncSCIMClient(http, provider=provider))
    figures = collections.Counter(r.status.name for r in results)
    report = [{"title": r.title, "status": r.status.name, "reason": r.reason} for r in results]
    if os.environ.get("SCIM_TESTER_REPORT"):
        with open(os.environ["SCIM_TESTER_REPORT"], "w") as out:
            json.dump({"figures": figures, "results": report}, out, indent=1, default=str)
    failures = [r for r in report if r["status"] not in ("SUCCESS", "SKIPPED")]
    assert not failures, json.dumps(failures, indent=1, default=str)
    # Discovery, CRUD, attributes and every PATCH operation ran, not just a handful of checks.
    assert figures["SUCCESS"] >= 90, figures
