"""Use cases of registration: register, update and withdraw participants.

Each runs in one unit of work: the row change and the event it causes commit together.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from services.registration.adapters.boards import DuplicateRow
from services.registration.adapters.repository import repositories
from services.registration.adapters.tables import Participant
from services.registration.domain.participants import changed_fields, is_teacher, validate_participant
from services.registration.service_layer import watermarks
from services.registration.service_layer.errors import AlreadyExists, InvalidInput, NotFound
from shared.db import UnitOfWork
from shared.events.registration import (
    MentorRegistered,
    ParticipantProfile,
    ParticipantUpdated,
    ParticipantWithdrawn,
    TeacherRegistered,
)


def profile_of(p: Participant) -> ParticipantProfile:
    return ParticipantProfile(
        participant_id=p.id,
        revision=p.revision,
        program_year=p.program_year,
        hr_id=p.hr_id,
        role=p.role,  # type: ignore[arg-type]  # a checked vocabulary value stored as text
        given_name=p.given_name,
        family_name=p.family_name,
        email=p.email,
        language=p.language,  # type: ignore[arg-type]  # a checked vocabulary value stored as text
        school=p.school,
        grade_band=p.grade_band,  # type: ignore[arg-type]  # a checked vocabulary value stored as text
        subjects=list(p.subjects),
        themes=list(p.themes),
        learning_goals=p.learning_goals,
        expertise_themes=list(p.expertise_themes),
        leads_school_leaders=p.leads_school_leaders,
        trained=p.trained,
        hub_capacity=p.hub_capacity,
        one_to_one_capacity=p.one_to_one_capacity,
        evaluates_hr_ids=list(p.evaluates_hr_ids),
        status=p.status,  # type: ignore[arg-type]  # a checked vocabulary value stored as text
    )


_PROFILE_FIELDS = tuple(name for name in ParticipantProfile.model_fields if name != "participant_id")


def profile_from_row(row: Mapping[str, Any]) -> ParticipantProfile:
    """The event snapshot of a participant row read with set-based SQL (``to_jsonb`` of the row).

    Built without re-validation: the row was validated on its way in (import or API), and checking
    every email again costs more than the whole upsert of a 1,000-row chunk.
    """
    participant_id = row["id"]
    return ParticipantProfile.model_construct(
        participant_id=participant_id if isinstance(participant_id, uuid.UUID) else uuid.UUID(participant_id),
        **{name: row[name] for name in _PROFILE_FIELDS},
    )


_CACHE_SECONDS = 30.0
_theme_cache: tuple[float, frozenset[str]] | None = None
_known_boards: dict[str, float] = {}


async def theme_codes(uow: UnitOfWork) -> frozenset[str]:
    """The taxonomy's codes; cached briefly because every registration checks them and they
    change a few times a year (an added theme is usable within 30 s)."""
    global _theme_cache
    now = time.monotonic()
    if _theme_cache is None or now - _theme_cache[0] > _CACHE_SECONDS:
        codes = await repositories(uow).boards.theme_codes()
        _theme_cache = (now, codes)
    return _theme_cache[1]


def forget_cached_catalog() -> None:
    global _theme_cache
    _theme_cache = None
    _known_boards.clear()


async def board_exists(uow: UnitOfWork, board: str) -> bool:
    now = time.monotonic()
    if now - _known_boards.get(board, -_CACHE_SECONDS - 1) <= _CACHE_SECONDS:
        return True
    if await repositories(uow).boards.get(board) is None:
        return False
    _known_boards[board] = now
    return True


def _invalid(errors: list[Any]) -> InvalidInput:
    return InvalidInput([(e.field, e.message) for e in errors], "Invalid participant")


async def register_participant(uow: UnitOfWork, data: Mapping[str, Any]) -> Participant:
    """Register a participant and announce it (TeacherRegistered or MentorRegistered)."""
    errors = validate_participant(data, await theme_codes(uow))
    if errors:
        raise _invalid(errors)
    if not await board_exists(uow, data["board"]):
        raise InvalidInput(
            [("board", "unknown board")], "Unknown board", f"board: no board {data['board']!r}"
        )
    now = datetime.now(UTC)
    # Timestamps set here so the row needs no re-read after the insert.
    participant = Participant(id=uuid.uuid4(), created_at=now, updated_at=now, **data)
    try:
        await repositories(uow).participants.add(participant)
    except DuplicateRow as exc:
        raise AlreadyExists(
            "hr_id",
            "already registered",
            title="Duplicate participant",
            detail="hr_id: already registered in this board and program year",
        ) from exc
    event_type = TeacherRegistered if is_teacher(participant.role) else MentorRegistered
    uow.publish(event_type(board=participant.board, participant=profile_of(participant)))
    await watermarks.count_after_changes(uow)
    return participant


async def get_participant(
    uow: UnitOfWork, participant_id: uuid.UUID, *, for_update: bool = False
) -> Participant:
    participant = await repositories(uow).participants.get(participant_id, lock=for_update)
    if participant is None:
        raise NotFound("participant")
    return participant


async def update_participant(
    uow: UnitOfWork, participant: Participant, changes: Mapping[str, Any]
) -> list[str]:
    """Apply changes; emits ParticipantUpdated naming the changed fields, or nothing if none changed."""
    current = {f: getattr(participant, f) for f in changes}
    changed = changed_fields(current, changes)
    if not changed:
        return []
    proposed = {**profile_of(participant).model_dump(), **changes}
    errors = validate_participant(proposed, await theme_codes(uow))
    if errors:
        raise _invalid(errors)
    for field in changed:
        setattr(participant, field, changes[field])
    participant.revision += 1
    await repositories(uow).participants.save(participant)
    uow.publish(
        ParticipantUpdated(board=participant.board, participant=profile_of(participant), changed=changed)
    )
    await watermarks.count_after_changes(uow)
    return changed


async def withdraw_participant(uow: UnitOfWork, participant: Participant, reason: str | None) -> bool:
    """Withdraw (history kept); withdrawing twice changes nothing and emits nothing."""
    if participant.status == "withdrawn":
        return False
    participant.status = "withdrawn"
    participant.revision += 1
    await repositories(uow).participants.save(participant)
    uow.publish(
        ParticipantWithdrawn(board=participant.board, participant=profile_of(participant), reason=reason)
    )
    await watermarks.count_after_changes(uow)
    return True


async def reinstate_participant(uow: UnitOfWork, participant: Participant) -> bool:
    """A withdrawn participant comes back (e.g. re-activated by HR): registered again, and announced."""
    if participant.status != "withdrawn" and participant.deprovisioned_at is None:
        return False
    participant.status = "registered"
    participant.deprovisioned_at = None
    participant.revision += 1
    await repositories(uow).participants.save(participant)
    event_type = TeacherRegistered if is_teacher(participant.role) else MentorRegistered
    uow.publish(event_type(board=participant.board, participant=profile_of(participant)))
    await watermarks.count_after_changes(uow)
    return True


# ---------------------------------------------------------------- use cases of the HTTP API (they commit)


async def register(uow: UnitOfWork, data: Mapping[str, Any]) -> Participant:
    """Register a participant (TeacherRegistered or MentorRegistered) and commit."""
    participant = await register_participant(uow, data)
    await uow.commit()
    return participant


async def list_participants(
    uow: UnitOfWork,
    *,
    boards: Sequence[str] | None,
    board: str | None,
    program_year: str | None,
    role: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[Participant]]:
    """(how many participants match, one page of them); ``boards`` None = every board."""
    return await repositories(uow).participants.page(
        boards=boards,
        board=board,
        program_year=program_year,
        role=role,
        status=status,
        limit=limit,
        offset=offset,
    )


async def change(uow: UnitOfWork, participant: Participant, changes: Mapping[str, Any]) -> list[str]:
    """Change a participant (ParticipantUpdated when something changed) and commit."""
    changed = await update_participant(uow, participant, changes)
    await uow.commit()
    return changed


async def withdraw(uow: UnitOfWork, participant: Participant, reason: str | None) -> bool:
    """Withdraw a participant (ParticipantWithdrawn the first time) and commit."""
    withdrawn = await withdraw_participant(uow, participant, reason)
    await uow.commit()
    return withdrawn


async def find_participant(uow: UnitOfWork, participant_id: uuid.UUID) -> Participant | None:
    """The participant, or None (no refusal: the caller decides what an unknown id means)."""
    return await repositories(uow).participants.find(participant_id)
