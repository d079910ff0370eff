"""docker-compose.yml (repo root): parses, every Mentorweb service is health-checked, and start-up
order is expressed with `depends_on: {<service>: {condition: ...}}`, never the bare list form."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
MENTORWEB_SERVICES = {"registration": 8001, "matching": 8002, "notifications": 8003, "grants": 8004}
# Images that ship no shell or HTTP client, so no healthcheck can run inside them. A service
# listed here may only be awaited with `service_started` (checked below).
NO_HEALTHCHECK_POSSIBLE = {
    "jaeger": "jaegertracing/all-in-one is a distroless image (no shell, curl or wget)"
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    assert COMPOSE.is_file(), f"{COMPOSE} is missing"
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict) and isinstance(document.get("services"), dict), "no services:"
    return document


def _one_shot(service: dict[str, Any]) -> bool:
    return str(service.get("restart", "no")) == "no"


def test_compose_parses_and_has_the_four_services(compose: dict[str, Any]) -> None:
    assert set(MENTORWEB_SERVICES) <= set(compose["services"])


def test_every_long_running_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    missing = []
    for name, service in compose["services"].items():
        if _one_shot(service) or name in NO_HEALTHCHECK_POSSIBLE:
            continue
        check = service.get("healthcheck") or {}
        if check.get("disable") or not check.get("test"):
            missing.append(name)
    assert not missing, f"no healthcheck: {missing}"


@pytest.mark.parametrize("name", sorted(MENTORWEB_SERVICES))
def test_mentorweb_services_check_readiness_on_their_port(compose: dict[str, Any], name: str) -> None:
    test = compose["services"][name]["healthcheck"]["test"]
    text = " ".join(test) if isinstance(test, list) else str(test)
    assert "/readyz" in text, f"{name}: the healthcheck should ask /readyz (broker + database + consumer)"
    assert str(MENTORWEB_SERVICES[name]) in text


def test_every_mentorweb_service_waits_for_what_it_needs(compose: dict[str, Any]) -> None:
    for name in MENTORWEB_SERVICES:
        depends = compose["services"][name].get("depends_on")
        assert isinstance(depends, dict) and depends, f"{name}: depends_on with conditions required"
        assert depends.get("migrate", {}).get("condition") == "service_completed_successfully", name
        assert depends.get("rabbitmq", {}).get("condition") == "service_healthy", name
    migrate = compose["services"].get("migrate")
    assert migrate is not None, "the migration one-shot is missing"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_every_depends_on_uses_a_condition(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        depends = service.get("depends_on")
        if depends is None:
            continue
        assert isinstance(depends, dict), f"{name}: depends_on must be a mapping with condition:"
        for target, spec in depends.items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert isinstance(spec, dict) and spec.get("condition") in CONDITIONS, f"{name} -> {target}"
            if spec["condition"] == "service_healthy":
                assert services[target].get("healthcheck", {}).get("test"), f"{target} has no healthcheck"
            if spec["condition"] == "service_completed_successfully":
                assert _one_shot(services[target]), f"{target} restarts, so it never completes"
            if target in NO_HEALTHCHECK_POSSIBLE:
                assert spec["condition"] == "service_started", f"{name} -> {target}"


@pytest.mark.skipif(shutil.which("docker") is None, reason="the docker client binary is not on PATH")
def test_docker_compose_config_accepts_the_file() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"`docker compose config -q` failed (exit {result.returncode}):\n{result.stderr}\n"
        "(if 'compose' is not a docker command: `make setup` links the Compose plugin)"
    )
