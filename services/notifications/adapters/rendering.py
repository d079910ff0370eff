"""Jinja2 rendering of bilingual messages (English, Canadian French), plain text and HTML parts."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=1)
def _subjects() -> dict[str, dict[str, str]]:
    return tomllib.loads((TEMPLATES / "subjects.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=256)
def _subject_template(lang: str, template: str) -> Template:
    # Compiled once: compiling a Jinja2 template costs far more than rendering it.
    return _environment().from_string(_subjects()[lang][template])


def render(template: str, language: str, context: dict[str, Any]) -> RenderedMessage:
    """Render ``template`` in the recipient's language (falls back to English)."""
    lang = language if language in ("en", "fr") else "en"
    env = _environment()
    subject = _subject_template(lang, template).render(**context)
    return RenderedMessage(
        subject=subject,
        text=env.get_template(f"{lang}/{template}.txt").render(**context),
        html=env.get_template(f"{lang}/{template}.html").render(**context),
    )


def render_page(name: str, **context: Any) -> str:
    """A web page of the service (``templates/pages/<name>.html``), HTML-escaped."""
    return _environment().get_template(f"pages/{name}.html").render(**context)
