"""OpenTelemetry set-up: one tracer provider per process named after the service.

Spans go to any OTLP collector when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (Jaeger in compose).
Span attributes carry ids and codes only: never names, emails or learning goals.
"""

from __future__ import annotations

import logging
import os
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from shared.settings import ServiceSettings

_configured: TracerProvider | None = None


def configure_telemetry(settings: ServiceSettings, *, exporter: SpanExporter | None = None) -> TracerProvider:
    """Install the process-wide tracer provider (idempotent) and return it."""
    global _configured
    if _configured is not None:
        if exporter is not None:
            _configured.add_span_processor(BatchSpanProcessor(exporter))
        return _configured
    resource = Resource.create(
        {
            "service.name": settings.otel_service_name or settings.service_name,
            "service.namespace": "mentorweb",
            "deployment.environment": settings.mentorweb_env,
        }
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(PersonalDataScrubber())
    if exporter is None and settings.otel_exporter_otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        os.environ.setdefault("OTEL_EXPORTER_OTLP_ENDPOINT", settings.otel_exporter_otlp_endpoint)
        exporter = OTLPSpanExporter()
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    readers = []
    if settings.otel_exporter_otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter(), export_interval_millis=15_000))
    # FastStream's middleware records message counts and durations on this provider.
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    _configured = provider
    return provider


class TraceIdFilter(logging.Filter):
    """Adds the current trace id to log records so operators can jump from a log line to its trace."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = trace.get_current_span().get_span_context()
        record.trace_id = format(ctx.trace_id, "032x") if ctx.is_valid else "-"
        return True


def configure_logging(service_name: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(TraceIdFilter())
    handler.setFormatter(
        logging.Formatter(
            f"%(asctime)s {service_name} %(levelname)s trace=%(trace_id)s %(name)s: %(message)s"
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Per-message INFO lines from the broker cost ~30% throughput and say nothing an operator needs.
    logging.getLogger("faststream").setLevel(logging.WARNING)
    logging.getLogger("aio_pika").setLevel(logging.WARNING)
    logging.getLogger("aiormq").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


# -- no personal data in telemetry ----------------------------------------------------------------
#
# The ASGI instrumentation writes the request's URL into span attributes as it came, query string
# decoded: SCIM filters (emails.value eq "…"), unsubscribe tokens, a name typed into a path. Every
# span passes through PersonalDataScrubber when it starts, before any exporter sees it: query values
# become "redacted" (their names stay), path segments that are not a route's literal words, a UUID, a
# number or a known code parameter become "{name}", captured headers other than a few harmless ones
# and client addresses are dropped to "redacted". Metrics carry the route template only.

REDACTED = "redacted"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_NUMBER = re.compile(r"^[0-9]{1,12}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# Path parameters that hold codes (board, theme, year), never a person's data.
SAFE_PATH_PARAMETERS = frozenset({"board", "code", "program_year", "language", "action", "kind", "base"})
# Query parameters whose values are paging, filters on codes, states and ids.
SAFE_QUERY_PARAMETERS = frozenset(
    {
        "limit",
        "offset",
        "board",
        "state",
        "status",
        "template",
        "program_year",
        "role",
        "kind",
        "startIndex",
        "count",
        "since",
        "until",
        "sort",
        "order",
        "language",
        "page",
        "format",
    }
)
SAFE_HEADERS = frozenset({"content-type", "content-length", "accept", "user-agent", "traceparent"})
URL_ATTRIBUTES = ("http.url", "url.full", "http.target", "url.path", "url.query")
ADDRESS_ATTRIBUTES = ("net.peer.ip", "client.address", "http.client_ip", "net.sock.peer.addr")

_routes: list[Any] = []
_literal_segments: set[str] = set()


def register_routes(routes: Sequence[Any]) -> None:
    """Tell the scrubber an app's routes: their literal segments stay, their parameters are judged."""
    for route in routes:
        path_format = getattr(route, "path_format", None)
        if path_format is None or not hasattr(route, "path_regex") or route in _routes:
            continue
        _routes.append(route)
        _literal_segments.update(s for s in path_format.split("/") if s and not s.startswith("{"))


def _safe_value(name: str | None, value: str) -> bool:
    if _UUID.match(value) or _NUMBER.match(value):
        return True
    return name in SAFE_PATH_PARAMETERS and bool(_CODE.match(value))


def scrub_path(path: str) -> str:
    """The path with every segment that may carry personal data replaced by ``{parameter}``."""
    for route in _routes:
        found = route.path_regex.match(path)
        if found is None:
            continue
        scrubbed = route.path_format
        for name, value in found.groupdict().items():
            scrubbed = scrubbed.replace(
                "{" + name + "}", value if _safe_value(name, value) else "{" + name + "}"
            )
        return str(scrubbed)
    return "/".join(
        s if not s or s in _literal_segments or _safe_value(None, s) else "{" + REDACTED + "}"
        for s in path.split("/")
    )


def scrub_query(query: str) -> str:
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    return "&".join(
        f"{urllib.parse.quote(k)}={urllib.parse.quote(v) if k in SAFE_QUERY_PARAMETERS else REDACTED}"
        for k, v in pairs
    )


def scrub_url(url: str) -> str:
    """A URL, full or a target (path?query), with personal data taken out of path and query."""
    parts = urllib.parse.urlsplit(url)
    path = scrub_path(urllib.parse.unquote(parts.path)) if parts.path else parts.path
    query = scrub_query(parts.query) if parts.query else ""
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, query, ""))


def scrub_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes that must change, with their scrubbed values."""
    changes: dict[str, Any] = {}
    for key, value in attributes.items():
        if key in URL_ATTRIBUTES and isinstance(value, str):
            clean = scrub_query(value) if key == "url.query" else scrub_url(value)
            if clean != value:
                changes[key] = clean
        elif key in ADDRESS_ATTRIBUTES:
            changes[key] = REDACTED
        elif key.startswith(("http.request.header.", "http.response.header.")):
            header = key.split(".header.", 1)[1].replace("_", "-")
            if header not in SAFE_HEADERS:
                changes[key] = (REDACTED,)
    return changes


class PersonalDataScrubber(SpanProcessor):
    """Scrubs URL, header and address attributes of every span as it starts (before any export)."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        changes = scrub_attributes(span.attributes or {})
        if changes:
            span.set_attributes(changes)

    def on_end(self, span: ReadableSpan) -> None:
        pass

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def scrub_server_span(span: Any, scope: Mapping[str, Any]) -> None:
    """Server request hook of the ASGI instrumentation: it (re)writes the URL and headers into the span
    after the span started, so the scrubbing runs again once they are all there."""
    if span is None or not span.is_recording():
        return
    changes = scrub_attributes(getattr(span, "attributes", None) or {})
    if changes:
        span.set_attributes(changes)


def instrument_fastapi(app: Any, tracer_provider: TracerProvider, excluded_urls: str | None = None) -> None:
    """Trace a FastAPI app's requests, with personal data scrubbed from every server span."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    register_routes(app.routes)
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        excluded_urls=excluded_urls,
        server_request_hook=scrub_server_span,
    )
