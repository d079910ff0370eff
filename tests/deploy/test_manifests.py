"""Kubernetes manifests (deploy/k8s): every overlay renders with kustomize, every object is valid
offline (kubernetes-validate for built-in kinds, deploy/k8s/schemas for operator kinds), and the
rendered system keeps the promises of deploy/README.md."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
import yaml

from tests.deploy.manifests import (
    IMAGE,
    K8S_DIR,
    K8S_VERSION,
    OVERLAYS,
    SERVICES,
    Obj,
    builtin_errors,
    configmap_data,
    crd_errors,
    crd_schemas,
    is_builtin,
    kustomization,
    name_of,
    of_kind,
    one,
    pod_labels,
    render,
    schema_key,
    selects,
    service_deployment,
    walk,
)

pytestmark = pytest.mark.unit

overlays = pytest.mark.parametrize("overlay", OVERLAYS)
services = pytest.mark.parametrize("service", sorted(SERVICES))

SECRET_ENV = {"RABBITMQ_URL", "DATABASE_URL", "JWT_SECRET", "SMTP_PASSWORD", "LINK_SIGNING_KEYS"}
# scheme://user:password@ with a literal password (placeholders such as %s, $(VAR), <pw> are fine).
CREDENTIAL_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@'\"%$<{]+:[^/\s@'\"%$<{]+@", re.IGNORECASE)


# --- rendering and schema validation ------------------------------------------------------------


@overlays
def test_overlay_renders_with_kustomize(overlay: str) -> None:
    objects = render(overlay)
    assert objects, f"{overlay} rendered nothing"
    names = [name_of(o) for o in objects]
    assert len(names) == len(set(names)), "duplicate objects"
    namespace = kustomization(overlay)["namespace"]
    for obj in objects:
        assert obj["metadata"].get("name"), obj
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == namespace, name_of(obj)


def test_kubernetes_validate_ships_the_pinned_version() -> None:
    import kubernetes_validate.utils

    assert K8S_VERSION in kubernetes_validate.utils.all_versions()


@overlays
def test_builtin_kinds_are_valid_kubernetes(overlay: str) -> None:
    errors = [e for obj in render(overlay) if is_builtin(obj) for e in builtin_errors(obj)]
    assert not errors, "\n".join(errors)


@overlays
def test_operator_kinds_match_the_schemas_in_the_repo(overlay: str) -> None:
    crds = [obj for obj in render(overlay) if not is_builtin(obj)]
    assert {o["kind"] for o in crds} >= {
        "RabbitmqCluster",
        "Exchange",
        "Queue",
        "Binding",
        "Policy",
        "Cluster",
        "Database",
        "ScaledObject",
        "TriggerAuthentication",
        "OpenTelemetryCollector",
    }
    errors = [e for obj in crds for e in crd_errors(obj)]
    assert not errors, "\n".join(errors)


@overlays
def test_every_non_core_api_group_has_a_schema(overlay: str) -> None:
    # kubernetes-validate knows only built-in groups; anything else must have a repo schema.
    builtin_groups = re.compile(
        r"^(v1|(apps|batch|policy|autoscaling|networking\.k8s\.io|rbac\.authorization\.k8s\.io)/v\d+)$"
    )
    missing = {
        schema_key(o)
        for o in render(overlay)
        if not builtin_groups.match(o["apiVersion"]) and schema_key(o) not in crd_schemas()
    }
    assert not missing, f"no schema in deploy/k8s/schemas for {sorted(missing)}"


def _queue(**spec: object) -> Obj:
    base = {"name": "q", "rabbitmqClusterReference": {"name": "mentorweb-rabbitmq"}}
    return {
        "apiVersion": "rabbitmq.com/v1beta1",
        "kind": "Queue",
        "metadata": {"name": "q"},
        "spec": {**base, **spec},
    }


def test_repo_schemas_reject_what_the_api_server_would_drop_or_refuse() -> None:
    assert not crd_errors(_queue(type="quorum", durable=True))
    assert crd_errors(_queue(durabel=True)), "misspelt field accepted"
    assert crd_errors(_queue(durable="yes")), "wrong type accepted"
    no_ref = _queue()
    del no_ref["spec"]["rabbitmqClusterReference"]
    assert crd_errors(no_ref), "missing required field accepted"
    scaled: dict[str, Any] = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "s"},
        "spec": {"scaleTargetRef": {"name": "d"}, "triggers": [{"type": "cpu", "metadata": {"value": 70}}]},
    }
    assert crd_errors(scaled), "KEDA trigger metadata must be strings"
    scaled["spec"]["triggers"][0]["metadata"]["value"] = "70"
    assert not crd_errors(scaled)
    # Embedded core types are checked with Kubernetes' own schema.
    cluster = {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": "pg"},
        "spec": {"instances": 1, "resources": {"limits": {"cpu": "1"}, "limitz": {}}},
    }
    assert crd_errors(cluster), "unknown field in core ResourceRequirements accepted"


# --- no secrets in the repository ----------------------------------------------------------------


@overlays
def test_no_secret_objects_are_rendered(overlay: str) -> None:
    assert not of_kind(render(overlay), "Secret"), "Secrets are the operator's, never the repo's"


def test_no_literal_secret_data_in_deploy_k8s() -> None:
    offenders = []
    for path in sorted(K8S_DIR.rglob("*")):
        if not path.is_file() or ".tools" in path.parts:
            continue
        text = path.read_text(errors="replace")
        if CREDENTIAL_URL.search(text):
            offenders.append(f"{path}: URL with credentials")
        if "PRIVATE KEY-----" in text:
            offenders.append(f"{path}: private key")
        if path.suffix in {".yaml", ".yml"}:
            for doc in yaml.safe_load_all(text):
                if isinstance(doc, dict) and doc.get("kind") == "Secret":
                    offenders.append(f"{path}: kind: Secret")
                if isinstance(doc, dict) and doc.get("kind") == "Kustomization":
                    if doc.get("secretGenerator"):
                        offenders.append(f"{path}: secretGenerator")
    assert not offenders, "\n".join(offenders)


@overlays
def test_credentials_reach_pods_only_through_secret_refs(overlay: str) -> None:
    objects = render(overlay)
    for cm in of_kind(objects, "ConfigMap"):
        for key, value in (cm.get("data") or {}).items():
            assert not re.search(r"PASSWORD|SECRET|TOKEN|PRIVATE", key), f"{name_of(cm)} holds {key}"
            assert not CREDENTIAL_URL.search(value), f"{name_of(cm)}: {key} carries credentials"
    for dep in of_kind(objects, "Deployment"):
        spec = dep["spec"]["template"]["spec"]
        for container in spec.get("initContainers", []) + spec["containers"]:
            for env in container.get("env") or []:
                if env["name"] in SECRET_ENV:
                    assert "value" not in env, f"{name_of(dep)}: {env['name']} is a literal"
                    assert env["valueFrom"].get("secretKeyRef"), f"{name_of(dep)}: {env['name']}"
    for node in walk(list(objects)):
        if isinstance(node, str):
            assert not CREDENTIAL_URL.search(node), f"credentials in rendered text: {node[:60]}"


# --- every service: Deployment, probes, resources, security, PDB, policy, migration, scaling -----


@overlays
@services
def test_deployment_runs_the_service_safely(overlay: str, service: str) -> None:
    objects = render(overlay)
    dep = service_deployment(objects, service)
    pod = dep["spec"]["template"]["spec"]
    assert "replicas" not in dep["spec"], "the ScaledObject owns the replica count"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod.get("automountServiceAccountToken") is False
    (app,) = [c for c in pod["containers"] if c["name"] == "app"]
    assert app["command"] == ["python", "-m", f"services.{service}"]
    assert app["image"].startswith(f"{IMAGE}:")
    port = SERVICES[service]
    assert {"name": "http", "containerPort": port, "protocol": "TCP"} in app["ports"]
    assert app["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert app["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    for container in pod.get("initContainers", []) + pod["containers"]:
        resources = container["resources"]
        for section in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources[section]), f"{container['name']}: {section}"
        ctx = container["securityContext"]
        assert ctx["readOnlyRootFilesystem"] is True
        assert ctx["allowPrivilegeEscalation"] is False
        assert ctx["capabilities"]["drop"] == ["ALL"]
        assert ctx.get("runAsNonRoot", pod["securityContext"]["runAsNonRoot"]) is True
    config = configmap_data(objects, app)
    assert config["SERVICE_NAME"] == service
    assert config["OTEL_SERVICE_NAME"] == service
    assert config["HTTP_PORT"] == str(port)
    assert config["HTTP_HOST"] == "0.0.0.0"
    for key in ("MENTORWEB_ENV", "BUS_PREFIX", "PREFETCH", "OTEL_EXPORTER_OTLP_ENDPOINT", "JWT_AUDIENCE"):
        assert key in config, key
    env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in app["env"] if "valueFrom" in e}
    assert env["RABBITMQ_URL"]["name"] == f"mentorweb-{service}-bus"
    # The app logs in as the runtime role (row-level security); only migrations use the owner's.
    assert env["DATABASE_URL"]["name"] == f"mentorweb-{service}-app-db"
    svc = one(objects, "Service", service)
    assert selects({"matchLabels": svc["spec"]["selector"]}, pod_labels(dep))
    assert svc["spec"]["ports"][0]["port"] == port


@overlays
@services
def test_migrations_run_before_the_service_starts(overlay: str, service: str) -> None:
    objects = render(overlay)
    pod = service_deployment(objects, service)["spec"]["template"]["spec"]
    (migrate,) = [c for c in pod.get("initContainers", []) if c["name"] == "migrate"]
    assert migrate["command"] == ["mentorweb", "migrate", service]
    (url,) = [e for e in migrate["env"] if e["name"] == "DATABASE_URL"]
    assert url["valueFrom"]["secretKeyRef"]["name"] == f"mentorweb-{service}-db"
    # Same settings as the app (production refuses to start without JWKS or a strong key).
    (app,) = [c for c in pod["containers"] if c["name"] == "app"]
    assert migrate["envFrom"] == app["envFrom"]
    assert migrate["image"] == app["image"]


@overlays
@services
def test_every_service_has_a_disruption_budget(overlay: str, service: str) -> None:
    objects = render(overlay)
    labels = pod_labels(service_deployment(objects, service))
    budgets = [p for p in of_kind(objects, "PodDisruptionBudget") if selects(p["spec"]["selector"], labels)]
    assert len(budgets) == 1
    assert budgets[0]["spec"].get("maxUnavailable") == 1


ALLOWED_EGRESS = {5672, 5432, 4317, 4318, 53}
# The deliberate exceptions, each explained where it is declared.
EXTRA_EGRESS = {
    ("dev", "notifications"): {587, 465, 1025},  # SMTP relay; Mailpit in dev
    ("production", "notifications"): {587, 465},
}
OIDC_EGRESS = {"production": {443}}  # JWKS from the province's IdP


@overlays
@services
def test_network_policies_fence_every_service(overlay: str, service: str) -> None:
    objects = render(overlay)
    labels = pod_labels(service_deployment(objects, service))
    policies = [p for p in of_kind(objects, "NetworkPolicy") if selects(p["spec"]["podSelector"], labels)]
    assert any(p["metadata"]["name"] == "mentorweb-default-deny" for p in policies)
    own = one(objects, "NetworkPolicy", service)
    assert set(own["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    ingress_ports = {port["port"] for rule in own["spec"]["ingress"] for port in rule["ports"]}
    assert ingress_ports == {SERVICES[service]}
    own_egress = {port["port"] for rule in own["spec"]["egress"] for port in rule["ports"]}
    assert own_egress == ALLOWED_EGRESS
    # DNS goes to kube-dns only; broker and database only to their operators' pods.
    by_port = {port["port"]: rule["to"] for rule in own["spec"]["egress"] for port in rule["ports"]}
    assert by_port[5672] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "mentorweb-rabbitmq"}}}
    ]
    assert by_port[5432] == [{"podSelector": {"matchLabels": {"cnpg.io/cluster": "mentorweb-pg"}}}]
    assert by_port[53][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    everything = {
        port["port"]
        for policy in policies
        for rule in policy["spec"].get("egress") or []
        for port in rule.get("ports") or []
    }
    allowed = ALLOWED_EGRESS | EXTRA_EGRESS.get((overlay, service), set()) | OIDC_EGRESS.get(overlay, set())
    assert everything == allowed
    for policy in policies:
        for rule in policy["spec"].get("egress") or []:
            assert rule.get("ports"), f"{name_of(policy)}: egress rule without ports"


@overlays
@services
def test_every_service_scales_on_its_queue_and_cpu(overlay: str, service: str) -> None:
    objects = render(overlay)
    scaled = one(objects, "ScaledObject", service)
    spec = scaled["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
    triggers = {t["type"]: t for t in spec["triggers"]}
    rabbit = triggers["rabbitmq"]
    assert rabbit["metadata"]["queueName"] == f"mentorweb.{service}"
    assert rabbit["metadata"]["mode"] == "QueueLength"
    auth = one(objects, "TriggerAuthentication", rabbit["authenticationRef"]["name"])
    assert auth["spec"]["secretTargetRef"] == [
        {"parameter": "host", "name": f"mentorweb-{service}-bus", "key": "url"}
    ]
    assert triggers["cpu"]["metricType"] == "Utilization"
    # KEDA's HPA carries the CPU target; a second HPA on the same Deployment would fight it.
    assert spec["advanced"]["horizontalPodAutoscalerConfig"]["name"] == service
    others = [
        h
        for h in of_kind(objects, "HorizontalPodAutoscaler")
        if h["spec"]["scaleTargetRef"]["name"] == service
    ]
    assert not others


@overlays
def test_images_come_from_the_overlay_tag(overlay: str) -> None:
    (image,) = [i for i in kustomization(overlay)["images"] if i["name"] == IMAGE]
    for dep in of_kind(render(overlay), "Deployment"):
        pod = dep["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            assert not container["image"].endswith(":latest"), container["image"]
            if container["image"].startswith(IMAGE):
                assert container["image"] == f"{IMAGE}:{image['newTag']}"


# --- bus topology: the operator declares exactly what the services declare -----------------------


def _settings(service: str):
    return importlib.import_module(f"services.{service}.config").Settings(_env_file=None)


def _handled_routing_keys(service: str) -> set[str]:
    spec = importlib.import_module(f"services.{service}.bootstrap").build_spec(_settings(service))
    return {cls.routing_key() for cls in spec.handlers}


@overlays
def test_exchanges_match_the_code(overlay: str) -> None:
    objects = render(overlay)
    settings = _settings("registration")
    exchanges = {e["spec"]["name"]: e["spec"] for e in of_kind(objects, "Exchange")}
    assert exchanges[settings.exchange_name]["type"] == "topic"
    assert exchanges[settings.dead_letter_exchange_name]["type"] == "direct"
    assert all(e["durable"] is True and e["autoDelete"] is False for e in exchanges.values())


@overlays
@services
def test_queues_and_bindings_match_the_code(overlay: str, service: str) -> None:
    from shared.bus.topology import service_queue_arguments

    objects = render(overlay)
    settings = _settings(service)
    queues = {q["spec"]["name"]: q["spec"] for q in of_kind(objects, "Queue")}
    queue = queues[settings.queue_name]
    assert queue["type"] == "quorum" and queue["durable"] is True
    # RabbitMQ refuses a re-declaration with other arguments (PRECONDITION_FAILED): these must be
    # exactly what the service declares at start-up.
    assert {**queue["arguments"], "x-queue-type": queue["type"]} == service_queue_arguments(settings)
    assert queue["arguments"]["x-delivery-limit"] == 10
    dlq = queues[settings.dead_letter_queue_name]
    assert dlq["type"] == "quorum" and dlq["durable"] is True and "arguments" not in dlq

    bindings = [b["spec"] for b in of_kind(objects, "Binding")]
    to_dlq = [b for b in bindings if b["destination"] == settings.dead_letter_queue_name]
    assert to_dlq == [
        {
            "vhost": "/",
            "source": settings.dead_letter_exchange_name,
            "destination": settings.dead_letter_queue_name,
            "destinationType": "queue",
            "routingKey": settings.queue_name,
            "rabbitmqClusterReference": {"name": "mentorweb-rabbitmq"},
        }
    ]
    # A queue bound to more than its handlers receive would dead-letter the rest ("no handler").
    declared = {
        b["routingKey"]
        for b in bindings
        if b["destination"] == settings.queue_name and b["source"] == settings.exchange_name
    }
    assert declared == _handled_routing_keys(service)

    (policy,) = [
        p["spec"]
        for p in of_kind(objects, "Policy")
        if re.fullmatch(p["spec"]["pattern"], settings.queue_name)
    ]
    assert policy["definition"]["delivery-limit"] == settings.queue_delivery_limit
    assert policy["definition"]["dead-letter-exchange"] == settings.dead_letter_exchange_name
    assert policy["definition"]["dead-letter-routing-key"] == settings.queue_name
    assert not re.fullmatch(policy["pattern"], settings.dead_letter_queue_name)


@overlays
@services
def test_each_service_has_its_own_broker_user(overlay: str, service: str) -> None:
    objects = render(overlay)
    user = one(objects, "User", f"mentorweb-{service}")
    assert user["spec"]["importCredentialsSecret"] == {"name": f"mentorweb-{service}-bus"}
    assert not user["spec"].get("tags"), "AMQP only, no management access"
    permission = one(objects, "Permission", f"mentorweb-{service}")["spec"]
    assert permission["userReference"] == {"name": f"mentorweb-{service}"}
    configure = re.compile(permission["permissions"]["configure"])
    for name in (f"mentorweb.{service}", f"mentorweb.{service}.dlq", "mentorweb.events", "mentorweb.dlx"):
        assert configure.fullmatch(name), name
    for other in set(SERVICES) - {service}:
        assert not configure.fullmatch(f"mentorweb.{other}")
        assert not re.fullmatch(permission["permissions"]["read"], f"mentorweb.{other}")


# --- infrastructure -------------------------------------------------------------------------------


def test_production_runs_three_broker_nodes_and_three_database_instances() -> None:
    objects = render("production")
    assert one(objects, "RabbitmqCluster", "mentorweb-rabbitmq")["spec"]["replicas"] == 3
    assert one(objects, "Cluster", "mentorweb-pg")["spec"]["instances"] == 3


@overlays
@services
def test_each_service_has_its_own_database_and_role(overlay: str, service: str) -> None:
    objects = render(overlay)
    cluster = one(objects, "Cluster", "mentorweb-pg")
    database = one(objects, "Database", f"mentorweb-{service}")["spec"]
    assert database["name"] == f"mentorweb_{service}"
    assert database["cluster"] == {"name": "mentorweb-pg"}
    assert database["databaseReclaimPolicy"] == "retain"
    (role,) = [r for r in cluster["spec"]["managed"]["roles"] if r["name"] == database["owner"]]
    assert role["login"] is True and role["ensure"] == "present"
    # The role's password and the migrations' DATABASE_URL come from the same operator Secret.
    assert role["passwordSecret"] == {"name": f"mentorweb-{service}-db"}
    # The pods' runtime role: a login that owns nothing and cannot bypass row-level security.
    (runtime,) = [r for r in cluster["spec"]["managed"]["roles"] if r["name"] == f"mentorweb_{service}_app"]
    assert runtime["login"] is True and runtime["ensure"] == "present"
    assert runtime["bypassrls"] is False and runtime["superuser"] is False
    assert runtime["passwordSecret"] == {"name": f"mentorweb-{service}-app-db"}


@overlays
def test_collector_pipeline_and_service_name_agree(overlay: str) -> None:
    objects = render(overlay)
    (collector,) = of_kind(objects, "OpenTelemetryCollector")
    config = collector["spec"]["config"]
    for pipeline in config["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline.get(kind, []):
                assert component in config.get(kind, {}), f"{component} not defined"
    assert any(e.startswith("otlp") for e in config["service"]["pipelines"]["traces"]["exporters"])
    endpoint = one(objects, "ConfigMap", _common_configmap(objects))["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
    # The operator names the collector's Service <name>-collector.
    assert endpoint == f"http://{collector['metadata']['name']}-collector:4318"


def _common_configmap(objects: tuple[Obj, ...]) -> str:
    (name,) = [
        c["metadata"]["name"]
        for c in of_kind(objects, "ConfigMap")
        if c["metadata"]["name"].startswith("mentorweb-common")
    ]
    return name


def test_production_is_production() -> None:
    objects = render("production")
    common = one(objects, "ConfigMap", _common_configmap(objects))["data"]
    assert common["MENTORWEB_ENV"] == "production"
    assert common["JWT_JWKS_URL"].startswith("https://")
    assert common["JWT_ALGORITHMS"] == "RS256"
    cluster = one(objects, "Cluster", "mentorweb-pg")["spec"]
    (archiver,) = [p for p in cluster["plugins"] if p.get("isWALArchiver")]
    store = one(objects, "ObjectStore", archiver["parameters"]["barmanObjectName"])
    assert store["spec"]["retentionPolicy"]
    (backup,) = of_kind(objects, "ScheduledBackup")
    assert backup["spec"]["cluster"] == {"name": "mentorweb-pg"}
    assert backup["spec"]["method"] == "plugin"
    assert len(backup["spec"]["schedule"].split()) == 6, "CNPG schedules have a seconds field"
    for scaled in of_kind(objects, "ScaledObject"):
        assert scaled["spec"]["minReplicaCount"] >= 3


def test_dev_is_development() -> None:
    objects = render("dev")
    assert one(objects, "ConfigMap", _common_configmap(objects))["data"]["MENTORWEB_ENV"] == "development"


@overlays
def test_the_audit_stream_takes_every_event_as_the_code_declares_it(overlay: str) -> None:
    from shared.bus.audit import audit_stream_arguments, audit_stream_name

    objects = render(overlay)
    settings = _settings("registration")
    queues = {q["spec"]["name"]: q["spec"] for q in of_kind(objects, "Queue")}
    stream = queues[audit_stream_name(settings)]
    assert {**stream["arguments"], "x-queue-type": stream["type"]} == audit_stream_arguments(settings)
    bindings = [b["spec"] for b in of_kind(objects, "Binding")]
    assert [b["routingKey"] for b in bindings if b["destination"] == audit_stream_name(settings)] == ["#"]
