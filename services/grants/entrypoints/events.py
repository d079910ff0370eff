"""Events grants handles: none yet (it only publishes GrantSubmitted/Approved/Declined/Paid/Withdrawn)."""

from __future__ import annotations

from shared.bus.consumer import Handler
from shared.events.envelope import IntegrationEvent

HANDLERS: dict[type[IntegrationEvent], Handler] = {}
