"""The printable summary of one application (HTML, Jinja2 with autoescaping on: every value the
applicant typed is text, never markup)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.grants.domain.application import Application
from services.grants.domain.money import format_amount
from services.grants.domain.program import GrantProgram, province_zone

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = lambda amount: "" if amount is None else format_amount(amount)
    env.filters["local"] = _local
    return env


def _local(moment: datetime, zone: tzinfo) -> str:
    """An instant in the province's time, e.g. ``2027-06-30 23:59 MDT``."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def render_summary(
    application: Application,
    program: GrantProgram,
    *,
    extension_until: datetime | None,
    generated_at: datetime,
) -> str:
    """The printable summary of ``application``, times shown in the program's (province's) time zone."""
    return (
        _environment()
        .get_template("summary.html")
        .render(
            application=application,
            program=program,
            extension_until=extension_until,
            generated_at=generated_at,
            zone=province_zone(program.timezone),
        )
    )
