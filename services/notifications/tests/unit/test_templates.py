"""Every template renders in both languages with the context its composer gives it (StrictUndefined)."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from services.notifications.adapters.rendering import TEMPLATES, render
from services.notifications.tests.unit.samples import drafts

pytestmark = pytest.mark.unit

BASE: dict[str, Any] = {
    "board": "ELM",
    "why": "because",
    "given_name": "Zoé",
    "preferences_url": "http://x/unsubscribe?t=1",
}
# The context each template gets from its composer (domain.messages), one variant per template.
CONTEXTS: dict[str, dict[str, Any]] = {}
for _draft in drafts("en").values():
    CONTEXTS.setdefault(_draft.template, _draft.context)


def test_every_subject_has_a_context_and_both_languages() -> None:
    subjects = tomllib.loads((TEMPLATES / "subjects.toml").read_text(encoding="utf-8"))
    assert set(subjects["en"]) == set(subjects["fr"]) == set(CONTEXTS)


@pytest.mark.parametrize("template", sorted(CONTEXTS))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_renders(template: str, language: str) -> None:
    message = render(template, language, {**BASE, **CONTEXTS[template]})
    assert message.subject and "\n" not in message.subject
    assert "Zoé" in message.text and "Zoé" in message.html
    assert message.text.count("\n\n--\n") == 1  # the digest strips the footer at this separator
    assert "unsubscribe" in message.text


def test_non_participants_get_no_unsubscribe_link() -> None:
    message = render("grant_update", "fr", {**BASE, **CONTEXTS["grant_update"], "preferences_url": None})
    assert "désabonner" not in message.text and "désabonner" not in message.html


def test_html_escapes_names() -> None:
    context = {**BASE, **CONTEXTS["hub_formed"], "members": ["<script>x</script>"]}
    assert "<script>" not in render("hub_formed", "en", context).html
