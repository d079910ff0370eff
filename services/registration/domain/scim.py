"""SCIM 2.0 (RFC 7643/7644) Users as Mentorweb participants, on ``scim2-models``.

The resources, PatchOp, ListResponse and Error messages are scim2-models' own; this module only
says how a User maps onto a participant (documented in the service README):

- the HR identifier (``hr_id``) is carried by the attribute the board chose (:data:`IDENTITIES`):
  the enterprise ``employeeNumber`` by default, or ``externalId`` or ``userName``. The others are
  independent values, so ``userName`` may be the email and may change without changing the person;
- enterprise ``organization`` is the board code; ``name.givenName``/``familyName``, the primary (or
  first) ``emails`` value, ``preferredLanguage`` (``fr-CA`` → fr) and ``active`` map directly;
- Mentorweb's own fields travel in :class:`MentorwebParticipant` (role, programYear, themes ...);
- every other attribute the provider sends (phone numbers, title, ...) is kept as it was sent.

Pure: the service layer loads and stores participants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import EmailStr, Field, ValidationError
from pydantic.alias_generators import to_camel
from scim2_models import (
    URN,
    CaseExact,
    Context,
    Email,
    EnterpriseUser,
    Error,
    Extension,
    InvalidSyntaxException,
    InvalidValueException,
    Meta,
    Mutability,
    MutabilityException,
    Name,
    PatchOp,
    Required,
    Returned,
    SCIMException,
    Uniqueness,
    User,
)

from services.registration.domain.imports import LIST_LIMITS, TEXT_LIMITS, normalise_email, valid_program_year
from services.registration.domain.participants import validate_participant
from shared.events.vocabulary import DEFAULT_THEMES, GRADE_BANDS, LANGUAGES, ROLES

MENTORWEB = "urn:mentorweb:params:scim:schemas:extension:participant:1.0:User"
ENTERPRISE = str(EnterpriseUser.__schema__)
SCIM_JSON = "application/scim+json"

Identity = Literal["employeeNumber", "externalId", "userName"]
IDENTITIES: tuple[Identity, ...] = ("employeeNumber", "externalId", "userName")
# HR systems and identity providers send the staff number as employeeNumber (Entra ID's employeeId
# mapping, Workday's worker id); userName is usually the sign-in email, which changes.
DEFAULT_IDENTITY: Identity = "employeeNumber"


class MentorwebParticipant(Extension):
    """What Mentorweb needs to know about a participant beyond the core and enterprise schemas."""

    __schema__ = URN(MENTORWEB)

    # Canonical values (published in /Schemas) are the program's codes; themes are the default ones.
    role: Annotated[str | None, Mutability.immutable] = Field(None, examples=list(ROLES))
    program_year: Annotated[str | None, Mutability.immutable] = Field(
        None, description="e.g. 2026-2027; the current one when absent"
    )
    school: str | None = None
    grade_band: str | None = Field(None, examples=list(GRADE_BANDS))
    subjects: list[str] | None = None
    themes: list[str] | None = Field(None, examples=list(DEFAULT_THEMES))
    learning_goals: str | None = Field(None, description="beginning teachers and new school leaders only")
    expertise_themes: list[str] | None = Field(
        None, examples=list(DEFAULT_THEMES), description="mentors only"
    )
    trained: bool | None = None
    hub_capacity: int | None = Field(None, description="mentors: 0 to 10 hubs")
    one_to_one_capacity: int | None = None
    leads_school_leaders: bool | None = None
    evaluates_hr_ids: list[str] | None = None
    status: Annotated[str | None, Mutability.read_only, Returned.default] = Field(
        None, description="registered or withdrawn"
    )


class MentorwebName(Name):
    given_name: Annotated[str | None, Required.true] = None
    family_name: Annotated[str | None, Required.true] = None


class MentorwebEmail(Email):
    value: Annotated[EmailStr | None, Required.true] = None


class MentorwebUser(User):
    """The core User as Mentorweb reads it: a person has a name and an email, and is active or not
    (a request that leaves ``active`` out is read as active: see :func:`with_active`)."""

    active: Annotated[bool | None, Required.true] = None
    name: Annotated[MentorwebName | None, Required.true] = None  # type: ignore[assignment]  # narrows scim2-models' field
    emails: Annotated[list[MentorwebEmail] | None, Required.true] = None  # type: ignore[assignment]  # narrows scim2-models' field


class ExternalIdUser(MentorwebUser):
    external_id: Annotated[str | None, Mutability.immutable, Required.true, CaseExact.true] = None


class UserNameUser(MentorwebUser):
    user_name: Annotated[str | None, Mutability.immutable, Uniqueness.server, Required.true] = None


@cache
def user_model(identity: Identity, board_scoped: bool = False) -> Any:
    """The User a board reads and publishes in /Schemas: its HR identifier is required and immutable;
    a board-scoped caller's organization is its own board, so there it is read-only."""
    hr_number = identity == "employeeNumber"

    class BoardEnterpriseUser(EnterpriseUser):
        employee_number: Annotated[
            str | None,
            Mutability.immutable if hr_number else Mutability.read_write,
            Required.true if hr_number else Required.false,
        ] = None
        organization: Annotated[
            str | None, Mutability.read_only if board_scoped else Mutability.immutable
        ] = None

    core: Any = {"employeeNumber": MentorwebUser, "externalId": ExternalIdUser, "userName": UserNameUser}[
        identity
    ]
    return core[Union[BoardEnterpriseUser, MentorwebParticipant]]  # noqa: UP007


USER_MODELS: dict[Identity, Any] = {identity: user_model(identity) for identity in IDENTITIES}
ScimUser = USER_MODELS["userName"]


# Each attribute of Mentorweb's extension is the participant field of that name (but status, which
# Mentorweb sets); the value it takes when a provider sends none.
EXTENSION_DEFAULTS: dict[str, Any] = {
    "role": "beginning_teacher",
    "subjects": [],
    "themes": [],
    "expertise_themes": [],
    "trained": False,
    "hub_capacity": 0,
    "one_to_one_capacity": 0,
    "leads_school_leaders": False,
    "evaluates_hr_ids": [],
}
EXTENSION_FIELDS = [name for name in MentorwebParticipant.model_fields if name not in ("schemas", "status")]


def scim_error(errors: Any) -> SCIMException:
    """Pydantic's errors as one SCIM error: the first one's type, with every detail."""
    found = Error.from_validation_errors(errors)
    return SCIMException.from_error(
        found[0].model_copy(update={"detail": "; ".join(e.detail or "" for e in found)})
    )


def validated(model: Any, body: Any, context: Context) -> Any:
    """``model`` read from a request body in ``context``; the first problem is the SCIM error."""
    if not isinstance(body, Mapping):
        raise InvalidValueException(detail="The body must be a JSON object.")
    try:
        return model.model_validate(body, scim_ctx=context)
    except ValidationError as exc:
        raise scim_error(exc) from None


OPS = ("add", "replace", "remove")


def with_active(body: Any, default: bool = True) -> Any:
    """Mentorweb always knows whether a person is active; a request that does not say keeps ``default``."""
    if isinstance(body, Mapping) and not any(str(k).lower() == "active" for k in body):
        return {**body, "active": default}
    return body


def apply_patch(user: Any, body: Any) -> None:
    """Apply a PatchOp request (RFC 7644 §3.5.2) to ``user`` in place; atomic, as the RFC asks."""
    operations = body.get("Operations") if isinstance(body, Mapping) else None
    for operation in operations if isinstance(operations, list) else []:
        # An op outside RFC 7644's three is a malformed message, not a bad value.
        if not isinstance(operation, Mapping) or str(operation.get("op", "")).lower() not in OPS:
            raise InvalidSyntaxException(detail="each operation's op must be add, replace or remove")
    patch = validated(PatchOp[type(user)], body, Context.RESOURCE_PATCH_REQUEST)  # type: ignore[misc]  # scim2-models is generic at run time
    patch.patch(user)


# ---------------------------------------------------------------- mapping


@dataclass
class Provisioned:
    """What a SCIM User resource says about a participant."""

    hr_id: str
    user_name: str
    organization: str | None
    external_id: str | None
    active: bool
    fields: dict[str, Any]
    role: str
    program_year: str
    # The resource as sent, without what Mentorweb keeps in its own columns: returned as it was.
    kept: dict[str, Any] = field(default_factory=dict)


def _language(user: Any, default: str) -> str:
    for value in (user.preferred_language, user.locale):
        if isinstance(value, str) and value.strip()[:2].lower() in LANGUAGES:
            return value.strip()[:2].lower()
    return default


def _email(user: Any) -> str | None:
    emails = user.emails or []
    chosen = next((e for e in emails if e.primary), emails[0] if emails else None)
    return str(chosen.value) if chosen is not None and chosen.value else None


def identity_of(user: Any, identity: Identity) -> str | None:
    """The HR identifier ``user`` carries under the board's ``identity`` setting."""
    if identity == "employeeNumber":
        value = user[f"{ENTERPRISE}:employeeNumber"]
    elif identity == "externalId":
        value = user.external_id
    else:
        value = user.user_name
    return value.strip() if isinstance(value, str) and value.strip() else None


def _identity_name(identity: Identity) -> str:
    return f"{ENTERPRISE}:employeeNumber" if identity == "employeeNumber" else identity


def read_user(
    user: Any,
    *,
    identity: Identity,
    default_program_year: str,
    default_language: str,
    known_themes: frozenset[str],
) -> Provisioned:
    """Check a User against Mentorweb's rules; any problem is a 400 invalidValue naming the attribute."""
    hr_id = identity_of(user, identity)
    if hr_id is None:
        raise InvalidValueException(
            detail=f"{_identity_name(identity)}: required (this board's HR identifier)"
        )
    problems: list[str] = []
    if not user.user_name or not user.user_name.strip():
        problems.append("userName: required")
    organization = user[f"{ENTERPRISE}:organization"]
    name = user.name or Name()
    fields: dict[str, Any] = {}
    for attribute, column in (("given_name", "given_name"), ("family_name", "family_name")):
        value = getattr(name, attribute)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"name.{'givenName' if attribute == 'given_name' else 'familyName'}: required")
            value = ""
        fields[column] = value.strip()
    email = _email(user)
    if email is None or normalise_email(email) is None:
        problems.append("emails: a valid email address is required")
    else:
        fields["email"] = normalise_email(email)
    fields["language"] = _language(user, default_language)
    ours = user[MentorwebParticipant] or MentorwebParticipant()
    for column in EXTENSION_FIELDS:
        value = getattr(ours, column)
        fields[column] = EXTENSION_DEFAULTS.get(column) if value is None or value == "" else value
    if fields["program_year"] is None:
        fields["program_year"] = default_program_year
    if not valid_program_year(str(fields["program_year"])):
        problems.append("programYear: must look like 2026-2027")
    for column, limit in LIST_LIMITS.items():
        if len(fields.get(column) or []) > limit:
            problems.append(f"{to_camel(column)}: at most {limit} values")
    for column, limit in TEXT_LIMITS.items():
        if column != "hr_id" and len(fields.get(column) or "") > limit:
            problems.append(f"{to_camel(column)}: at most {limit} characters")
    if len(hr_id) > TEXT_LIMITS["hr_id"]:
        problems.append(f"{_identity_name(identity)}: at most {TEXT_LIMITS['hr_id']} characters")
    if not 0 <= int(fields["hub_capacity"]) <= 10:
        problems.append("hubCapacity: must be between 0 and 10")
    if not problems:
        problems.extend(
            f"{to_camel(p.field)}: {p.message}" for p in validate_participant(fields, known_themes)
        )
    if problems:
        raise InvalidValueException(detail="; ".join(problems))
    kept = user.model_dump(scim_ctx=None, by_alias=True, exclude_none=True, mode="json")
    for owned in ("id", "meta", "active", "externalId", MENTORWEB, "schemas", "password"):
        kept.pop(owned, None)
    return Provisioned(
        hr_id=hr_id,
        user_name=user.user_name.strip(),
        organization=organization.strip() if isinstance(organization, str) else None,
        external_id=user.external_id,
        active=user.active is not False,
        fields=fields,
        role=fields.pop("role"),
        program_year=fields.pop("program_year"),
        kept=kept,
    )


def check_unchanged(provisioned: Provisioned, participant: Mapping[str, Any], identity: Identity) -> None:
    """PUT or PATCH: the HR identifier, board, role and program year are immutable here."""
    immutable = [
        (_identity_name(identity), provisioned.hr_id, participant["hr_id"]),
        ("organization", provisioned.organization or participant["board"], participant["board"]),
        ("role", provisioned.role, participant["role"]),
        ("programYear", provisioned.program_year, participant["program_year"]),
    ]
    for name, wanted, current in immutable:
        if wanted != current:
            raise MutabilityException(
                detail=f"{name} cannot change (it is {current!r}); deactivate this user and create another"
            )


def resource_of(
    participant: Mapping[str, Any],
    kept: Mapping[str, Any] | None,
    identity: Identity,
    location: str,
    board_scoped: bool = False,
) -> Any:
    """A participant as a SCIM User: what the provider sent, with Mentorweb's values laid over it."""
    p = participant
    user = user_model(identity, board_scoped).model_validate(dict(kept or {}), scim_ctx=None)
    user.id = str(p["id"])
    user.external_id = p.get("external_id")
    user.user_name = p["hr_id"] if identity == "userName" else user.user_name or p["hr_id"]
    name = user.name or MentorwebName()
    name.given_name, name.family_name = p["given_name"], p["family_name"]
    name.formatted = name.formatted or f"{p['given_name']} {p['family_name']}"
    user.name = name
    if not any(str(e.value).lower() == p["email"].lower() for e in user.emails or []):
        user.emails = [MentorwebEmail(value=p["email"], type="work", primary=True)]
    # A value Mentorweb cannot read as en/fr is returned as sent; one it reads differently is updated.
    if not (user.preferred_language or user.locale) or _language(user, "") not in ("", p["language"]):
        user.preferred_language = p["language"]
    user.active = p["status"] != "withdrawn"
    if identity == "employeeNumber":
        user[f"{ENTERPRISE}:employeeNumber"] = p["hr_id"]
    # The board travels with the enterprise values; a user without any has no enterprise extension.
    enterprise = user[EnterpriseUser]
    if enterprise is not None and enterprise.model_dump(exclude_none=True, exclude={"schemas"}):
        enterprise.organization = enterprise.organization or p["board"]
    user[MentorwebParticipant] = MentorwebParticipant(
        **{column: p.get(column) for column in EXTENSION_FIELDS}, status=p["status"]
    )
    user.meta = Meta(
        resource_type="User",
        created=p.get("created_at"),
        last_modified=p.get("updated_at"),
        location=location,
        version=etag(p["revision"]),
    )
    return user


def etag(revision: int) -> str:
    return f'W/"{revision}"'
