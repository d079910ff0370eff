"""Refusals of notifications' domain: what a request asks that the rules of messages refuse."""

from __future__ import annotations


class NotificationsError(Exception):
    """Base of every refusal notifications explains to its caller."""


class AddressNotDeliverable(NotificationsError):
    """An address the configured mail server cannot deliver to (``field`` names it)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
