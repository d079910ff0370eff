"""Every message, built by the domain (``domain.messages``) and rendered in English and in French,
is entirely in its language: no sentence of the other language, no internal id, every fact of the
explanation catalogue worded in both languages."""

from __future__ import annotations

import re
import typing
from typing import Any

import pytest

from services.notifications.adapters.rendering import render
from services.notifications.domain import explaining, messages
from services.notifications.tests.unit.samples import DATA, REASONS, THEMES, drafts, explained, theme_name
from shared.events.matching import ReasonCode

pytestmark = pytest.mark.unit

BASE = {"board": "Conseil scolaire Nouvelon", "given_name": "Zoé", "preferences_url": "http://x/u?token=abc"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
TAG = re.compile(r"<[^>]+>")
# Words that only one of the two languages uses (checked as whole words, data removed first).
ENGLISH = {
    "the", "your", "you", "and", "with", "will", "has", "have", "was", "were", "for", "this", "that",
    "from", "meeting", "meetings", "hub", "hubs", "leader", "leaders", "program", "please", "about",
    "who", "why", "when", "where", "attached", "calendar", "cancelled", "is", "are", "of", "to", "in",
    "by", "at", "it", "its", "we", "be", "no", "longer", "grant", "visit", "class", "here", "hello",
}  # fmt: skip
FRENCH = {
    "vous", "votre", "vos", "le", "la", "les", "des", "du", "est", "une", "dans", "pour", "avec",
    "carrefour", "carrefours", "rencontre", "rencontres", "séance", "bonjour", "subvention", "annulée",
    "calendrier", "jointe", "programme", "animateurs", "visite", "classe", "et", "au", "aux", "sur",
}  # fmt: skip


def rendered(language: str) -> dict[str, str]:
    out = {}
    for name, draft in drafts(language).items():
        assert draft.language == language
        message = render(draft.template, draft.language, {**BASE, "why": draft.why, **draft.context})
        out[name] = "\n".join([message.subject, message.text, TAG.sub(" ", message.html)])
    return out


def words(text: str) -> set[str]:
    for value in [*DATA, *BASE.values(), *(n for pair in THEMES.values() for n in pair)]:
        text = text.replace(value, " ")
    text = re.sub(r"https?://\S+", " ", text)
    return {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]+", text)}


def test_every_kind_of_message_has_a_sample_and_both_subjects() -> None:
    for language in ("en", "fr"):
        built = {draft.template for draft in drafts(language).values()}
        assert built == set(messages.KINDS)


@pytest.mark.parametrize("name", sorted(drafts("fr")))
def test_french_message_has_no_english(name: str) -> None:
    text = rendered("fr")[name]
    english = sorted(words(text) & ENGLISH)
    assert not english, f"{name}: English words {english} in\n{text}"
    for sentence in explained("en", "teacher") + explained("en", "mentor") + explained("en", "coordinator"):
        assert sentence not in text


@pytest.mark.parametrize("name", sorted(drafts("en")))
def test_english_message_has_no_french(name: str) -> None:
    text = rendered("en")[name]
    french = sorted(words(text) & FRENCH)
    assert not french, f"{name}: French words {french} in\n{text}"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_internal_id_and_no_unfilled_placeholder(language: str) -> None:
    for name, text in rendered(language).items():
        assert not UUID.search(re.sub(r"https?://\S+", " ", text)), name
        assert "{{" not in text and "{%" not in text and "None" not in text, f"{name}:\n{text}"


def test_every_reason_code_is_worded_in_both_languages() -> None:
    codes = set(typing.get_args(ReasonCode))
    assert codes == set(explaining.CATALOGUE) == set(REASONS)
    for code, values in REASONS.items():
        for audience in ("member", "teacher", "mentor", "coordinator"):
            en = explaining.explain([(code, values)], "en", theme_name("en"), audience)
            fr = explaining.explain([(code, values)], "fr", theme_name("fr"), audience)
            assert len(en) == len(fr) == 1, code
            assert en != fr, code
            assert not (words(fr[0]) & ENGLISH), fr
            assert not (words(en[0]) & FRENCH), en


def test_unknown_codes_and_missing_values_are_left_out() -> None:
    facts: list[tuple[str, dict[str, Any]]] = [
        ("a_code_from_the_future", {"x": 1}),
        ("hub_theme", {"theme": "a_theme_not_published_yet", "teachers": 3}),
        ("hub_size", {}),
        ("first_theme", {"theme": "assessment"}),
    ]
    assert explaining.explain(facts, "fr", theme_name("fr"), "member") == [
        "Vous avez choisi « Évaluation » comme premier thème."
    ]


def test_counts_and_bands_are_said_as_they_are() -> None:
    name = theme_name("en")
    assert explaining.explain([("hub_size", {"teachers": 7})], "en", name) == [
        "The hub has 7 beginning teachers."
    ]
    assert explaining.explain([("hub_size", {"teachers": 1, "leaders": 2})], "fr", theme_name("fr")) == [
        "Le carrefour compte un membre du nouveau personnel enseignant et 2 nouvelles directions d'école."
    ]
    # Kindergarten and intermediate are not neighbours, whatever a producer calls them.
    assert explaining.explain(
        [("neighbour_band", {"band": "intermediate", "asked": "kindergarten"})], "en", name
    ) == ["The hub's grade band (intermediate) is not yours (kindergarten)."]
    assert explaining.explain([("hub_band", {"bands": ["intermediate", "kindergarten"]})], "en", name) == [
        "The hub brings together several grade bands: kindergarten and intermediate."
    ]


def test_dates_and_amounts_are_formatted_for_each_language() -> None:
    fr = drafts("fr")
    en = drafts("en")
    assert fr["hub_meeting:scheduled"].context["when"] == "mardi 6 octobre 2026, 16 h 00"
    assert en["hub_meeting:scheduled"].context["when"] == "Tuesday, October 6, 2026, 4:00 p.m."
    assert fr["grant_update:paid"].context["awarded_amount"] == "3\u00a0500,00\u00a0$"
    assert en["grant_update:paid"].context["awarded_amount"] == "$3,500.00"
