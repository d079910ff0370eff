"""``mentorweb``: the operators' and coordinators' command-line tool."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console

from shared.auth import ROLES, mint_token
from shared.settings import ServiceSettings
from tools.services import FRONTENDS, SERVICES, build_spec, settings_for
from tools.services import migrate as migrate_service

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

    async def _run() -> None:
        for name in service or (*SERVICES, *FRONTENDS):
            if name not in (*SERVICES, *FRONTENDS):
                raise typer.BadParameter(f"unknown service {name!r}")
            with console.status(f"migrating {name}…"):
                await migrate_service(name)
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


@app.command("sample-board")
def sample_board(
    registration_url: Annotated[
        str, typer.Option(help="registration service base URL")
    ] = "http://127.0.0.1:8001",
) -> None:
    """Load the sample board (Elmwood DSB: schools, teachers, leaders, mentors) through the API."""
    import httpx
    from rich.progress import Progress

    from tools import sample_board as sample

    headers = {
        "Authorization": f"Bearer {mint_token(ServiceSettings(), subject='sample-loader', roles=['province_admin'])}"
    }
    with httpx.Client(base_url=registration_url, headers=headers, timeout=30) as client:
        board = client.post("/v1/boards", json=sample.BOARD)
        if board.status_code not in (201, 409):
            raise typer.Exit(_fail(f"creating the board failed: {board.status_code} {board.text}"))
        people = sample.participants()
        created = existing = 0
        with Progress(console=console) as progress:
            task = progress.add_task("registering participants", total=len(people))
            for person in people:
                response = client.post("/v1/participants", json=person)
                if response.status_code == 201:
                    created += 1
                elif response.status_code == 409:
                    existing += 1
                else:
                    raise typer.Exit(_fail(f"{person['hr_id']}: {response.status_code} {response.text}"))
                progress.advance(task)
    console.print(f"[green]✓[/green] {sample.BOARD['name']}: {created} registered, {existing} already there")


def _fail(message: str) -> int:
    console.print(f"[red]✗[/red] {message}")
    return 1


@app.command()
def up(
    sample: Annotated[bool, typer.Option(help="load the sample board")] = True,
) -> None:
    """Bring the system up on this machine: infrastructure, migrations, the four services, sample board."""
    import time

    from tools import local_stack

    started = time.monotonic()
    with console.status("checking RabbitMQ, PostgreSQL and Redis…"):
        for line in local_stack.ensure_infrastructure():
            console.print(line)
    migrate(None)
    with console.status("starting the services…"):
        local_stack.start_services()
        ready = local_stack.wait_ready()
    if not all(ready.values()):
        console.print(f"[red]not ready:[/red] {[s for s, ok in ready.items() if not ok]} (see .run/logs/)")
        raise typer.Exit(1)
    if sample:
        sample_board()
    elapsed = time.monotonic() - started
    console.print(f"""
[bold]Mentorweb is up[/bold] ({elapsed:.0f} s)
  Console   http://127.0.0.1:8000  sign in as the sample board's coordinator (development sign-in)
  API docs  http://127.0.0.1:8001/docs  registration
            http://127.0.0.1:8002/docs  matching
            http://127.0.0.1:8003/docs  notifications
            http://127.0.0.1:8004/docs  grants
            http://127.0.0.1:8005/docs  evaluation
  Mail      .run/mail/new/ (one file per email; Mailpit :8025 under compose)
  Traces    set OTEL_EXPORTER_OTLP_ENDPOINT (Jaeger :16686 in compose)
  Logs      .run/logs/
  Token     uv run mentorweb token --role board_coordinator --board ELM
  Journey   uv run mentorweb journey <participant-id>
  Stop      make stop""")


@app.command()
def down() -> None:
    """Stop the services started by `mentorweb up`."""
    from tools import local_stack

    stopped = local_stack.stop_all()
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@app.command()
def asyncapi() -> None:
    """Regenerate docs/asyncapi.yaml and the Kubernetes event bindings from the contracts and handlers."""
    from tools.asyncapi import write_bindings, write_document

    console.print(f"wrote {write_document()}")
    console.print(f"wrote {write_bindings()}")


@app.command()
def journey(participant_id: Annotated[str, typer.Argument(help="participant UUID")]) -> None:
    """Show a participant's journey: the events about them, who handled each, their trace ids, and emails."""
    from tools.journey import collect

    rows = asyncio.run(collect(participant_id))
    from rich.table import Table

    table = Table(title=f"journey of {participant_id}")
    for column in ("when", "service", "what", "event id", "trace id"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@app.command()
def audit(
    action: Annotated[str, typer.Argument(help="list | replay")] = "list",
    participant: Annotated[str | None, typer.Option(help="events naming this participant id")] = None,
    hub: Annotated[str | None, typer.Option(help="events of this hub id")] = None,
    board: Annotated[str | None, typer.Option(help="events of this board code")] = None,
    event_type: Annotated[list[str] | None, typer.Option("--type", help="only these event types")] = None,
    since: Annotated[str | None, typer.Option(help="ISO time: from (also where the scan starts)")] = None,
    until: Annotated[str | None, typer.Option(help="ISO time: up to")] = None,
    full: Annotated[bool, typer.Option(help="print whole events (names, addresses: personal data)")] = False,
    to: Annotated[str | None, typer.Option(help="replay: the service whose queue gets the events")] = None,
    limit: Annotated[int | None, typer.Option(help="at most this many events")] = None,
    idle: Annotated[float, typer.Option(help="seconds without a message that end the scan")] = 1.5,
) -> None:
    """Read the audit history of every event (by participant, hub, board, type or time), or replay
    the selected events to one service's queue (its inbox makes that idempotent). Prints ids only
    unless --full is given."""
    from datetime import UTC, datetime

    from shared.bus import audit as history

    def when(text: str | None) -> datetime | None:
        if text is None:
            return None
        value = datetime.fromisoformat(text)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    settings = ServiceSettings()
    selection = history.AuditFilter(
        participant=participant,
        hub=hub,
        board=board,
        event_types=tuple(event_type or ()),
        since=when(since),
        until=when(until),
    )
    events = asyncio.run(history.collect_history(settings, selection, idle_seconds=idle, limit=limit))
    if action == "list":
        for event in events:
            typer.echo(json.dumps(event.body if full else event.summary(), default=str, ensure_ascii=False))
        console.print(f"{len(events)} event(s) in {history.audit_stream_name(settings)}")
    elif action == "replay":
        if to is None:
            raise typer.BadParameter("replay needs --to SERVICE")
        target = settings_for(to)
        spec = build_spec(to, target)
        keys = {cls.routing_key() for cls in spec.handlers}
        sent = asyncio.run(history.replay(settings, events, to_queue=target.queue_name, routing_keys=keys))
        console.print(f"replayed {sent} of {len(events)} event(s) to {target.queue_name}")
    else:
        raise typer.BadParameter("action must be list or replay")


if __name__ == "__main__":
    app()
