"""SCIM 2.0 (RFC 7643/7644) Users as Mentorweb participants: filters, PATCH, and the mapping.

Mapping (documented in the service README):
- ``userName`` is the HR identifier (``hr_id``), the key Mentorweb is unique on within a board and
  program year; the enterprise ``employeeNumber``, when sent, must equal it.
- enterprise ``organization`` is the board code; ``name.givenName``/``familyName``, the primary (or
  first) ``emails`` value, ``preferredLanguage`` (``fr-CA`` → fr) and ``active`` map directly.
- Mentorweb's own fields travel in the extension :data:`MENTORWEB` (role, programYear, themes ...).

Pure: resources are plain dicts; the service layer loads and stores participants.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.registration.domain.imports import LIST_LIMITS, TEXT_LIMITS, normalise_email, valid_program_year
from services.registration.domain.participants import validate_participant

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MENTORWEB = "urn:mentorweb:params:scim:schemas:extension:participant:1.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"

# Extension attribute → participant field.
EXTENSION_FIELDS: dict[str, str] = {
    "role": "role",
    "programYear": "program_year",
    "school": "school",
    "gradeBand": "grade_band",
    "subjects": "subjects",
    "themes": "themes",
    "learningGoals": "learning_goals",
    "expertiseThemes": "expertise_themes",
    "trained": "trained",
    "hubCapacity": "hub_capacity",
    "oneToOneCapacity": "one_to_one_capacity",
    "leadsSchoolLeaders": "leads_school_leaders",
    "evaluatesHrIds": "evaluates_hr_ids",
}
_LIST_ATTRS = {"subjects", "themes", "expertiseThemes", "evaluatesHrIds"}
_BOOL_ATTRS = {"trained", "leadsSchoolLeaders"}
_INT_ATTRS = {"hubCapacity", "oneToOneCapacity"}
_STR_ATTRS = {"role", "programYear", "school", "gradeBand", "learningGoals"}


class ScimError(Exception):
    """An error answered in SCIM's format; ``scim_type`` is one of RFC 7644 §3.12's for 400s."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"schemas": [ERROR], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def _get(container: Mapping[str, Any], name: str) -> Any:
    """Attribute names are case-insensitive in SCIM."""
    lowered = name.lower()
    for key, value in container.items():
        if key.lower() == lowered:
            return value
    return None


def _key(container: Mapping[str, Any], name: str) -> str:
    lowered = name.lower()
    return next((k for k in container if k.lower() == lowered), name)


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class Comparison:
    """``attribute eq value``; attribute is canonical: userName, externalId, emails.value, active, id."""

    attribute: str
    value: str | bool | None


FILTERABLE: dict[str, str] = {
    "username": "userName",
    "externalid": "externalId",
    "emails": "emails.value",
    "emails.value": "emails.value",
    "active": "active",
    "id": "id",
    f"{ENTERPRISE.lower()}:employeenumber": "userName",
}
_TOKEN = re.compile(r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<paren>[()\[\]])|(?P<word>[^\s()\[\]"]+))')
_OPERATORS = {"eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le"}


def parse_filter(text: str) -> list[Comparison]:
    """Parse the supported subset: ``attr eq "value"`` joined by ``and``; anything else is invalidFilter."""
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    if not text:
        raise ScimError(400, "The filter is empty.", "invalidFilter")
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ScimError(
                400, f"Unreadable filter near {text[position : position + 20]!r}.", "invalidFilter"
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    comparisons: list[Comparison] = []
    i = 0
    while True:
        if i + 1 >= len(tokens) or tokens[i][0] != "word" or tokens[i + 1][0] != "word":
            raise ScimError(400, 'Expected: attribute eq "value".', "invalidFilter")
        attribute, operator = tokens[i][1], tokens[i + 1][1].lower()
        if operator not in _OPERATORS:
            raise ScimError(400, f"Unknown operator {operator!r}.", "invalidFilter")
        canonical = FILTERABLE.get(attribute.lower().removeprefix(CORE_USER.lower() + ":"))
        if canonical is None:
            raise ScimError(
                400,
                f"Filtering on {attribute!r} is not supported (userName, externalId, emails.value, active, id).",
                "invalidFilter",
            )
        if operator != "eq":
            raise ScimError(400, f"Only the eq operator is supported, not {operator!r}.", "invalidFilter")
        if i + 2 >= len(tokens):
            raise ScimError(400, f"No value to compare {attribute} with.", "invalidFilter")
        kind, raw = tokens[i + 2]
        value: str | bool | None
        if kind == "string":
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ScimError(400, "Unreadable string in filter.", "invalidFilter") from exc
        elif kind == "word" and raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        elif kind == "word" and raw.lower() == "null":
            value = None
        else:
            raise ScimError(
                400, "Comparison values must be quoted strings, true, false or null.", "invalidFilter"
            )
        comparisons.append(Comparison(canonical, value))
        i += 3
        if i == len(tokens):
            return comparisons
        if tokens[i][0] == "word" and tokens[i][1].lower() == "and":
            i += 1
            continue
        raise ScimError(400, f"Only 'and' may join comparisons, not {tokens[i][1]!r}.", "invalidFilter")


# ---------------------------------------------------------------- PATCH


@dataclass(frozen=True)
class Path:
    urn: str | None
    attribute: str | None
    value_filter: str | None = None
    sub_attribute: str | None = None


_URNS = (ENTERPRISE, MENTORWEB, CORE_USER)
_PATH = re.compile(r"^(?P<attr>[A-Za-z$][\w$-]*)(?:\[(?P<filter>[^\]]*)\])?(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$")


def parse_path(path: str) -> Path:
    path = path.strip()
    for urn in _URNS:
        if path.lower() == urn.lower():
            return Path(urn, None)
        if path.lower().startswith(urn.lower() + ":"):
            rest = path[len(urn) + 1 :]
            inner = _parse_attr_path(rest, path)
            return Path(
                None if urn == CORE_USER else urn, inner.attribute, inner.value_filter, inner.sub_attribute
            )
    if path.lower().startswith("urn:"):
        raise ScimError(400, f"Unknown schema in path {path!r}.", "invalidPath")
    return _parse_attr_path(path, path)


def _parse_attr_path(text: str, original: str) -> Path:
    match = _PATH.match(text)
    if not match:
        raise ScimError(400, f"Unreadable path {original!r}.", "invalidPath")
    return Path(None, match.group("attr"), match.group("filter"), match.group("sub"))


def _sub_filter(value_filter: str) -> list[tuple[str, Any]]:
    """Filters inside a path, e.g. ``type eq "work"``; only eq joined by and."""
    parts = re.split(r"\s+and\s+", value_filter.strip(), flags=re.IGNORECASE)
    result = []
    for part in parts:
        match = re.match(
            r'^\s*([A-Za-z$][\w$-]*)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false)\s*$', part, re.IGNORECASE
        )
        if not match:
            raise ScimError(400, f"Unsupported value filter {value_filter!r}.", "invalidFilter")
        raw = match.group(2)
        result.append((match.group(1), json.loads(raw.lower() if raw.lower() in ("true", "false") else raw)))
    return result


def _container(resource: dict[str, Any], urn: str | None, create: bool) -> dict[str, Any] | None:
    if urn is None:
        return resource
    key = _key(resource, urn)
    if key not in resource:
        if not create:
            return None
        resource[key] = {}
    container = resource[key]
    if not isinstance(container, dict):
        raise ScimError(400, f"{urn} must be an object.", "invalidSyntax")
    return container


def _merge_list(existing: Any, value: Any) -> list[Any]:
    existing_list = list(existing) if isinstance(existing, list) else []
    for item in value if isinstance(value, list) else [value]:
        if item not in existing_list:
            existing_list.append(item)
    return existing_list


def _set(container: dict[str, Any], attribute: str, value: Any, op: str) -> None:
    key = _key(container, attribute)
    if isinstance(value, dict) and isinstance(container.get(key), dict) and op in ("add", "replace"):
        # Complex attributes (name): sub-attributes given are set, others kept.
        for sub, sub_value in value.items():
            container[key][_key(container[key], sub)] = sub_value
    elif op == "add" and isinstance(container.get(key), list):
        container[key] = _merge_list(container[key], value)
    else:
        container[key] = value


def _apply_one(resource: dict[str, Any], op: str, path: Path | None, value: Any) -> None:
    if path is None:
        if not isinstance(value, dict):
            raise ScimError(400, "Without a path, the value must be an object of attributes.", "invalidValue")
        for name, sub_value in value.items():
            if name.lower() in (u.lower() for u in (ENTERPRISE, MENTORWEB)) and isinstance(sub_value, dict):
                container = _container(resource, parse_path(name).urn, create=True)
                assert container is not None
                for attribute, v in sub_value.items():
                    _set(container, attribute, v, op)
            else:
                _apply_one(resource, op, parse_path(name), sub_value)
        return
    if path.attribute is None:  # the whole extension
        if op == "remove":
            resource.pop(_key(resource, path.urn or ""), None)
            return
        _apply_one(resource, op, None, {path.urn: value})
        return
    container = _container(resource, path.urn, create=op != "remove")
    if container is None:
        return
    key = _key(container, path.attribute)
    if path.value_filter is None and path.sub_attribute is None:
        if op == "remove":
            container.pop(key, None)
        else:
            _set(container, path.attribute, value, op)
        return
    if path.value_filter is None:  # name.givenName
        parent = container.setdefault(key, {}) if op != "remove" else container.get(key)
        if not isinstance(parent, dict):
            if op == "remove":
                return
            raise ScimError(400, f"{path.attribute} is not a complex attribute.", "invalidPath")
        if op == "remove":
            parent.pop(_key(parent, path.sub_attribute or ""), None)
        else:
            parent[_key(parent, path.sub_attribute or "")] = value
        return
    # Multi-valued with a value filter: emails[type eq "work"].value
    items = container.get(key)
    items = items if isinstance(items, list) else []
    criteria = _sub_filter(path.value_filter)
    selected: list[dict[str, Any]] = [
        item
        for item in items
        if isinstance(item, dict) and all(str(_get(item, a)).lower() == str(v).lower() for a, v in criteria)
    ]
    if op == "remove":
        if path.sub_attribute:
            for item in selected:
                item.pop(_key(item, path.sub_attribute), None)
        else:
            items = [item for item in items if item not in selected]
        container[key] = items
        return
    if not selected:
        new_item: dict[str, Any] = {a: v for a, v in criteria}
        items.append(new_item)
        selected = [new_item]
    for item in selected:
        if path.sub_attribute:
            item[_key(item, path.sub_attribute)] = value
        elif isinstance(value, dict):
            item.update(value)
    container[key] = items


def apply_patch(resource: Mapping[str, Any], body: Any) -> dict[str, Any]:
    """Apply a PatchOp request (RFC 7644 §3.5.2) to a copy of ``resource`` and return the copy."""
    if not isinstance(body, Mapping):
        raise ScimError(400, "The body must be a PatchOp object.", "invalidSyntax")
    schemas = body.get("schemas") or []
    if PATCH_OP not in schemas:
        raise ScimError(400, f"schemas must include {PATCH_OP}.", "invalidSyntax")
    operations = _get(body, "Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "Operations must be a non-empty list.", "invalidSyntax")
    result: dict[str, Any] = json.loads(json.dumps(resource))
    for operation in operations:
        if not isinstance(operation, Mapping):
            raise ScimError(400, "Each operation must be an object.", "invalidSyntax")
        op = str(_get(operation, "op") or "").lower()
        if op not in ("add", "replace", "remove"):
            raise ScimError(400, f"op must be add, replace or remove, not {op!r}.", "invalidSyntax")
        raw_path = _get(operation, "path")
        if op == "remove" and not raw_path:
            raise ScimError(400, "remove needs a path.", "noTarget")
        value = _get(operation, "value")
        # Some clients send "False"/"True" strings for booleans.
        if isinstance(value, str) and raw_path and str(raw_path).lower() == "active":
            value = {"true": True, "false": False}.get(value.lower(), value)
        _apply_one(result, op, parse_path(str(raw_path)) if raw_path else None, value)
    return result


# ---------------------------------------------------------------- mapping


@dataclass
class ScimUser:
    """What a SCIM User resource says about a participant."""

    hr_id: str
    organization: str | None
    external_id: str | None
    active: bool
    fields: dict[str, Any]
    role: str
    program_year: str


def _language(value: Any, default: str) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip().lower()[:2]
    return default


def _email(resource: Mapping[str, Any]) -> Any:
    emails = _get(resource, "emails")
    if isinstance(emails, list) and emails:
        primary = [e for e in emails if isinstance(e, Mapping) and _get(e, "primary") is True]
        chosen = (primary or emails)[0]
        return _get(chosen, "value") if isinstance(chosen, Mapping) else chosen
    return None


def user_from_resource(
    resource: Mapping[str, Any],
    *,
    default_program_year: str,
    default_language: str,
    known_themes: frozenset[str],
) -> ScimUser:
    """Read and check a SCIM User resource; any problem is a 400 invalidValue naming the attribute."""
    if not isinstance(resource, Mapping):
        raise ScimError(400, "The body must be a JSON object.", "invalidSyntax")
    problems: list[str] = []
    user_name = _get(resource, "userName")
    if not isinstance(user_name, str) or not user_name.strip():
        raise ScimError(400, "userName (the HR identifier) is required.", "invalidValue")
    hr_id = user_name.strip()
    enterprise = _get(resource, ENTERPRISE) or {}
    extension = _get(resource, MENTORWEB) or {}
    if not isinstance(enterprise, Mapping) or not isinstance(extension, Mapping):
        raise ScimError(400, "Schema extensions must be objects.", "invalidSyntax")
    employee_number = _get(enterprise, "employeeNumber")
    if employee_number not in (None, "") and str(employee_number).strip() != hr_id:
        problems.append("employeeNumber: must equal userName (both are the HR identifier)")
    organization = _get(enterprise, "organization")
    if organization is not None and not isinstance(organization, str):
        problems.append("organization: must be a board code")
    name = _get(resource, "name") or {}
    if not isinstance(name, Mapping):
        name = {}
    fields: dict[str, Any] = {}
    for attribute, field in (("givenName", "given_name"), ("familyName", "family_name")):
        value = _get(name, attribute)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"name.{attribute}: required")
            value = ""
        fields[field] = value.strip()
    email = _email(resource)
    if not isinstance(email, str) or normalise_email(email) is None:
        problems.append("emails: a valid email address is required")
    else:
        fields["email"] = normalise_email(email)
    fields["language"] = _language(
        _get(resource, "preferredLanguage") or _get(resource, "locale"), default_language
    )
    active = _get(resource, "active")
    if active is None:
        active = True
    if not isinstance(active, bool):
        problems.append("active: must be true or false")
    defaults: dict[str, Any] = {
        "role": "beginning_teacher",
        "programYear": default_program_year,
        "school": None,
        "gradeBand": None,
        "subjects": [],
        "themes": [],
        "learningGoals": None,
        "expertiseThemes": [],
        "trained": False,
        "hubCapacity": 0,
        "oneToOneCapacity": 0,
        "leadsSchoolLeaders": False,
        "evaluatesHrIds": [],
    }
    for attribute, field in EXTENSION_FIELDS.items():
        value = _get(extension, attribute)
        if value is None or value == "":
            value = defaults[attribute]
        elif attribute in _LIST_ATTRS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"{attribute}: must be a list of strings")
                value = []
            elif len(value) > LIST_LIMITS[field]:
                problems.append(f"{attribute}: at most {LIST_LIMITS[field]} values")
        elif attribute in _BOOL_ATTRS and not isinstance(value, bool):
            problems.append(f"{attribute}: must be true or false")
        elif attribute in _INT_ATTRS and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"{attribute}: must be a whole number")
            value = 0
        elif attribute in _STR_ATTRS and not isinstance(value, str):
            problems.append(f"{attribute}: must be a string")
            value = defaults[attribute]
        fields[field] = value
    if not valid_program_year(str(fields["program_year"])):
        problems.append("programYear: must look like 2026-2027")
    for field, limit in TEXT_LIMITS.items():
        if field != "hr_id" and len(fields.get(field) or "") > limit:
            problems.append(f"{field}: at most {limit} characters")
    if len(hr_id) > TEXT_LIMITS["hr_id"]:
        problems.append(f"userName: at most {TEXT_LIMITS['hr_id']} characters")
    if fields["hub_capacity"] is not None and not 0 <= int(fields["hub_capacity"]) <= 10:
        problems.append("hubCapacity: must be between 0 and 10")
    if not problems:
        reverse = {v: k for k, v in EXTENSION_FIELDS.items()}
        problems.extend(
            f"{reverse.get(p.field, p.field)}: {p.message}"
            for p in validate_participant(fields, known_themes)
        )
    if problems:
        raise ScimError(400, "; ".join(problems), "invalidValue")
    role = fields.pop("role")
    program_year = fields.pop("program_year")
    return ScimUser(
        hr_id=hr_id,
        organization=organization.strip() if isinstance(organization, str) else None,
        external_id=str(_get(resource, "externalId")) if _get(resource, "externalId") is not None else None,
        active=bool(active),
        fields=fields,
        role=role,
        program_year=program_year,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def resource_of(participant: Mapping[str, Any], location: str) -> dict[str, Any]:
    """A participant as a SCIM User resource (core + enterprise + Mentorweb extension)."""
    p = participant
    return {
        "schemas": [CORE_USER, ENTERPRISE, MENTORWEB],
        "id": str(p["id"]),
        **({"externalId": p["external_id"]} if p.get("external_id") else {}),
        "userName": p["hr_id"],
        "name": {
            "givenName": p["given_name"],
            "familyName": p["family_name"],
            "formatted": f"{p['given_name']} {p['family_name']}",
        },
        "displayName": f"{p['given_name']} {p['family_name']}",
        "emails": [{"value": p["email"], "type": "work", "primary": True}],
        "preferredLanguage": p["language"],
        "active": p["status"] != "withdrawn",
        ENTERPRISE: {"employeeNumber": p["hr_id"], "organization": p["board"]},
        MENTORWEB: {
            **{attribute: p.get(field) for attribute, field in EXTENSION_FIELDS.items()},
            "status": p["status"],
        },
        "meta": {
            "resourceType": "User",
            "created": _iso(p.get("created_at")),
            "lastModified": _iso(p.get("updated_at")),
            "location": location,
            "version": f'W/"{p["revision"]}"',
        },
    }


def list_response(resources: list[dict[str, Any]], total: int, start_index: int) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
