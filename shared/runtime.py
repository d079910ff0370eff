"""Assembles one service process: FastAPI + the broker's consumer + the outbox relay + workers.

A service's ``bootstrap.py`` describes itself with a :class:`ServiceSpec`; this module wires the
parts the same way for all four services (cosmicpython's bootstrap, once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import aio_pika
import sqlalchemy as sa
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.auth import TokenVerifier, request_principal
from shared.bus.connection import broker_urls, connect_robust, failover_class
from shared.bus.consumer import EventConsumer, Handler
from shared.bus.pruning import BusPruner
from shared.bus.relay import OutboxRelay
from shared.bus.topology import declare_exchanges, declare_service_queue, service_queue_arguments
from shared.db import Scope, UnitOfWork, make_engine, make_session_factory
from shared.events.envelope import IntegrationEvent
from shared.problems import install_problem_handlers
from shared.ratelimit import install_rate_limits
from shared.settings import ServiceSettings
from shared.telemetry import configure_logging, configure_telemetry, instrument_fastapi

log = logging.getLogger(__name__)
_Settings = TypeVar("_Settings", bound=ServiceSettings)


class BackgroundWorker(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass
class ServiceSpec:
    settings: ServiceSettings
    title: str
    description: str
    routers: Sequence[APIRouter] = ()
    handlers: Mapping[type[IntegrationEvent], Handler] = field(default_factory=dict)
    workers: Sequence[Callable[[Runtime], BackgroundWorker]] = ()
    on_startup: Sequence[Callable[[Runtime], Awaitable[None]]] = ()
    # The board of a participant, from the service's own records (``:participant``), for tokens
    # that carry a participant id but no board (row-level security needs a board to show anything).
    participant_board: str | None = None


class Runtime:
    """Everything one service process holds: engine, sessions, broker, relay, consumer."""

    def __init__(self, spec: ServiceSpec, tracer_provider: TracerProvider | None = None):
        self.spec = spec
        self.settings = spec.settings
        self.tracer_provider = tracer_provider or configure_telemetry(self.settings)
        self.engine: AsyncEngine = make_engine(
            self.settings.database_url, pool_size=self.settings.database_pool_size
        )
        SQLAlchemyInstrumentor().instrument(
            engine=self.engine.sync_engine, tracer_provider=self.tracer_provider
        )
        self.session_factory: async_sessionmaker[AsyncSession] = make_session_factory(self.engine)
        self.broker = RabbitBroker(
            broker_urls(self.settings.rabbitmq_url)[0],
            app_id=self.settings.service_name,
            middlewares=[RabbitTelemetryMiddleware(tracer_provider=self.tracer_provider)],
            graceful_timeout=20.0,
            log_level=logging.DEBUG,
            default_channel=Channel(prefetch_count=self.settings.prefetch, publisher_confirms=True),
        )
        if len(broker_urls(self.settings.rabbitmq_url)) > 1:  # a cluster: fail over between its nodes
            self.broker._connection_kwargs["connection_class"] = failover_class(self.settings.rabbitmq_url)
        self.relay = OutboxRelay(self.engine, self.settings)
        self.pruner = BusPruner(self.engine, self.settings)
        self.consumer: EventConsumer | None = None
        if spec.handlers:
            self.consumer = EventConsumer(self.settings, self.session_factory, spec.handlers, self.broker)
        self._consuming: tuple[aio_pika.abc.AbstractChannel, aio_pika.abc.AbstractQueue, str] | None = None
        self.workers = [factory(self) for factory in spec.workers]
        self._admin: aio_pika.abc.AbstractRobustConnection | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self.consumer_attached = self.consumer is None
        self.consumer_restarts = 0

    def settings_as(self, kind: type[_Settings]) -> _Settings:
        """The service's own settings class (what its bootstrap built the spec with)."""
        if not isinstance(self.settings, kind):
            raise TypeError(
                f"{self.spec.title} runs with {type(self.settings).__name__}, not {kind.__name__}"
            )
        return self.settings

    async def _start_consuming(self) -> None:
        """Consume the service's queue straight through aio-pika (``EventConsumer.on_delivery``);
        the robust connection restores the channel, its prefetch and the consumer after a reconnect."""
        assert self._admin is not None and self.consumer is not None
        channel = await self._admin.channel()
        await channel.set_qos(prefetch_count=self.settings.prefetch)
        queue = await channel.declare_queue(
            self.settings.queue_name, durable=True, arguments=service_queue_arguments(self.settings)
        )
        # Manual acks: a message is acked only after its effect and inbox row committed.
        tag = await queue.consume(self.consumer.on_delivery, no_ack=False)
        self._consuming = (channel, queue, tag)

    async def _stop_consuming(self, graceful_timeout: float = 20.0) -> None:
        """Stop taking messages, let those in hand finish (up to ``graceful_timeout``), send their acks."""
        if self._consuming is None or self.consumer is None:
            return
        channel, queue, tag = self._consuming
        self._consuming = None
        with contextlib.suppress(Exception):
            await queue.cancel(tag)
        # A cancel on a channel already gone (a cluster that lost its majority) does not reach the
        # robust queue's restore list: forget the consumer there too, or a reconnect would bring it
        # back beside the new one, holding its prefetch unacked (tests/cluster: majority lost).
        getattr(queue, "_consumers", {}).pop(tag, None)
        if self.consumer.in_flight:
            await asyncio.wait(list(self.consumer.in_flight), timeout=graceful_timeout)
        await self.consumer.acks.drain()
        with contextlib.suppress(Exception):
            await channel.close()

    def uow(self, *, board: str | None = None, scope: Scope | None = None) -> UnitOfWork:
        """A unit of work for the request being served: scoped (row-level security) to the
        principal's board, or to every board for province staff, whatever ``board`` says; outside a
        request, to ``board`` or the explicit ``scope``, else to nothing."""
        if scope is None:
            principal = request_principal()
            if principal is not None:
                board, scope = principal.database_scope
                if scope is None:  # a token without a board sees no board's rows...
                    if principal.participant_id is not None and self.spec.participant_board:
                        # ...unless it is a participant's the service knows.
                        return UnitOfWork(
                            self.session_factory,
                            participant_board=(
                                sa.text(self.spec.participant_board),
                                principal.participant_id,
                            ),
                        )
                    return UnitOfWork(self.session_factory)
        return UnitOfWork(self.session_factory, board=board, scope=scope)

    def system_uow(self) -> UnitOfWork:
        """A unit of work for the service's own machinery (scheduled jobs, start-up steps): every board."""
        return UnitOfWork(self.session_factory, scope="system")

    async def start(self) -> None:
        self._admin = await connect_robust(self.settings.rabbitmq_url, timeout=10)
        async with self._admin.channel() as channel:
            if self.consumer is not None:
                await declare_service_queue(channel, self.settings, self.consumer.routing_keys)
            else:
                await declare_exchanges(channel, self.settings)
        await self.broker.start()
        if self.consumer is not None:
            await self._start_consuming()
        await self.relay.start()
        await self.pruner.start()
        for hook in self.spec.on_startup:
            await hook(self)
        for worker in self.workers:
            await worker.start()
        if self.consumer is not None:
            self.consumer_attached = True
            self._watchdog = asyncio.create_task(self._watch_consumer(), name="consumer-watchdog")
        log.info("%s started", self.settings.service_name)

    async def _consumer_count(self) -> int:
        assert self._admin is not None
        async with asyncio.timeout(3), self._admin.channel() as channel:
            queue = await channel.declare_queue(self.settings.queue_name, passive=True)
            return queue.declaration_result.consumer_count or 0

    def _own_consumer_alive(self) -> bool:
        return self._consuming is not None and not self._consuming[0].is_closed

    async def _watch_consumer(self, interval: float = 3.0, patience: int = 3) -> None:
        """Detect the AMQP failure mode of reconnecting without restoring consumers, and recover.

        Only checks the broker answered count: while it is unreachable the robust connection is
        reconnecting and will restore the consumer itself (restarting the subscriber then would
        leave two, one of them holding prefetched messages unacked). ``patience`` answered checks in
        a row with this process's consumer gone, or none on the queue, restart the subscriber;
        /readyz reports the state meanwhile.
        """
        bad = 0
        while True:
            await asyncio.sleep(interval)
            try:
                count = await self._consumer_count()
            except Exception:
                self.consumer_attached = False  # broker unreachable: not ready, not yet our move
                bad = 0
                continue
            healthy = self._own_consumer_alive() and count >= 1
            self.consumer_attached = healthy
            bad = 0 if healthy else bad + 1
            if bad >= patience:
                log.warning("no consumer attached to %s: restarting the subscriber", self.settings.queue_name)
                try:
                    await self._stop_consuming(graceful_timeout=5.0)
                    await self._start_consuming()
                    self.consumer_restarts += 1
                    bad = 0
                except Exception as exc:
                    log.warning("subscriber restart failed: %s", exc.__class__.__name__)

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        for worker in reversed(self.workers):
            with contextlib.suppress(Exception):
                await worker.stop()
        # Stop consuming first and let in-flight handlers finish, then the relay.
        with contextlib.suppress(Exception):
            await self._stop_consuming()
        with contextlib.suppress(Exception):
            await self.broker.stop()
        await self.relay.stop()
        await self.pruner.stop()
        if self._admin is not None:
            with contextlib.suppress(Exception):
                await self._admin.close()
        await self.engine.dispose()

    async def readiness(self) -> dict[str, Any]:
        checks: dict[str, Any] = {}
        try:
            async with asyncio.timeout(2):
                async with self.engine.connect() as conn:
                    await conn.execute(sa.text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {exc.__class__.__name__}"
        try:
            async with asyncio.timeout(2):
                if self._admin is None or self._admin.is_closed:
                    raise ConnectionError("no broker connection")
                async with self._admin.channel() as channel:
                    if self.consumer is not None:
                        queue = await channel.declare_queue(self.settings.queue_name, passive=True)
                        count = queue.declaration_result.consumer_count or 0
                        checks["consumers"] = count
                        checks["consumer_restarts"] = self.consumer_restarts
                        if count < 1 or not self._own_consumer_alive():
                            raise ConnectionError(
                                "this process has no consumer attached to the service queue"
                            )
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"unreachable: {exc.__class__.__name__}: {exc}"[:200]
        checks["ready"] = checks.get("database") == "ok" and checks.get("broker") == "ok"
        # Work done by this process (replica) since it started.
        checks["handled"] = self.consumer.handled if self.consumer is not None else 0
        checks["dead_lettered"] = self.consumer.dead_lettered if self.consumer is not None else 0
        checks["published"] = self.relay.published
        return checks


def create_app(spec: ServiceSpec, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or Runtime(spec)
    settings = spec.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version="1.0.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.runtime = runtime
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    install_problem_handlers(app)
    app.state.rate_limiter = install_rate_limits(app, settings)

    @app.get("/healthz", tags=["health"], summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/readyz", tags=["health"], summary="Database and broker reachable, consumers attached")
    async def readyz(request: Request) -> JSONResponse:
        checks = await runtime.readiness()
        return JSONResponse(checks, status_code=200 if checks["ready"] else 503)

    for router in spec.routers:
        app.include_router(router)
    instrument_fastapi(app, runtime.tracer_provider, excluded_urls="healthz,readyz")
    return app


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def serve(spec: ServiceSpec) -> None:
    """Run one service process until SIGTERM/SIGINT (uvicorn drives the graceful shutdown)."""
    configure_logging(spec.settings.service_name)
    app = create_app(spec)
    config = uvicorn.Config(
        app,
        host=spec.settings.http_host,
        port=spec.settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=25,
    )
    asyncio.run(uvicorn.Server(config).serve())
