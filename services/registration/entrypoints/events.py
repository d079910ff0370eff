"""Events registration consumes: placement news from matching."""

from services.registration.service_layer.placement import mark_hub_members_placed
from shared.events.matching import HubFormed, HubMembershipChanged

HANDLERS = {
    HubFormed: mark_hub_members_placed,
    HubMembershipChanged: mark_hub_members_placed,
}
