"""Run the whole system on this machine without Docker: infrastructure check, migrations, the four
services as background processes, a local mail catcher, and the sample board."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from shared.migrations import SERVICES, runtime_database_url
from tools.services import settings_for

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
PORTS = {"registration": 8001, "matching": 8002, "notifications": 8003, "grants": 8004, "evaluation": 8005}
CONSOLE_PORT = 8000


def ensure_infrastructure() -> list[str]:
    """Start the local RabbitMQ / PostgreSQL if they are installed but down; returns what was started."""
    script = ROOT / "scripts" / "ensure-infra.sh"
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr or result.stdout)
    return [line for line in result.stdout.splitlines() if line.strip()]


def _pid_file(name: str) -> Path:
    return RUN_DIR / "pids" / f"{name}.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def start_process(name: str, args: list[str], env: dict[str, str]) -> int:
    (RUN_DIR / "pids").mkdir(parents=True, exist_ok=True)
    (RUN_DIR / "logs").mkdir(parents=True, exist_ok=True)
    pid_file = _pid_file(name)
    if pid_file.exists() and _alive(int(pid_file.read_text())):
        return int(pid_file.read_text())
    log = (RUN_DIR / "logs" / f"{name}.log").open("ab")
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    pid_file.write_text(str(process.pid))
    return process.pid


def _runtime_url(service: str) -> str:
    """The services log in as their runtime roles (created by ``mentorweb migrate``), which own
    nothing and are held to row-level security; migrations ran as the owner."""
    owner = settings_for(service).database_url
    return runtime_database_url(owner, service, os.environ.get("RUNTIME_DATABASE_PASSWORD") or None)


def start_services(env_overrides: dict[str, str] | None = None) -> None:
    base = {**os.environ, "PYTHONUNBUFFERED": "1", **(env_overrides or {})}
    smtp_port = base.get("SMTP_PORT", "1025")
    if base.get("SMTP_HOST", "127.0.0.1") in ("127.0.0.1", "localhost"):
        maildir = RUN_DIR / "mail"
        for sub in ("tmp", "new", "cur"):  # a Maildir the catcher can write to
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        start_process(
            "mail-catcher",
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{smtp_port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(maildir),
            ],
            base,
        )
    for service in SERVICES:
        env = {
            **base,
            "HTTP_PORT": os.environ.get(f"{service.upper()}_PORT", str(PORTS[service])),
            "DATABASE_URL": _runtime_url(service),
        }
        start_process(service, [sys.executable, "-m", f"services.{service}"], env)
    # The web console calls the four APIs where they were just started.
    console_env = {
        **base,
        "HTTP_PORT": os.environ.get("CONSOLE_PORT", str(CONSOLE_PORT)),
        "DATABASE_URL": _runtime_url("console"),
        **{
            f"{s.upper()}_URL": f"http://127.0.0.1:{os.environ.get(f'{s.upper()}_PORT', str(PORTS[s]))}"
            for s in SERVICES
        },
    }
    start_process("console", [sys.executable, "-m", "services.console"], console_env)


def wait_ready(timeout: float = 90) -> dict[str, bool]:
    deadline = time.monotonic() + timeout
    ready = dict.fromkeys((*SERVICES, "console"), False)
    while time.monotonic() < deadline and not all(ready.values()):
        for service in ready:
            if not ready[service]:
                try:
                    port = settings_for(service).http_port
                    ready[service] = (
                        httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
                    )
                except httpx.HTTPError:
                    pass
        time.sleep(0.3)
    return ready


def stop_all() -> list[str]:
    stopped = []
    for pid_file in sorted((RUN_DIR / "pids").glob("*.pid")) if (RUN_DIR / "pids").exists() else []:
        pid = int(pid_file.read_text())
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not _alive(pid):
                    break
                time.sleep(0.2)
            stopped.append(pid_file.stem)
        pid_file.unlink()
    return stopped


def docker_compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0
