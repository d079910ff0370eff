"""SCIM provisioning use cases: HR or an identity provider creates, changes and deactivates people.

Each function runs inside the caller's unit of work; events go through the outbox like any other
registration change (TeacherRegistered/MentorRegistered, ParticipantUpdated, ParticipantWithdrawn).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from scim2_models import (
    InvalidValueException,
    NotFoundException,
    PreconditionFailedException,
    UniquenessException,
)

from services.registration.adapters import scim_filter
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
    found = await uow.session.get(Board, board)
    if found is None:
        raise InvalidValueException(detail=f"organization: no board {board!r}")
    identity = found.scim_identity if found.scim_identity in IDENTITIES else DEFAULT_IDENTITY
    return found.language, cast(Identity, identity)


async def set_identity(uow: UnitOfWork, board: str, identity: str) -> Board:
    """A board chooses which SCIM attribute carries its HR identifier."""
    found = await uow.session.get(Board, board, with_for_update=True)
    if found is None:
        raise NotFoundException(detail=f"No board {board!r}.")
    if identity not in IDENTITIES:
        raise InvalidValueException(detail=f"identity: must be one of {', '.join(IDENTITIES)}")
    found.scim_identity = identity
    await uow.session.flush()
    await uow.commit()
    return found


def _visible(boards: Sequence[str] | None) -> list[sa.ColumnElement[bool]]:
    filters = [Participant.deprovisioned_at.is_(None)]  # type: ignore[union-attr]
    if boards is not None:
        filters.append(Participant.board.in_(boards))  # type: ignore[attr-defined]
    return filters


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
    filters: list[Any] = _visible(boards)
    if filter is not None:
        filters.append(scim_filter.where(filter))
    total = (
        await uow.session.execute(sa.select(sa.func.count()).select_from(Participant).where(*filters))
    ).scalar_one()
    if count == 0:
        return total, []
    order: list[Any] = []
    if sort_by:
        key = scim_filter.order_by(sort_by)
        order.append(sa.desc(key) if descending else sa.asc(key))
    order += [Participant.created_at, Participant.id]
    rows = (
        await uow.session.execute(
            sa.select(Participant).where(*filters).order_by(*order).offset(start_index - 1).limit(count)
        )
    ).scalars()
    return total, list(rows)


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
    query = sa.select(Participant).where(Participant.id == participant_id, *_visible(boards))  # type: ignore[arg-type]
    if for_update:
        query = query.with_for_update()
    participant = (await uow.session.execute(query)).scalar_one_or_none()
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
    taken = sa.func.lower(sa.func.coalesce(Participant.scim_resource["userName"].astext, Participant.hr_id))  # type: ignore[index]
    query = sa.select(Participant.id).where(
        Participant.board == board,  # type: ignore[arg-type]
        Participant.deprovisioned_at.is_(None),  # type: ignore[union-attr]
        taken == user_name.lower(),
    )
    if other_than is not None:
        query = query.where(Participant.id != other_than)  # type: ignore[arg-type]
    if (await uow.session.execute(query.limit(1))).first() is not None:
        raise UniquenessException(detail=f"userName {user_name!r} is taken by another user of this board.")


async def _keep(uow: UnitOfWork, participant: Participant, user: Provisioned) -> None:
    """The provider's own values (external id, userName, phone numbers ...): a new version if changed."""
    if participant.external_id == user.external_id and participant.scim_resource == user.kept:
        return
    participant.external_id = user.external_id
    participant.scim_resource = user.kept
    participant.revision += 1
    participant.updated_at = sa.func.now()  # type: ignore[assignment]
    await uow.session.flush()
    await uow.session.refresh(participant)


async def create_user(uow: UnitOfWork, board: str, user: Provisioned) -> Participant:
    """POST /Users. A user deleted earlier through SCIM and created again is reinstated (same id)."""
    existing = (
        await uow.session.execute(
            sa.select(Participant)
            .where(
                Participant.board == board,  # type: ignore[arg-type]
                Participant.program_year == user.program_year,  # type: ignore[arg-type]
                Participant.hr_id == user.hr_id,  # type: ignore[arg-type]
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
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
    await uow.session.flush()
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
    participant.deprovisioned_at = sa.func.now()  # type: ignore[assignment]
    await uow.session.flush()
    await uow.commit()
