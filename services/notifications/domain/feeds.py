"""Personal calendar feeds as plain data: what a participant's calendar lists and what the secret
token of a feed is stored as (its SHA-256, never the token itself)."""

from __future__ import annotations

import hashlib

SUMMARIES = {
    "meeting": {"en": "Hub meeting", "fr": "Rencontre du carrefour"},
    "observation": {"en": "Classroom observation visit", "fr": "Visite d’observation en classe"},
    "workshop": {"en": "Workshop", "fr": "Atelier"},
    "network_cohort": {"en": "Beginning Teacher Network", "fr": "Réseau des nouveaux enseignants"},
    "network_open": {"en": "Beginning Teacher Network", "fr": "Réseau des nouveaux enseignants"},
}
FEED_NAMES = {"en": "Mentorweb: my mentoring calendar", "fr": "Mentorweb : mon calendrier de mentorat"}


def token_hash(token: str) -> str:
    """What the database keeps of a feed's token: enough to recognise it, not to rebuild the URL."""
    return hashlib.sha256(token.encode()).hexdigest()


def summary(kind: str, title: str | None, language: str) -> str:
    """An entry's title in the participant's language: the session's own title, or what the entry is."""
    words = SUMMARIES.get(kind, SUMMARIES["meeting"])
    label = words.get(language, words["en"])
    colon = " : " if language == "fr" else ": "  # French sets a space before the colon
    return f"{label}{colon}{title}" if title and kind not in ("meeting", "observation") else label


def feed_name(language: str) -> str:
    return FEED_NAMES.get(language, FEED_NAMES["en"])
