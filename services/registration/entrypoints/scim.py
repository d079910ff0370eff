"""SCIM 2.0 /scim/v2 for HR systems and identity providers (RFC 7643/7644), on ``scim2-models``.

Authenticated with an ``hr_integration`` token scoped to its board (``province_admin`` also
allowed). Every answer, errors included, is ``application/scim+json`` in SCIM's own format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any, Union

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    Error,
    ETag,
    Filter,
    ForbiddenException,
    InvalidSyntaxException,
    InvalidValueException,
    ListResponse,
    Meta,
    NotFoundException,
    Patch,
    ResourceType,
    ResponseParameters,
    Schema,
    SCIMException,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
)

from services.registration.adapters.tables import Participant
from services.registration.domain.participants import current_program_year
from services.registration.domain.scim import (
    DEFAULT_IDENTITY,
    ENTERPRISE,
    SCIM_JSON,
    Identity,
    ScimUser,
    apply_patch,
    read_user,
    resource_of,
    scim_error,
    user_model,
    validated,
    with_active,
)
from services.registration.entrypoints.problems import problem_of
from services.registration.service_layer import provisioning
from services.registration.service_layer.errors import RegistrationError
from services.registration.service_layer.registering import theme_codes
from shared.auth import Principal, ensure_board, require_roles
from shared.db import UnitOfWork
from shared.problems import Problem
from shared.runtime import runtime_of

MAX_COUNT = 500


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, default=str), status_code=status, media_type=SCIM_JSON, headers=headers)


class ScimRoute(APIRoute):
    """Turns every error raised while handling a SCIM request (auth included) into a SCIM error body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                try:
                    return await handler(request)
                except RequestValidationError as exc:  # query parameters: SearchRequest's own checks
                    raise scim_error(exc.errors()) from None
            except SCIMException as error:
                return scim_response(error.to_error().model_dump(), error.status)
            except (Problem, RegistrationError) as error:
                problem = problem_of(error) if isinstance(error, RegistrationError) else error
                status = 400 if problem.status == 422 else problem.status
                scim_type = {409: "uniqueness", 422: "invalidValue"}.get(problem.status)
                body = Error(status=status, scim_type=scim_type, detail=problem.detail or problem.title)
                return scim_response(body.model_dump(), status, problem.headers)

        return scim_handler


router = APIRouter(prefix="/scim/v2", tags=["scim"], route_class=ScimRoute)
Provisioner = Annotated[Principal, Depends(require_roles("hr_integration", "province_admin"))]
# attributes/excludedAttributes (and, to list, filter, sortBy, startIndex, count) as scim2-models reads them.
Shown = Annotated[ResponseParameters[ScimUser], Query()]
Search = Annotated[SearchRequest[ScimUser], Query()]


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidSyntaxException(detail="The body is not valid JSON.") from exc


def _base(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}/scim/v2"


def _user(request: Request, participant: Participant, identity: Identity, scoped: bool = False) -> Any:
    location = f"{_base(request)}/Users/{participant.id}"
    return resource_of(participant.model_dump(), participant.scim_resource, identity, location, scoped)


def _scoped(principal: Principal) -> bool:
    return not principal.is_province_admin


def _answer(user: Any, context: Context, shown: Any, status: int = 200) -> Response:
    headers = {"ETag": user.meta.version}
    if status == 201:
        headers["Location"] = user.meta.location
    return scim_response(user.model_dump(scim_ctx=context, response_parameters=shown), status, headers)


async def _provisioned(uow: UnitOfWork, user: Any, identity: Identity, language: str) -> Any:
    return read_user(
        user,
        identity=identity,
        default_program_year=current_program_year(datetime.now(UTC).date()),
        default_language=language,
        known_themes=frozenset(await theme_codes(uow)),
    )


def _target_board(principal: Principal, user: Any) -> str:
    organization = user[f"{ENTERPRISE}:organization"]
    if principal.is_province_admin:
        if not organization:
            raise InvalidValueException(
                detail=f"{EnterpriseUser.__schema__}:organization (the board code) is required for province staff"
            )
        return str(organization)
    if principal.board is None:
        raise ForbiddenException(detail="This token is not scoped to a board.")
    if organization and str(organization) != principal.board:
        raise ForbiddenException(
            detail=f"organization: you may only provision users of board {principal.board}"
        )
    return principal.board


@router.get("/Users", summary="List, filter (whole RFC 7644 grammar), sort and page users")
async def list_users(request: Request, principal: Provisioner, search: Search) -> Response:
    start_index, count = (
        search.start_index or 1,
        min(100 if search.count is None else search.count, MAX_COUNT),
    )
    async with runtime_of(request).uow() as uow:
        total, users = await provisioning.find_users(
            uow,
            principal.visible_boards(),
            search.filter and str(search.filter),
            start_index=start_index,
            count=count,
            sort_by=search.sort_by and str(search.sort_by),
            descending=search.sort_order == SearchRequest.SortOrder.descending,
        )
        identities = {b: (await provisioning.board_settings(uow, b))[1] for b in {u.board for u in users}}
    resources = [_user(request, u, identities[u.board], _scoped(principal)) for u in users]
    models = tuple({type(r) for r in resources}) or (ScimUser,)
    listing = ListResponse[Union[models]](  # type: ignore[call-arg,valid-type]  # noqa: UP007
        total_results=total, start_index=start_index, items_per_page=len(resources), resources=resources
    )
    return scim_response(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search))


@router.post("/.search", summary="The same search as GET /Users, its parameters in a SearchRequest")
@router.post("/Users/.search", summary="The same search as GET /Users, its parameters in a SearchRequest")
async def search_users(request: Request, principal: Provisioner) -> Response:
    search = validated(SearchRequest[ScimUser], await _body(request), Context.SEARCH_REQUEST)  # type: ignore[misc]  # generic at run time
    return await list_users(request, principal, search)


@router.get("/Users/{user_id}")
async def read_one(
    user_id: str,
    request: Request,
    principal: Provisioner,
    shown: Shown,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    async with runtime_of(request).uow() as uow:
        participant = await provisioning.get_user(uow, principal.visible_boards(), user_id)
        _, identity = await provisioning.board_settings(uow, participant.board)
    user = _user(request, participant, identity, _scoped(principal))
    if if_none_match and user.meta.version in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": user.meta.version})
    return _answer(user, Context.RESOURCE_QUERY_RESPONSE, shown)


@router.post("/Users", status_code=201)
async def create_user(request: Request, principal: Provisioner, shown: Shown) -> Response:
    body = with_active(await _body(request))
    board = _target_board(principal, validated(ScimUser, body, Context.RESOURCE_CREATION_REQUEST))
    async with runtime_of(request).uow(board=board) as uow:
        language, identity = await provisioning.board_settings(uow, board)
        user = validated(user_model(identity, _scoped(principal)), body, Context.RESOURCE_CREATION_REQUEST)
        participant = await provisioning.create_user(
            uow, board, await _provisioned(uow, user, identity, language)
        )
    user = _user(request, participant, identity, _scoped(principal))
    return _answer(user, Context.RESOURCE_CREATION_RESPONSE, shown, 201)


@router.put("/Users/{user_id}")
async def replace_user(
    user_id: str,
    request: Request,
    principal: Provisioner,
    shown: Shown,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    body = await _body(request)
    async with runtime_of(request).uow() as uow:
        participant = await provisioning.get_user(
            uow, principal.visible_boards(), user_id, for_update=True, if_match=if_match
        )
        language, identity = await provisioning.board_settings(uow, participant.board)
        current = _user(request, participant, identity, _scoped(principal))
        # Clients that know nothing of Mentorweb's extension (or of active) keep those values.
        body = with_active(body, current.active)
        user = validated(user_model(identity, _scoped(principal)), body, Context.RESOURCE_REPLACEMENT_REQUEST)
        for extension in type(user).get_extension_models().values():
            if user[extension] is None:
                user[extension] = current[extension]
        provisioned = await _provisioned(uow, user, identity, participant.language)
        await provisioning.replace_user(uow, participant, provisioned, identity)
    user = _user(request, participant, identity, _scoped(principal))
    return _answer(user, Context.RESOURCE_REPLACEMENT_RESPONSE, shown)


@router.patch("/Users/{user_id}")
async def patch_user(
    user_id: str,
    request: Request,
    principal: Provisioner,
    shown: Shown,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    body = await _body(request)
    async with runtime_of(request).uow() as uow:
        participant = await provisioning.get_user(
            uow, principal.visible_boards(), user_id, for_update=True, if_match=if_match
        )
        _, identity = await provisioning.board_settings(uow, participant.board)
        user = _user(request, participant, identity, _scoped(principal))
        apply_patch(user, body)
        provisioned = await _provisioned(uow, user, identity, participant.language)
        await provisioning.replace_user(uow, participant, provisioned, identity)
    user = _user(request, participant, identity, _scoped(principal))
    return _answer(user, Context.RESOURCE_PATCH_RESPONSE, shown)


@router.delete("/Users/{user_id}", status_code=204)
async def delete_user(
    user_id: str, request: Request, principal: Provisioner, if_match: Annotated[str | None, Header()] = None
) -> Response:
    async with runtime_of(request).uow() as uow:
        participant = await provisioning.get_user(
            uow, principal.visible_boards(), user_id, for_update=True, if_match=if_match
        )
        await provisioning.delete_user(uow, participant)
    return Response(status_code=204)


# ---------------------------------------------------------------- discovery (RFC 7644 §4)


async def _discovery(request: Request, principal: Principal) -> tuple[ResourceType, list[Schema]]:
    """The User resource type and its schemas as the caller's board reads them: its HR identifier
    is a required attribute."""
    identity = DEFAULT_IDENTITY
    if principal.board is not None:
        async with runtime_of(request).uow() as uow:
            identity = (await provisioning.board_settings(uow, principal.board))[1]
    user = user_model(identity, _scoped(principal))
    resource_type = ResourceType.from_resource(user)
    for extension in resource_type.schema_extensions or []:
        extension.required = identity == "employeeNumber" and extension.schema_ == ENTERPRISE
    resource_type.description = "A participant: beginning teacher, new school leader or mentor"
    resource_type.meta = Meta(resource_type="ResourceType", location=f"{_base(request)}/ResourceTypes/User")
    schemas = [model.to_schema() for model in (user, *user.get_extension_models().values())]
    for schema in schemas:
        schema.meta = Meta(resource_type="Schema", location=f"{_base(request)}/Schemas/{schema.id}")
    return resource_type, schemas


def _listing(kind: Any, resources: list[Any]) -> Response:
    listing = ListResponse[kind](  # type: ignore[call-arg,valid-type]  # a resource type chosen at run time
        total_results=len(resources), start_index=1, items_per_page=len(resources), resources=resources
    )
    return scim_response(listing.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _one(key: str, resources: list[Any]) -> Response:
    """The discovery resource of that id (a name or a URN, compared ignoring case), or 404."""
    found = next((r for r in resources if str(r.id).lower() == key.lower()), None)
    if found is None:
        raise NotFoundException(detail=f"No {key} here.")
    return scim_response(found.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@router.get("/ServiceProviderConfig")
async def service_provider_config(request: Request, principal: Provisioner) -> Response:
    config = ServiceProviderConfig(
        documentation_uri="https://github.com/mentorweb/mentorweb/tree/main/services/registration",
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=True),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="OAuth Bearer Token",
                description="A Mentorweb hr_integration JWT scoped to one board.",
                primary=True,
            )
        ],
        meta=Meta(resource_type="ServiceProviderConfig", location=f"{_base(request)}/ServiceProviderConfig"),
    )
    return scim_response(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@router.get("/ResourceTypes")
async def resource_types(request: Request, principal: Provisioner) -> Response:
    return _listing(ResourceType, [(await _discovery(request, principal))[0]])


@router.get("/ResourceTypes/{key}")
async def resource_type(key: str, request: Request, principal: Provisioner) -> Response:
    return _one(key, [(await _discovery(request, principal))[0]])


@router.get("/Schemas")
async def schemas(request: Request, principal: Provisioner) -> Response:
    return _listing(Schema, (await _discovery(request, principal))[1])


@router.get("/Schemas/{key}")
async def schema(key: str, request: Request, principal: Provisioner) -> Response:
    return _one(key, (await _discovery(request, principal))[1])


@router.api_route(
    "/{anything:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def unknown(anything: str, request: Request, principal: Provisioner) -> Response:
    first = anything.strip("/").split("/")[0]
    if first in ("Users", "ServiceProviderConfig", "ResourceTypes", "Schemas"):
        detail = f"{request.method} is not allowed on /{anything}."
        return scim_response(Error(status=405, detail=detail).model_dump(), 405)
    raise NotFoundException(detail=f"No SCIM endpoint /{anything}.")


# ---------------------------------------------------------------- the board's mapping

settings = APIRouter(prefix="/v1/boards", tags=["scim"])
BoardAdmin = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]


class ScimIdentity(BaseModel):
    """Which SCIM attribute carries the board's HR identifier."""

    identity: Identity


@settings.get("/{code}/scim-identity", response_model=ScimIdentity)
async def read_identity(code: str, request: Request, principal: BoardAdmin) -> ScimIdentity:
    ensure_board(principal, code)
    async with runtime_of(request).uow() as uow:
        try:
            _, identity = await provisioning.board_settings(uow, code)
        except InvalidValueException:
            raise Problem(404, "Not found", "No such board.") from None
    return ScimIdentity(identity=identity)


@settings.put("/{code}/scim-identity", response_model=ScimIdentity)
async def write_identity(
    code: str, body: ScimIdentity, request: Request, principal: BoardAdmin
) -> ScimIdentity:
    ensure_board(principal, code)
    async with runtime_of(request).uow(board=code) as uow:
        try:
            await provisioning.set_identity(uow, code, body.identity)
        except NotFoundException:
            raise Problem(404, "Not found", "No such board.") from None
    return body
