"""Every message a person reads exists in French: the catalogues are complete and up to date."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from services.console.adapters.rendering import Renderer

pytestmark = pytest.mark.unit
CONSOLE = Path(__file__).resolve().parents[2]
TRANSLATIONS = CONSOLE / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
METHODS = [
    ("**.py", "python"),
    ("templates/**.html", "jinja2"),
]


def extracted_ids() -> set[str]:
    """The messages the code and templates use today (what `make i18n` would extract)."""
    ids: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(CONSOLE),
        method_map=METHODS,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}},
        keywords=KEYWORDS,
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def catalogue(language: str):  # type: ignore[no-untyped-def]
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def key(message_id: str | tuple[str, ...] | list[str]) -> str:
    return message_id[0] if isinstance(message_id, tuple | list) else message_id


def strings(string: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(string) if isinstance(string, tuple | list) else (string,)


def test_every_message_in_use_is_in_the_catalogue_template():
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        template = {key(m.id) for m in read_po(f) if m.id}
    missing = extracted_ids() - template
    assert not missing, f"run `make i18n`: not extracted yet: {sorted(missing)}"


def test_every_message_has_a_french_translation():
    fr = catalogue("fr")
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        wanted = [m for m in read_po(f) if m.id]
    untranslated = []
    for message in wanted:
        found = fr.get(message.id, message.context)  # a message with a context is its own message
        strings = (
            [] if found is None else (found.string if isinstance(found.string, tuple) else [found.string])
        )
        if found is None or found.fuzzy or not strings or not all(s and s.strip() for s in strings):
            untranslated.append(key(message.id))
    assert not untranslated, f"messages without a French translation: {untranslated}"


def test_french_keeps_every_placeholder():
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    for message in catalogue("fr"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[-1])) | set(placeholder.findall(ids[0]))
        for text in strings:
            assert set(placeholder.findall(text)) <= wanted, (message.id, text)
            assert set(placeholder.findall(text)) >= set(placeholder.findall(ids[0])) - {"num"}, (
                message.id,
                text,
            )


def test_compiled_catalogues_match_their_sources():
    for language in ("en", "fr"):
        with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as f:
            compiled = {(m.context, key(m.id)): strings(m.string) for m in read_mo(f) if m.id}
        source = {(m.context, key(m.id)): strings(m.string) for m in catalogue(language) if m.id}
        assert compiled == source, f"run `make i18n` to compile the {language} catalogue"


def test_pages_render_in_french():
    renderer = Renderer()
    html = renderer.render(
        "fr",
        "signed_out.html",
        {
            "user": None,
            "csrf_token": "",
            "path": "/",
            "quoted_path": "%2F",
            "other_lang": "en",
            "request_path": "/",
        },
    )
    assert '<html lang="fr">' in html
    assert "Vous êtes déconnecté" in html
    assert "You are signed out" not in html
