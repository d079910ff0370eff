"""Who hears about what: every topic's reactions and messages over one :class:`Messenger`."""

from __future__ import annotations

from services.notifications.config import Settings
from services.notifications.service_layer.directory import Directory
from services.notifications.service_layer.evaluation import Evaluation
from services.notifications.service_layer.grants import Grants
from services.notifications.service_layer.hubs import Hubs
from services.notifications.service_layer.messaging import Messenger
from services.notifications.service_layer.observations import Observations
from services.notifications.service_layer.pairings import Pairings
from services.notifications.service_layer.sessions import Sessions


class Newsroom:
    """The topics, each saying who hears of its events and what, and the messenger that stores
    their messages (and releases those that waited, whatever their topic)."""

    def __init__(self, settings: Settings):
        self.messenger = Messenger(settings)
        self.directory = Directory(self.messenger)
        self.hubs = Hubs(self.messenger)
        self.pairings = Pairings(self.messenger)
        self.observations = Observations(self.messenger)
        self.sessions = Sessions(self.messenger)
        self.grants = Grants(self.messenger)
        self.evaluation = Evaluation(self.messenger)
        self.messenger.cover(
            self.hubs, self.pairings, self.observations, self.sessions, self.grants, self.evaluation
        )


def messenger(settings: Settings) -> Messenger:
    """A messenger that knows every topic (releasing parked messages needs them all)."""
    return Newsroom(settings).messenger
