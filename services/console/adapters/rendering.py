"""Jinja2 with gettext (jinja2.ext.i18n) over the Babel catalogues, one environment per language, and
Babel's formatting of dates, numbers and money for en-CA and fr-CA."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_name
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.console.domain.grant_form import amount_text
from services.console.domain.language import LANGUAGES, LOCALES

HERE = Path(__file__).resolve().parent.parent
TEMPLATES = HERE / "templates"
TRANSLATIONS = HERE / "translations"


def translations(language: str) -> Translations:
    # Babel answers NullTranslations only when no catalogue is found; ours are compiled into the package.
    found = Translations.load(str(TRANSLATIONS), [LOCALES[language], language], domain="messages")
    assert isinstance(found, Translations), f"no compiled catalogue for {language}"
    return found


def _environment(language: str) -> Environment:
    locale = LOCALES[language]
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]

    def as_date(value: date | datetime | str | None, fmt: str = "long") -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        return format_date(value, format=fmt, locale=locale)

    def as_datetime(value: datetime | str | None, zone: str | None = None) -> str:
        """A moment in the board's time zone: the date in full and the time without seconds."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        tz = ZoneInfo(zone) if zone else None
        local = value.astimezone(tz) if tz else value
        return f"{format_date(local, format='long', locale=locale)} {format_time(local, format='short', locale=locale)}"

    def as_time(value: datetime | str | None, zone: str | None = None) -> str:
        """The time of day of a moment in the board's time zone, without seconds."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        local = value.astimezone(ZoneInfo(zone)) if zone else value
        return format_time(local, format="short", locale=locale)

    def as_number(value: int | float | Decimal | None) -> str:
        return "" if value is None else format_decimal(value, locale=locale)

    def as_money(value: Decimal | str | None) -> str:
        return "" if value is None else format_currency(Decimal(str(value)), "CAD", locale=locale)

    def zone_name(zone: str | None) -> str:
        """A time zone as people call it ("Eastern Time", « heure de l’Est »), not its database name."""
        return str(get_timezone_name(ZoneInfo(zone), width="long", locale=locale)) if zone else ""

    def as_amount_input(value: Decimal | str | None) -> str:
        """An amount as typed in a form field of this language (1,250.50 or 1 250,50)."""
        return amount_text(value, locale)

    def as_percent(value: float | None) -> str:
        return "" if value is None else format_percent(value, locale=locale)

    def language_name(code: str) -> str:
        name = Locale.parse(locale).languages.get(code, code)
        return str(name)

    env.filters.update(
        percent=as_percent,
        date=as_date,
        datetime=as_datetime,
        time=as_time,
        number=as_number,
        money=as_money,
        amount_input=as_amount_input,
        zone_name=zone_name,
        language_name=language_name,
    )
    env.globals.update(lang=language, locale=locale.replace("_", "-"))
    return env


class Renderer:
    def __init__(self) -> None:
        self.environments = {language: _environment(language) for language in LANGUAGES}

    def render(self, language: str, template: str, context: dict[str, Any]) -> str:
        return self.environments[language].get_template(template).render(**context)
