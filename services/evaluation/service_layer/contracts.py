"""Domain events to the integration events of ``shared.events.evaluation`` (same field names)."""

from __future__ import annotations

import dataclasses
from typing import Any

from services.evaluation.domain import events as domain_events
from shared.events import evaluation as contracts
from shared.events.envelope import IntegrationEvent

_CONTRACTS: dict[type, type[IntegrationEvent]] = {
    domain_events.HubMeetingRecorded: contracts.HubMeetingRecorded,
    domain_events.SurveyOpened: contracts.SurveyOpened,
    domain_events.SurveyReminderRequested: contracts.SurveyReminderRequested,
    domain_events.HarvestPublished: contracts.HarvestPublished,
}


def to_integration(event: Any, **envelope: object) -> IntegrationEvent:
    """The integration event for a domain event; ``envelope`` adds correlation and causation."""
    return _CONTRACTS[type(event)](**{**dataclasses.asdict(event), **envelope})
