"""Spans of real requests through the ASGI instrumentation, exported to memory: no query value, no
personal path segment, no captured credential header, no client address reaches an exporter."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.telemetry import PersonalDataScrubber, instrument_fastapi, scrub_path, scrub_url

pytestmark = pytest.mark.unit
EMAIL = "quenelda.vantongeren@example.org"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA"


@pytest.fixture
def traced(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[httpx.AsyncClient, InMemorySpanExporter]]:
    # An operator who turned on header capture must not leak credentials either.
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", ".*")
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(PersonalDataScrubber())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = FastAPI()

    @app.get("/scim/v2/Users")
    async def users(filter: str | None = None, count: int = 100) -> dict[str, object]:
        return {"count": count}

    @app.get("/v1/boards/{board}/participants/{participant_id}")
    async def participant(board: str, participant_id: str) -> dict[str, str]:
        return {"board": board}

    @app.post("/v1/preferences/unsubscribe")
    async def unsubscribe(token: str) -> dict[str, str]:
        return {"ok": "yes"}

    instrument_fastapi(app, provider)  # as every service's create_app does
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5555))
    client = httpx.AsyncClient(transport=transport, base_url="http://svc.test")
    yield client, exporter
    FastAPIInstrumentor.uninstrument_app(app)


def _dump(exporter: InMemorySpanExporter) -> str:
    return json.dumps(
        [{"name": s.name, "attributes": dict(s.attributes or {})} for s in exporter.get_finished_spans()],
        default=str,
    )


@pytest.mark.asyncio(loop_scope="session")
async def test_query_strings_paths_headers_and_addresses_are_scrubbed(traced):
    client, exporter = traced
    pid = uuid.uuid4()
    await client.get(
        "/scim/v2/Users",
        params={"filter": f'emails.value eq "{EMAIL}"', "count": "5"},
        headers={"Authorization": f"Bearer {TOKEN}", "X-Forwarded-Email": EMAIL},
    )
    await client.get(f"/v1/boards/ELM/participants/{pid}")
    await client.get("/v1/boards/ELM/participants/Quenelda%20Vantongeren")
    await client.post(f"/v1/preferences/unsubscribe?token={TOKEN}")
    await client.get(f"/v1/nowhere/{EMAIL}")  # no route: unknown segments are dropped too
    spans = _dump(exporter)
    assert len(exporter.get_finished_spans()) >= 5
    for secret in (EMAIL, "emails.value", TOKEN, "Quenelda", "Vantongeren", "203.0.113.7"):
        assert secret not in spans, f"{secret} in spans"
    # What operators need is still there: which route, which board, which id, which parameters.
    servers = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
    urls = [str(s.attributes.get("http.url") or s.attributes.get("url.full")) for s in servers]
    assert "http://svc.test/scim/v2/Users?filter=redacted&count=5" in urls
    assert f"http://svc.test/v1/boards/ELM/participants/{pid}" in urls
    assert "http://svc.test/v1/boards/ELM/participants/{participant_id}" in urls
    assert "http://svc.test/v1/preferences/unsubscribe?token=redacted" in urls


def test_scrub_url_and_path_without_routes():
    assert scrub_url("/x/ab@c.org?token=abc&limit=5") == "/{redacted}/{redacted}?token=redacted&limit=5"
    assert scrub_path(f"/v1/{uuid.UUID(int=1)}") == f"/v1/{uuid.UUID(int=1)}"
