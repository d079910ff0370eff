"""The two languages every page exists in, and how a visitor's language is chosen."""

from __future__ import annotations

LANGUAGES = ("en", "fr")
LOCALES = {"en": "en_CA", "fr": "fr_CA"}
DEFAULT_LANGUAGE = "en"


def negotiate(remembered: str | None, accept_language: str | None) -> str:
    """The remembered choice wins; otherwise the browser's first supported preference; otherwise English."""
    if remembered in LANGUAGES:
        return remembered  # type: ignore[return-value]
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def other(language: str) -> str:
    return "fr" if language == "en" else "en"
