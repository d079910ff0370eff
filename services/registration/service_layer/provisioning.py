"""SCIM provisioning use cases: HR or an identity provider creates, changes and deactivates people.

Each function runs inside the caller's unit of work; events go through the outbox like any other
registration change (TeacherRegistered/MentorRegistered, ParticipantUpdated, ParticipantWithdrawn).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from services.registration.adapters.tables import Board, Participant
from services.registration.domain.scim import Comparison, ScimError, ScimUser
from services.registration.service_layer import registering
from shared.db import UnitOfWork

DEACTIVATED = "deactivated through SCIM"
DELETED = "deleted through SCIM"


async def board_language(uow: UnitOfWork, board: str) -> str:
    found = await uow.session.get(Board, board)
    if found is None:
        raise ScimError(400, f"organization: no board {board!r}", "invalidValue")
    return found.language


def _condition(comparison: Comparison) -> sa.ColumnElement[bool]:
    value = comparison.value
    if comparison.attribute == "userName":
        return sa.func.lower(Participant.hr_id) == str(value).lower()  # type: ignore[arg-type]
    if comparison.attribute == "externalId":
        return Participant.external_id == value if value is not None else Participant.external_id.is_(None)  # type: ignore[union-attr,return-value]
    if comparison.attribute == "emails.value":
        return sa.func.lower(Participant.email) == str(value).lower()  # type: ignore[arg-type]
    if comparison.attribute == "active":
        withdrawn = Participant.status == "withdrawn"
        return sa.not_(withdrawn) if value else withdrawn  # type: ignore[arg-type,return-value]
    try:
        return Participant.id == uuid.UUID(str(value))  # type: ignore[return-value]
    except ValueError:
        return sa.false()


async def find_users(
    uow: UnitOfWork,
    boards: Sequence[str] | None,
    comparisons: Sequence[Comparison],
    *,
    start_index: int,
    count: int,
) -> tuple[int, list[Participant]]:
    """Participants visible to the caller matching every comparison; SCIM's 1-based paging."""
    filters = [Participant.deprovisioned_at.is_(None), *(_condition(c) for c in comparisons)]  # type: ignore[union-attr]
    if boards is not None:
        filters.append(Participant.board.in_(boards))  # type: ignore[attr-defined]
    total = (
        await uow.session.execute(sa.select(sa.func.count()).select_from(Participant).where(*filters))
    ).scalar_one()
    if count == 0:
        return total, []
    rows = (
        await uow.session.execute(
            sa.select(Participant)
            .where(*filters)
            .order_by(Participant.created_at, Participant.id)  # type: ignore[arg-type]
            .offset(start_index - 1)
            .limit(count)
        )
    ).scalars()
    return total, list(rows)


async def get_user(
    uow: UnitOfWork, boards: Sequence[str] | None, user_id: str, *, for_update: bool = False
) -> Participant:
    """The user, or 404 (also for another board's user and for deleted ones)."""
    try:
        participant_id = uuid.UUID(user_id)
    except ValueError:
        raise ScimError(404, f"User {user_id} not found.") from None
    query = sa.select(Participant).where(
        Participant.id == participant_id,  # type: ignore[arg-type]
        Participant.deprovisioned_at.is_(None),  # type: ignore[union-attr]
    )
    if boards is not None:
        query = query.where(Participant.board.in_(boards))  # type: ignore[attr-defined]
    if for_update:
        query = query.with_for_update()
    participant = (await uow.session.execute(query)).scalar_one_or_none()
    if participant is None:
        raise ScimError(404, f"User {user_id} not found.")
    return participant


async def create_user(uow: UnitOfWork, board: str, user: ScimUser) -> Participant:
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
        raise ScimError(
            409, f"A user with userName {user.hr_id!r} exists in {user.program_year}.", "uniqueness"
        )
    if existing is not None:
        if existing.role != user.role:
            raise ScimError(400, "role: differs from the earlier registration", "mutability")
        await registering.update_participant(uow, existing, user.fields)
        existing.external_id = user.external_id
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
    await uow.session.flush()
    if not user.active:
        await registering.withdraw_participant(uow, participant, DEACTIVATED)
    return participant


async def replace_user(uow: UnitOfWork, participant: Participant, user: ScimUser) -> Participant:
    """PUT or PATCH: identity (userName, organization, role, program year) is immutable here."""
    immutable = [
        ("userName", user.hr_id, participant.hr_id),
        ("organization", user.organization or participant.board, participant.board),
        ("role", user.role, participant.role),
        ("programYear", user.program_year, participant.program_year),
    ]
    for name, wanted, current in immutable:
        if wanted != current:
            raise ScimError(
                400,
                f"{name} cannot change (it is {current!r}); deactivate this user and create another",
                "mutability",
            )
    await registering.update_participant(uow, participant, user.fields)
    if participant.external_id != user.external_id:
        participant.external_id = user.external_id
        await uow.session.flush()
    if user.active and participant.status == "withdrawn":
        await registering.reinstate_participant(uow, participant)
    elif not user.active and participant.status != "withdrawn":
        await registering.withdraw_participant(uow, participant, DEACTIVATED)
    return participant


async def delete_user(uow: UnitOfWork, participant: Participant) -> None:
    """DELETE: the participant is withdrawn (history kept); the SCIM resource is gone from now on."""
    await registering.withdraw_participant(uow, participant, DELETED)
    participant.deprovisioned_at = sa.func.now()  # type: ignore[assignment]
    await uow.session.flush()
