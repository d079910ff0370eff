"""Participants of a program year: who may be registered, and what counts as a change.

Pure rules, no I/O: the service layer loads and stores, this decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.events.vocabulary import GRADE_BANDS, LANGUAGES, ROLES

# Fields whose change is announced with ParticipantUpdated (identity fields are changed by HR too).
TRACKED_FIELDS: tuple[str, ...] = (
    "given_name",
    "family_name",
    "email",
    "language",
    "school",
    "grade_band",
    "subjects",
    "themes",
    "learning_goals",
    "expertise_themes",
    "leads_school_leaders",
    "trained",
    "hub_capacity",
    "one_to_one_capacity",
    "evaluates_hr_ids",
)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def validate_participant(data: Mapping[str, Any], known_themes: Iterable[str]) -> list[FieldError]:
    """Check a participant's fields against the program's rules; every problem names its field."""
    themes = set(known_themes)
    errors: list[FieldError] = []
    role = data.get("role")
    if role not in ROLES:
        errors.append(FieldError("role", f"must be one of {', '.join(ROLES)}"))
    if data.get("language", "en") not in LANGUAGES:
        errors.append(FieldError("language", "must be en or fr"))
    band = data.get("grade_band")
    if band is not None and band not in GRADE_BANDS:
        errors.append(FieldError("grade_band", f"must be one of {', '.join(GRADE_BANDS)}"))
    for field in ("themes", "expertise_themes"):
        unknown = [t for t in data.get(field) or [] if t not in themes]
        if unknown:
            errors.append(FieldError(field, f"unknown theme(s): {', '.join(unknown)}"))
    if role == "mentor":
        if int(data.get("hub_capacity") or 0) < 0 or int(data.get("hub_capacity") or 0) > 10:
            errors.append(FieldError("hub_capacity", "must be between 0 and 10"))
        if data.get("learning_goals"):
            errors.append(
                FieldError("learning_goals", "only beginning teachers and new school leaders have goals")
            )
    elif role in ("beginning_teacher", "new_school_leader"):
        if data.get("expertise_themes"):
            errors.append(FieldError("expertise_themes", "only mentors list expertise themes"))
    return errors


def changed_fields(current: Mapping[str, Any], proposed: Mapping[str, Any]) -> list[str]:
    """The tracked fields whose proposed value differs; an update that changes nothing emits nothing."""

    def norm(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return sorted(str(v) for v in value)
        return value

    return [f for f in TRACKED_FIELDS if f in proposed and norm(proposed[f]) != norm(current.get(f))]


def is_teacher(role: str) -> bool:
    """Beginning teachers and new school leaders are the people hubs are formed for."""
    return role in ("beginning_teacher", "new_school_leader")


def current_program_year(today: date) -> str:
    """The program year registrations are for on ``today``: from July on, the one starting that fall."""
    start = today.year if today.month >= 7 else today.year - 1
    return f"{start}-{start + 1}"
