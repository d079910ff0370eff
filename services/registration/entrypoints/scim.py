"""SCIM 2.0 /scim/v2/Users for HR systems and identity providers (RFC 7643/7644).

Authenticated with an ``hr_integration`` token scoped to its board (``province_admin`` also
allowed). Every answer, errors included, is ``application/scim+json`` in SCIM's own format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from services.registration.adapters.tables import Participant
from services.registration.domain.participants import current_program_year
from services.registration.domain.scim import (
    CORE_USER,
    ENTERPRISE,
    MENTORWEB,
    SCIM_JSON,
    ScimError,
    apply_patch,
    list_response,
    parse_filter,
    resource_of,
    user_from_resource,
)
from services.registration.service_layer import provisioning
from services.registration.service_layer.registering import theme_codes
from shared.auth import Principal, require_roles
from shared.db import UnitOfWork
from shared.problems import Problem
from shared.runtime import runtime_of


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, default=str), status_code=status, media_type=SCIM_JSON, headers=headers)


def _from_problem(problem: Problem) -> ScimError:
    if problem.status == 409:
        return ScimError(409, problem.detail or problem.title, "uniqueness")
    if problem.status == 422:
        return ScimError(400, problem.detail or problem.title, "invalidValue")
    return ScimError(problem.status, problem.detail or problem.title)


class ScimRoute(APIRoute):
    """Turns every error raised while handling a SCIM request (auth included) into a SCIM error body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ScimError as error:
                return scim_response(error.body(), error.status)
            except Problem as problem:
                error = _from_problem(problem)
                return scim_response(error.body(), error.status, problem.headers)
            except RequestValidationError as exc:
                detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
                return scim_response(ScimError(400, detail, "invalidValue").body(), 400)

        return scim_handler


router = APIRouter(prefix="/scim/v2", tags=["scim"], route_class=ScimRoute)
Provisioner = Annotated[Principal, Depends(require_roles("hr_integration", "province_admin"))]
MAX_COUNT = 500


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ScimError(400, "The body is not valid JSON.", "invalidSyntax") from exc


def _location(request: Request, participant: Participant) -> str:
    return f"{str(request.base_url).rstrip('/')}/scim/v2/Users/{participant.id}"


def _resource(request: Request, participant: Participant) -> dict[str, Any]:
    return resource_of(participant.model_dump(), _location(request, participant))


async def _read_user(uow: UnitOfWork, body: Any, board: str):  # type: ignore[no-untyped-def]
    return user_from_resource(
        body,
        default_program_year=current_program_year(datetime.now(UTC).date()),
        default_language=await provisioning.board_language(uow, board),
        known_themes=frozenset(await theme_codes(uow)),
    )


def _target_board(principal: Principal, body: Any) -> str:
    enterprise = (
        next((v for k, v in body.items() if k.lower() == ENTERPRISE.lower()), None)
        if isinstance(body, dict)
        else None
    )
    organization = None
    if isinstance(enterprise, dict):
        organization = next((v for k, v in enterprise.items() if k.lower() == "organization"), None)
    if principal.is_province_admin:
        if not organization:
            raise ScimError(
                400,
                f"{ENTERPRISE}:organization (the board code) is required for province staff",
                "invalidValue",
            )
        return str(organization)
    if principal.board is None:
        raise ScimError(403, "This token is not scoped to a board.")
    if organization and str(organization) != principal.board:
        raise ScimError(403, f"organization: you may only provision users of board {principal.board}")
    return principal.board


@router.get("/Users", summary="List or filter users (userName, externalId, emails.value, active eq ...)")
async def list_users(
    request: Request,
    principal: Provisioner,
    filter: str | None = None,
    start_index: Annotated[int, Query(alias="startIndex")] = 1,
    count: int = 100,
) -> Response:
    comparisons = parse_filter(filter) if filter is not None else []
    start_index = max(start_index, 1)
    count = min(max(count, 0), MAX_COUNT)
    async with runtime_of(request).uow() as uow:
        total, users = await provisioning.find_users(
            uow, principal.visible_boards(), comparisons, start_index=start_index, count=count
        )
        return scim_response(list_response([_resource(request, u) for u in users], total, start_index))


@router.get("/Users/{user_id}")
async def read_user(user_id: str, request: Request, principal: Provisioner) -> Response:
    async with runtime_of(request).uow() as uow:
        participant = await provisioning.get_user(uow, principal.visible_boards(), user_id)
        resource = _resource(request, participant)
    return scim_response(resource, headers={"ETag": resource["meta"]["version"]})


@router.post("/Users", status_code=201)
async def create_user(request: Request, principal: Provisioner) -> Response:
    body = await _body(request)
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a User object.", "invalidSyntax")
    board = _target_board(principal, body)
    async with runtime_of(request).uow(board=board) as uow:
        user = await _read_user(uow, body, board)
        participant = await provisioning.create_user(uow, board, user)
        await uow.commit()
        resource = _resource(request, participant)
    return scim_response(
        resource, 201, headers={"Location": resource["meta"]["location"], "ETag": resource["meta"]["version"]}
    )


def _keep_unsent(current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """PUT from clients that know nothing of Mentorweb's extension (or of active) keeps those values."""
    merged = dict(body)
    keys = {k.lower() for k in body}
    for name in (MENTORWEB, "active"):
        if name.lower() not in keys:
            merged[name] = current[name]
    if ENTERPRISE.lower() not in keys:
        merged[ENTERPRISE] = current[ENTERPRISE]
    return merged


@router.put("/Users/{user_id}")
async def replace_user(user_id: str, request: Request, principal: Provisioner) -> Response:
    body = await _body(request)
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a User object.", "invalidSyntax")
    async with runtime_of(request).uow() as uow:
        participant = await provisioning.get_user(uow, principal.visible_boards(), user_id, for_update=True)
        merged = _keep_unsent(_resource(request, participant), body)
        user = await _read_user(uow, merged, participant.board)
        await provisioning.replace_user(uow, participant, user)
        await uow.commit()
        resource = _resource(request, participant)
    return scim_response(resource, headers={"ETag": resource["meta"]["version"]})


@router.patch("/Users/{user_id}")
async def patch_user(user_id: str, request: Request, principal: Provisioner) -> Response:
    body = await _body(request)
    async with runtime_of(request).uow() as uow:
        participant = await provisioning.get_user(uow, principal.visible_boards(), user_id, for_update=True)
        patched = apply_patch(_resource(request, participant), body)
        user = await _read_user(uow, patched, participant.board)
        await provisioning.replace_user(uow, participant, user)
        await uow.commit()
        resource = _resource(request, participant)
    return scim_response(resource, headers={"ETag": resource["meta"]["version"]})


@router.delete("/Users/{user_id}", status_code=204)
async def delete_user(user_id: str, request: Request, principal: Provisioner) -> Response:
    async with runtime_of(request).uow() as uow:
        participant = await provisioning.get_user(uow, principal.visible_boards(), user_id, for_update=True)
        await provisioning.delete_user(uow, participant)
        await uow.commit()
    return Response(status_code=204)


@router.get("/ServiceProviderConfig")
async def service_provider_config(principal: Provisioner) -> Response:
    return scim_response(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "https://github.com/mentorweb/mentorweb/tree/main/services/registration",
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": MAX_COUNT},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "OAuth Bearer Token",
                    "description": "A Mentorweb hr_integration JWT scoped to one board.",
                }
            ],
        }
    )


@router.get("/ResourceTypes")
async def resource_types(principal: Provisioner) -> Response:
    return scim_response(
        list_response(
            [
                {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                    "id": "User",
                    "name": "User",
                    "endpoint": "/Users",
                    "schema": CORE_USER,
                    "schemaExtensions": [
                        {"schema": ENTERPRISE, "required": False},
                        {"schema": MENTORWEB, "required": False},
                    ],
                }
            ],
            1,
            1,
        )
    )
