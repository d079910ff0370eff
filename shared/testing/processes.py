"""Run Mentorweb's services as real processes for end-to-end and fault tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aio_pika
import httpx

from shared.migrations import SERVICES, drop_database, runtime_database_url, upgrade
from shared.testing.infrastructure import Infrastructure
from shared.testing.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
TEST_JWT_SECRET = "mentorweb-test-secret-0123456789abcdef0123"
# The services' runtime roles (shared/rls.py) get this password when the tests create them; a local
# server trusting 127.0.0.1 ignores it, a testcontainers one needs it.
TEST_RUNTIME_DB_PASSWORD = "mentorweb-test-runtime-role"


def runtime_url(owner_url: str, service: str) -> str:
    """``owner_url`` as ``service``'s runtime role: how a service under test connects."""
    return runtime_database_url(owner_url, service, TEST_RUNTIME_DB_PASSWORD)


@dataclass
class ServiceProcess:
    service: str
    env: dict[str, str]
    log_path: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.service}"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Until /readyz answers 200 (a cap, not a wait: an idle machine is ready in seconds; a
        loaded shared one has been seen to need over a minute just to import a service)."""
        deadline = time.monotonic() + timeout
        last = "not started"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.service} exited with {self.process.returncode}: see {self.log_path}"
                )
            try:
                response = httpx.get(f"{self.url}/readyz", timeout=2)
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.HTTPError as exc:
                last = exc.__class__.__name__
            time.sleep(0.2)
        raise TimeoutError(f"{self.service} not ready after {timeout}s ({last}); see {self.log_path}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)

    def kill(self) -> None:
        self.stop(signal.SIGKILL, timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()
        self.wait_ready()


@dataclass
class System:
    """The four services, on their own databases and bus prefix, sharing one SMTP and OTLP sink."""

    infra: Infrastructure
    prefix: str
    log_dir: Path
    smtp_port: int
    otlp_endpoint: str | None = None
    rabbitmq_url: str | None = None  # e.g. through a fault-injecting proxy
    extra_env: dict[str, str] = field(default_factory=dict)
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    processes: dict[str, ServiceProcess] = field(default_factory=dict)

    def database_url(self, service: str) -> str:
        """The owner's URL (migrations, direct reads in tests)."""
        return self.infra.database_url(f"{self.prefix}_{service}")

    def runtime_database_url(self, name: str) -> str:
        """What the process ``name`` connects with: its service's runtime role, held to row-level
        security (a console started under another name is still the console)."""
        return runtime_url(self.database_url(name), name if name in SERVICES else "console")

    def env_for(self, service: str, port: int) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "DATABASE_URL", "RABBITMQ_URL"))
        }
        env.update(
            {
                "MENTORWEB_ENV": "test",
                "SERVICE_NAME": service,
                "HTTP_PORT": str(port),
                "DATABASE_URL": self.runtime_database_url(service),
                "RABBITMQ_URL": self.rabbitmq_url or self.infra.rabbitmq_url,
                "BUS_PREFIX": self.prefix,
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(self.smtp_port),
                "JWT_SECRET": TEST_JWT_SECRET,
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "OTEL_BSP_SCHEDULE_DELAY": "200",
                # Every request header into server spans: the scrubber must keep credentials and
                # personal data out of them (tests/e2e/test_no_personal_data.py).
                "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": ".*",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.otlp_endpoint:
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = self.otlp_endpoint
        env.update(self.extra_env)
        env.update(self.service_env.get(service, {}))
        return env

    async def migrate(self, services: tuple[str, ...] = SERVICES) -> None:
        for service in services:
            await upgrade(service, self.database_url(service), runtime_password=TEST_RUNTIME_DB_PASSWORD)

    def start(self, services: tuple[str, ...] = SERVICES) -> System:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in services:
            port = free_port()
            proc = ServiceProcess(service, self.env_for(service, port), self.log_dir / f"{service}.log", port)
            self.processes[service] = proc
            proc.start()
        try:
            for service in services:
                self.processes[service].wait_ready()
        except BaseException:
            # A fixture that fails here never reaches its teardown: stop what was started rather than
            # leave orphans holding database connections.
            self.stop()
            raise
        return self

    async def start_console(
        self, env: dict[str, str] | None = None, name: str = "console", port: int | None = None
    ) -> ServiceProcess:
        """The web console (services/console) beside the running services, calling their APIs; its own
        database holds its sessions only."""
        await upgrade("console", self.database_url(name), runtime_password=TEST_RUNTIME_DB_PASSWORD)
        port = port or free_port()
        console_env = self.env_for(name, port)
        console_env.update({f"{s.upper()}_URL": self.url(s) for s in SERVICES if s in self.processes})
        console_env.update(env or {})
        proc = ServiceProcess("console", console_env, self.log_dir / f"{name}.log", port)
        self.processes[name] = proc
        proc.start()
        proc.wait_ready()
        return proc

    def add_replica(self, service: str, name: str) -> ServiceProcess:
        """Start another process of ``service`` (same database and queue), registered as ``name``."""
        port = free_port()
        proc = ServiceProcess(service, self.env_for(service, port), self.log_dir / f"{name}.log", port)
        self.processes[name] = proc
        proc.start()
        proc.wait_ready()
        return proc

    def restart(self, service: str, env: dict[str, str] | None = None) -> None:
        """Start ``service`` again (after a crash), on the same port, optionally with a new environment."""
        proc = self.processes[service]
        proc.stop()
        if env is not None:
            self.service_env[service] = env
        proc.env = self.env_for(service, proc.port)
        proc.start()
        proc.wait_ready()

    def url(self, service: str) -> str:
        return self.processes[service].url

    def stop(self) -> None:
        for proc in self.processes.values():
            with contextlib.suppress(Exception):
                proc.stop()

    async def destroy(self) -> None:
        """Drop the databases and the bus objects this system created."""
        for service in SERVICES:
            with contextlib.suppress(Exception):
                await drop_database(self.database_url(service))
        for name, proc in self.processes.items():
            if proc.service == "console":
                with contextlib.suppress(Exception):
                    await drop_database(self.database_url(name))
        await delete_bus_objects(self.infra.rabbitmq_url, self.prefix)


async def delete_bus_objects(rabbitmq_url: str, prefix: str) -> None:
    connection = await aio_pika.connect(rabbitmq_url, timeout=10)
    async with connection:
        for service in SERVICES:
            for queue in (f"{prefix}.{service}", f"{prefix}.{service}.dlq"):
                channel = await connection.channel()
                with contextlib.suppress(Exception):
                    await channel.queue_delete(queue)
        channel = await connection.channel()
        with contextlib.suppress(Exception):
            await channel.queue_delete(f"{prefix}.audit")  # the audit stream (shared/bus/audit.py)
        for exchange in (f"{prefix}.events", f"{prefix}.dlx"):
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.exchange_delete(exchange)


async def wait_until(predicate, timeout: float = 15.0, interval: float = 0.1):
    """Poll an (async or sync) predicate until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        await asyncio.sleep(interval)
