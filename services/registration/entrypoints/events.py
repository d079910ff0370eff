"""Events registration consumes: placement news from matching, grant progress for the timeline."""

from services.registration.service_layer.placement import (
    mark_hub_members_placed,
    mark_pair_ended,
    mark_pair_placed,
)
from services.registration.service_layer.timeline_facts import grant_progressed, grant_withdrawn
from shared.bus.consumer import Handler
from shared.events.envelope import IntegrationEvent
from shared.events.grants import GrantPaid, GrantSubmitted, GrantWithdrawn
from shared.events.matching import HubFormed, HubMembershipChanged, MentorPaired, MentorUnpaired

HANDLERS: dict[type[IntegrationEvent], Handler] = {
    HubFormed: mark_hub_members_placed,
    HubMembershipChanged: mark_hub_members_placed,
    MentorPaired: mark_pair_placed,
    MentorUnpaired: mark_pair_ended,
    GrantSubmitted: grant_progressed,
    GrantPaid: grant_progressed,
    GrantWithdrawn: grant_withdrawn,
}
