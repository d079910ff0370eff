"""Bilingual formatting (English, Canadian French) by Babel: dates, times, amounts, lists of names.

Nothing here knows a theme or a board: their names are data notifications keeps from registration's
events (``adapters.tables.ThemeName`` / ``BoardName``), passed in as plain values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Literal

from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal

Language = Literal["en", "fr"]
_PADDED_HOUR = re.compile(r"^0(\d h)")
LOCALES: dict[Language, str] = {"en": "en_CA", "fr": "fr_CA"}


def language_of(value: str | None) -> Language:
    return "fr" if value == "fr" else "en"


def locale_of(language: str | None) -> str:
    return LOCALES[language_of(language)]


def format_when(moment: datetime, language: str, zone: tzinfo) -> str:
    """A date and time as people of the board read it: "Tuesday, October 6, 2026, 4:00 p.m." /
    "mardi 6 octobre 2026, 16 h 00" (Canadian French uses the 24-hour clock)."""
    local = moment.astimezone(zone)
    return f"{format_weekday_date(local, language, zone)}, {format_clock(local, language, zone)}"


def format_weekday_date(moment: datetime, language: str, zone: tzinfo) -> str:
    """ "Tuesday, October 6, 2026" / "mardi 6 octobre 2026"."""
    return _babel_date(moment.astimezone(zone), "full", locale=locale_of(language))


def format_date(moment: datetime, language: str, zone: tzinfo) -> str:
    """ "October 6, 2026" / "6 octobre 2026"."""
    return _babel_date(moment.astimezone(zone), "long", locale=locale_of(language))


def format_clock(moment: datetime, language: str, zone: tzinfo) -> str:
    """ "4:00 p.m." / "16 h 00"."""
    # CLDR puts a narrow no-break space before "p.m."; plain text mail shows a plain one more reliably.
    # fr_CA writes "09 h 00"; the Office québécois de la langue française writes the hour unpadded.
    text = _babel_time(moment.astimezone(zone), "short", tzinfo=zone, locale=locale_of(language))
    return _PADDED_HOUR.sub(r"\1", text.replace("\u202f", " "))


def format_amount(amount: str | None, language: str) -> str | None:
    """Canadian dollars: "$3,500.00" / "3 500,00 $"; None (or an unreadable amount) stays None."""
    if amount is None:
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return None
    return format_currency(value, "CAD", locale=locale_of(language))


def format_count(value: int, language: str) -> str:
    return format_decimal(value, locale=locale_of(language))


def join_names(names: Sequence[str], language: str) -> str:
    """ "Ana, Ben and Chloé" / "Ana, Ben et Chloé"."""
    names = [n for n in names if n]
    if not names:
        return ""
    return format_list(names, locale=locale_of(language))


def quoted(name: str, language: str) -> str:
    """A name inside a sentence: “Assessment” / « Évaluation »."""
    return f"« {name} »" if language_of(language) == "fr" else f"“{name}”"


def hub_summary(theme_name: str | None, language: str) -> str:
    """The calendar title of a hub meeting ("Mentoring hub: Assessment"; without a theme, just the hub)."""
    french = language_of(language) == "fr"
    base = "Carrefour de mentorat" if french else "Mentoring hub"
    if not theme_name:
        return base
    return f"{base} : {theme_name}" if french else f"{base}: {theme_name}"


def observation_summary(language: str) -> str:
    return (
        "Visite d'observation en classe" if language_of(language) == "fr" else "Classroom observation visit"
    )


def board_phrase(name: str | None, language: str) -> str:
    """The board by its name; while its name is not known yet, "your school board" (never its code)."""
    if name:
        return name
    return "votre conseil scolaire" if language_of(language) == "fr" else "your school board"
