"""SCIM provisioning use cases: HR or an identity provider creates, changes and deactivates people.

Each function runs inside the caller's unit of work; events go through the outbox like any other
registration change (TeacherRegistered/MentorRegistered, ParticipantUpdated, ParticipantWithdrawn).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import cast

from scim2_models import (
    InvalidValueException,
    NotFoundException,
    PreconditionFailedException,
    UniquenessException,
)

from services.registration.adapters.repository import repositories
from services.registration.adapters.tables import Board, Participant
from services.registration.domain.scim import (
    DEFAULT_IDENTITY,
    IDENTITIES,
    Identity,
    Provisioned,
    check_unchanged,
    etag,
)
from services.registration.service_layer import registering
from shared.db import UnitOfWork

DEACTIVATED = "deactivated through SCIM"
DELETED = "deleted through SCIM"


async def board_settings(uow: UnitOfWork, board: str) -> tuple[str, Identity]:
    """The board's language and the attribute carrying its HR identifier."""
    found = await repositories(uow).boards.get(board)
    if found is None:
        raise InvalidValueException(detail=f"organization: no board {board!r}")
    identity = found.scim_identity if found.scim_identity in IDENTITIES else DEFAULT_IDENTITY
    return found.language, cast(Identity, identity)


async def set_identity(uow: UnitOfWork, board: str, identity: str) -> Board:
    """A board chooses which SCIM attribute carries its HR identifier."""
    repo = repositories(uow).boards
    found = await repo.get(board, lock=True)
    if found is None:
        raise NotFoundException(detail=f"No board {board!r}.")
    if identity not in IDENTITIES:
        raise InvalidValueException(detail=f"identity: must be one of {', '.join(IDENTITIES)}")
    found.scim_identity = identity
    await repo.flush()
    await uow.commit()
    return found


async def find_users(
    uow: UnitOfWork,
    boards: Sequence[str] | None,
    filter: str | None,
    *,
    start_index: int,
    count: int,
    sort_by: str | None = None,
    descending: bool = False,
) -> tuple[int, list[Participant]]:
    """Participants visible to the caller matching the SCIM filter; SCIM's 1-based paging."""
    return await repositories(uow).scim_users.find(
        boards, filter, start_index=start_index, count=count, sort_by=sort_by, descending=descending
    )


async def get_user(
    uow: UnitOfWork,
    boards: Sequence[str] | None,
    user_id: str,
    *,
    for_update: bool = False,
    if_match: str | None = None,
) -> Participant:
    """The user, or 404 (also for another board's user and for deleted ones); 412 if If-Match differs."""
    try:
        participant_id = uuid.UUID(user_id)
    except ValueError:
        raise NotFoundException(detail=f"User {user_id} not found.") from None
    participant = await repositories(uow).scim_users.get(participant_id, boards, lock=for_update)
    if participant is None:
        raise NotFoundException(detail=f"User {user_id} not found.")
    if if_match is not None and if_match.strip() != "*":
        wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
        if etag(participant.revision).removeprefix("W/") not in wanted:
            raise PreconditionFailedException(
                detail=f"User {user_id} changed since you read it (version {etag(participant.revision)})."
            )
    return participant


async def _check_user_name(uow: UnitOfWork, board: str, user_name: str, other_than: uuid.UUID | None) -> None:
    if await repositories(uow).scim_users.user_name_taken(board, user_name, other_than):
        raise UniquenessException(detail=f"userName {user_name!r} is taken by another user of this board.")


async def _keep(uow: UnitOfWork, participant: Participant, user: Provisioned) -> None:
    """The provider's own values (external id, userName, phone numbers ...): a new version if changed."""
    if participant.external_id == user.external_id and participant.scim_resource == user.kept:
        return
    participant.external_id = user.external_id
    participant.scim_resource = user.kept
    participant.revision += 1
    await repositories(uow).participants.save(participant)


async def create_user(uow: UnitOfWork, board: str, user: Provisioned) -> Participant:
    """POST /Users. A user deleted earlier through SCIM and created again is reinstated (same id)."""
    existing = await repositories(uow).scim_users.by_hr_id(board, user.program_year, user.hr_id)
    if existing is not None and existing.deprovisioned_at is None:
        raise UniquenessException(
            detail=f"A user with HR identifier {user.hr_id!r} exists in {user.program_year}."
        )
    await _check_user_name(uow, board, user.user_name, existing.id if existing else None)
    if existing is not None:
        check_unchanged(user, {**existing.model_dump(), "hr_id": user.hr_id}, "employeeNumber")
        await registering.update_participant(uow, existing, user.fields)
        await registering.reinstate_participant(uow, existing)
        participant = existing
    else:
        participant = await registering.register_participant(
            uow,
            {
                "board": board,
                "program_year": user.program_year,
                "hr_id": user.hr_id,
                "role": user.role,
                **user.fields,
            },
        )
    participant.external_id = user.external_id
    participant.scim_resource = user.kept
    await repositories(uow).scim_users.save(participant)
    if not user.active:
        await registering.withdraw_participant(uow, participant, DEACTIVATED)
    await uow.commit()
    return participant


async def replace_user(
    uow: UnitOfWork, participant: Participant, user: Provisioned, identity: Identity
) -> Participant:
    """PUT or PATCH: the HR identifier, board, role and program year are immutable here."""
    check_unchanged(user, participant.model_dump(), identity)
    await _check_user_name(uow, participant.board, user.user_name, participant.id)
    await registering.update_participant(uow, participant, user.fields)
    await _keep(uow, participant, user)
    if user.active and participant.status == "withdrawn":
        await registering.reinstate_participant(uow, participant)
    elif not user.active and participant.status != "withdrawn":
        await registering.withdraw_participant(uow, participant, DEACTIVATED)
    await uow.commit()
    return participant


async def delete_user(uow: UnitOfWork, participant: Participant) -> None:
    """DELETE: the participant is withdrawn (history kept); the SCIM resource is gone from now on."""
    await registering.withdraw_participant(uow, participant, DELETED)
    await repositories(uow).scim_users.save(participant, deprovisioned=True)
    await uow.commit()
