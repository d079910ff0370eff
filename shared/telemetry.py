"""OpenTelemetry set-up: one tracer provider per process named after the service.

Spans go to any OTLP collector when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (Jaeger in compose).
Span attributes carry ids and codes only: never names, emails or learning goals.
"""

from __future__ import annotations

import logging
import os

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
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
