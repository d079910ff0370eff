"""``mentorweb``: the operators' and coordinators' command-line tool."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console

from shared.auth import ROLES, mint_token
from shared.migrations import SERVICES
from shared.settings import ServiceSettings

app = typer.Typer(
    help="Mentorweb operations: tokens, migrations, sample data, dead letters, journeys.",
    no_args_is_help=True,
)
console = Console(stderr=True)


@app.command()
def token(
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}")] = "province_admin",
    board: Annotated[str | None, typer.Option(help="board code for board-scoped roles")] = None,
    participant_id: Annotated[str | None, typer.Option(help="for the participant role")] = None,
    subject: Annotated[str, typer.Option()] = "dev-user",
    ttl: Annotated[int, typer.Option(help="seconds")] = 8 * 3600,
) -> None:
    """Mint a development bearer token (HS256, JWT_SECRET)."""
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}")
    typer.echo(
        mint_token(
            ServiceSettings(),
            subject=subject,
            roles=[role],
            board=board,
            participant_id=participant_id,
            ttl_seconds=ttl,
        )
    )


@app.command()
def migrate(
    service: Annotated[list[str] | None, typer.Argument(help="services to migrate (default: all)")] = None,
) -> None:
    """Create each service's database if missing and run its Alembic migrations to head."""
    from shared.migrations import upgrade

    async def _run() -> None:
        for name in service or SERVICES:
            if name not in SERVICES:
                raise typer.BadParameter(f"unknown service {name!r}")
            with console.status(f"migrating {name}…"):
                await upgrade(name)
            console.print(f"[green]✓[/green] {name} migrated")

    asyncio.run(_run())


@app.command("dead-letters")
def dead_letters(
    service: Annotated[str, typer.Argument(help="whose dead-letter queue")],
    action: Annotated[str, typer.Argument(help="list | show | replay | purge")] = "list",
    message_id: Annotated[str | None, typer.Option(help="only this message (show/replay)")] = None,
    limit: Annotated[int, typer.Option()] = 100,
) -> None:
    """List, inspect, replay (back to the service's own queue) or purge dead letters."""
    from shared.bus import dead_letters as dl
    from shared.migrations import settings_for

    settings = settings_for(service)
    if action == "list":
        rows = asyncio.run(dl.peek(settings, limit=limit))
        for row in rows:
            typer.echo(f"{row.message_id}\t{row.event_type}\t{row.failed_at}\t{row.reason}")
        console.print(f"{len(rows)} dead letter(s) in {settings.dead_letter_queue_name}")
    elif action == "show":
        for row in asyncio.run(dl.peek(settings, limit=limit)):
            if message_id is None or row.message_id == message_id:
                typer.echo(json.dumps(row.as_dict(), indent=2, default=str))
    elif action == "replay":
        count = asyncio.run(dl.replay(settings, message_id=message_id, limit=limit))
        console.print(f"replayed {count} message(s) to {settings.queue_name}")
    elif action == "purge":
        count = asyncio.run(dl.purge(settings))
        console.print(f"purged {count} message(s)")
    else:
        raise typer.BadParameter("action must be list, show, replay or purge")


if __name__ == "__main__":
    app()
