"""Events grants handles: registration's SteeringCommitteeChanged (the committee's expenses shown on
the board's application). It publishes GrantSubmitted/Approved/Declined/Paid/Withdrawn."""

from __future__ import annotations

from services.grants.service_layer.committees import steering_committee_changed
from shared.bus.consumer import Handler
from shared.events import registration
from shared.events.envelope import IntegrationEvent

HANDLERS: dict[type[IntegrationEvent], Handler] = {
    registration.SteeringCommitteeChanged: steering_committee_changed,
}
