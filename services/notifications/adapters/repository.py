"""Notifications' records in PostgreSQL: every statement the service runs, one repository per record.

The service layer reaches them through :func:`repositories` (the unit of work's session seen as
notifications' repositories) and never writes SQL itself. Board scoping: the consumers and workers act
in the system scope, HTTP requests in the caller's board; row-level security holds either way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from services.notifications.adapters.tables import (
    AwaitingMessage,
    BoardContact,
    BoardName,
    CalendarFeed,
    Contact,
    Enrolment,
    GrantSubmission,
    Hub,
    Notification,
    Pairing,
    Reminder,
    ScheduledItem,
    ThemeName,
    table_of,
)
from services.notifications.domain.wording import language_of
from shared.db import UnitOfWork
from shared.statements import InsertOnConflict, newer_snapshot_wins

# What the workers (mail dispatcher, scheduler) open their units of work with.
SessionFactory = async_sessionmaker[AsyncSession]
MAIL_CHANNEL = "mentorweb_mail"  # NOTIFY channel that wakes the mail dispatcher

_REPOSITORIES = "mentorweb.notifications.repositories"
_THEMES = "mentorweb.themes"
_BOARDS = "mentorweb.boards"
_MAIL_WOKEN = "mentorweb.mail_woken"


# -- contacts and their preferences ------------------------------------------------------------------

_CONTACT_FIELDS = ("revision", "given_name", "family_name", "email", "language", "role", "status")
# Compiled once (shared/statements.py); an older snapshot never overwrites a newer one.
_UPSERT_CONTACT = newer_snapshot_wins(
    table_of(Contact),
    key="participant_id",
    columns=("participant_id", "board", *_CONTACT_FIELDS),
    updated=_CONTACT_FIELDS,
)


class ContactRepository:
    """The contact directory, kept from registration's events (notifications never calls it)."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def upsert(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert or refresh contacts in one round trip (pipelined executemany)."""
        if rows:
            await _UPSERT_CONTACT.execute(self.session, rows)

    async def get(self, participant_id: object, *, fresh: bool = False, lock: bool = False) -> Contact | None:
        """``fresh``: as stored now (an upsert in this transaction does not refresh loaded objects);
        ``lock``: with its row lock (a change of preferences)."""
        return await self.session.get(
            Contact, participant_id, populate_existing=fresh or lock, with_for_update=lock or None
        )

    async def many(self, ids: Sequence[object]) -> dict[uuid.UUID, Contact]:
        if not ids:
            return {}
        rows = await self.session.execute(
            sa.select(Contact)
            .where(col(Contact.participant_id).in_(list(ids)))
            .execution_options(populate_existing=True)
        )
        return {c.participant_id: c for c in rows.scalars()}

    async def language_of_address(self, email: str) -> str | None:
        return (
            await self.session.execute(
                sa.select(col(Contact.language))
                .where(sa.func.lower(col(Contact.email)) == email.lower())
                .limit(1)
            )
        ).scalar_one_or_none()


class BoardContactRepository:
    """A board's coordinators and steering committee members."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, board: str, fields: Mapping[str, Any]) -> BoardContact | None:
        """None when that address is already one of the board's contacts."""
        table = table_of(BoardContact)
        inserted = (
            await self.session.execute(
                insert(table)
                .values(id=uuid.uuid4(), board=board, **fields)
                .on_conflict_do_nothing(constraint="uq_board_contact")
                .returning(table.c.id)
            )
        ).scalar_one_or_none()
        return None if inserted is None else await self.session.get(BoardContact, inserted)

    async def of_board(
        self, board: str, roles: Sequence[str] = ("coordinator", "steering_committee")
    ) -> list[BoardContact]:
        rows = await self.session.execute(
            sa.select(BoardContact)
            .where(col(BoardContact.board) == board, col(BoardContact.role).in_(roles))
            .order_by(col(BoardContact.created_at))
        )
        return list(rows.scalars())

    async def listing(self, board: str) -> list[BoardContact]:
        rows = await self.session.execute(
            sa.select(BoardContact)
            .where(col(BoardContact.board) == board)
            .order_by(col(BoardContact.created_at), col(BoardContact.email))
        )
        return list(rows.scalars())

    async def remove(self, board: str, contact_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            sa.delete(BoardContact).where(
                col(BoardContact.board) == board, col(BoardContact.id) == contact_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def boards(self, board: str | None = None) -> list[str]:
        """Boards that have contacts (or just ``board``, if it has any)."""
        query = sa.select(col(BoardContact.board)).distinct()
        if board is not None:
            query = query.where(col(BoardContact.board) == board)
        return list((await self.session.execute(query)).scalars())

    async def language_of_address(self, board: str, email: str) -> str | None:
        return (
            await self.session.execute(
                sa.select(col(BoardContact.language))
                .where(
                    col(BoardContact.board) == board, sa.func.lower(col(BoardContact.email)) == email.lower()
                )
                .limit(1)
            )
        ).scalar_one_or_none()


# -- names people read, and the current pairings ---------------------------------------------------


class NameRepository:
    """Boards and themes as registration names them; the current one-to-one pairings."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def remember_board(
        self, *, code: str, name: str, language: str | None, updated_at: datetime
    ) -> None:
        """Keep a board's name; an older event arriving late never overwrites a newer name."""
        table = table_of(BoardName)
        values: dict[str, object] = {"code": code, "name": name, "updated_at": updated_at}
        if language is not None:
            values["language"] = language
        statement = insert(table).values(**values)
        update = {"name": statement.excluded.name, "updated_at": statement.excluded.updated_at}
        if language is not None:
            update["language"] = statement.excluded.language
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.code],
                set_=update,
                where=statement.excluded.updated_at > table.c.updated_at,
            )
        )
        self.session.info.pop(_BOARDS, None)

    async def remember_theme(self, *, code: str, name_en: str, name_fr: str, updated_at: datetime) -> None:
        table = table_of(ThemeName)
        statement = insert(table).values(code=code, name_en=name_en, name_fr=name_fr, updated_at=updated_at)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.code],
                set_={
                    "name_en": statement.excluded.name_en,
                    "name_fr": statement.excluded.name_fr,
                    "updated_at": statement.excluded.updated_at,
                },
                where=statement.excluded.updated_at > table.c.updated_at,
            )
        )
        self.session.info.pop(_THEMES, None)

    async def _themes(self) -> dict[str, tuple[str, str]]:
        cached: dict[str, tuple[str, str]] | None = self.session.info.get(_THEMES)
        if cached is None:
            rows = await self.session.execute(
                sa.select(col(ThemeName.code), col(ThemeName.name_en), col(ThemeName.name_fr))
            )
            cached = {code: (en, fr) for code, en, fr in rows}
            self.session.info[_THEMES] = cached
        return cached

    async def theme_namer(self, language: str) -> Callable[[str], str | None]:
        """Theme code -> its name in ``language``; None for a theme registration has not published."""
        themes = await self._themes()
        index = 1 if language_of(language) == "fr" else 0

        def name(code: str) -> str | None:
            names = themes.get(code)
            return names[index] if names else None

        return name

    async def board_name(self, board: str) -> str | None:
        cached: dict[str, str | None] = self.session.info.setdefault(_BOARDS, {})
        if board not in cached:
            row = await self.session.get(BoardName, board)
            cached[board] = row.name if row is not None else None
        return cached[board]

    async def current_mentor(self, teacher_id: uuid.UUID) -> uuid.UUID | None:
        row = await self.session.get(Pairing, teacher_id, populate_existing=True)
        return row.mentor_id if row is not None else None

    async def set_mentor(
        self, *, board: str, teacher_id: uuid.UUID, mentor_id: uuid.UUID | None, updated_at: datetime
    ) -> None:
        table = table_of(Pairing)
        statement = insert(table).values(
            teacher_id=teacher_id, board=board, mentor_id=mentor_id, updated_at=updated_at
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.teacher_id],
                set_={"mentor_id": statement.excluded.mentor_id, "updated_at": statement.excluded.updated_at},
                where=statement.excluded.updated_at >= table.c.updated_at,
            )
        )


# -- what is scheduled: hubs, meetings, visits, sessions, enrolments, grant submissions ----------------


@dataclass(frozen=True)
class HubSnapshot:
    """A hub as an event describes it (``meeting_dates`` empty: the event does not say)."""

    hub_id: uuid.UUID
    board: str
    theme: str
    members: Sequence[uuid.UUID]
    leaders: Sequence[uuid.UUID]
    updated_at: datetime
    language: str | None = None
    meeting_dates: Sequence[datetime] = ()


class ScheduleRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def hub(self, hub_id: uuid.UUID | None, *, fresh: bool = False) -> Hub | None:
        if hub_id is None:
            return None
        return await self.session.get(Hub, hub_id, populate_existing=fresh)

    async def hub_formed(self, hub: HubSnapshot) -> None:
        """Keep a formed hub; a membership change seen before the formation is newer: its members stay."""
        table = table_of(Hub)
        statement = insert(table).values(
            hub_id=hub.hub_id,
            board=hub.board,
            theme=hub.theme,
            language=hub.language,
            members=[str(m) for m in hub.members],
            leaders=[str(m) for m in hub.leaders],
            meeting_dates=[d.isoformat() for d in hub.meeting_dates],
            updated_at=hub.updated_at,
        )
        newer = statement.excluded.updated_at > table.c.updated_at
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.hub_id],
                set_={
                    "theme": statement.excluded.theme,
                    "meeting_dates": statement.excluded.meeting_dates,
                    "members": sa.case((newer, statement.excluded.members), else_=table.c.members),
                    "leaders": sa.case((newer, statement.excluded.leaders), else_=table.c.leaders),
                    "updated_at": sa.func.greatest(table.c.updated_at, statement.excluded.updated_at),
                },
            )
        )

    async def hub_members_changed(self, hub: HubSnapshot) -> None:
        """Keep a hub's members and leaders; an older change arriving late changes nothing."""
        table = table_of(Hub)
        statement = insert(table).values(
            hub_id=hub.hub_id,
            board=hub.board,
            theme=hub.theme,
            members=[str(m) for m in hub.members],
            leaders=[str(m) for m in hub.leaders],
            meeting_dates=[],
            updated_at=hub.updated_at,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.hub_id],
                set_={
                    "members": statement.excluded.members,
                    "leaders": statement.excluded.leaders,
                    "updated_at": statement.excluded.updated_at,
                },
                where=statement.excluded.updated_at > table.c.updated_at,
            )
        )

    async def add_hub_meeting(
        self, *, meeting_id: uuid.UUID, board: str, hub_id: uuid.UUID, starts_at: datetime, ends_at: datetime
    ) -> None:
        """A meeting date announced with the hub, unless matching already scheduled it explicitly."""
        items = table_of(ScheduledItem)
        await self.session.execute(
            insert(items)
            .values(
                item_id=meeting_id,
                kind="meeting",
                board=board,
                hub_id=hub_id,
                starts_at=starts_at,
                ends_at=ends_at,
                sequence=0,
                cancelled=False,
                attendees=[],
            )
            .on_conflict_do_nothing(index_elements=[items.c.item_id])
        )

    async def item(self, item_id: uuid.UUID, *, fresh: bool = True) -> ScheduledItem | None:
        return await self.session.get(ScheduledItem, item_id, populate_existing=fresh)

    async def remember_item(
        self, *, item_id: uuid.UUID, values: Mapping[str, object], sequence: int, cancelled: bool
    ) -> bool:
        """Store the latest version of a meeting, visit or session; False for a stale (lower
        sequence) copy. A cancellation at the same sequence still applies (producers may cancel
        without bumping)."""
        table = table_of(ScheduledItem)
        statement = insert(table).values(item_id=item_id, sequence=sequence, cancelled=cancelled, **values)
        update = {c: statement.excluded[c] for c in (*values, "sequence", "cancelled")}
        applied = await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.item_id],
                set_=update,
                where=sa.or_(
                    table.c.sequence < statement.excluded.sequence,
                    sa.and_(
                        table.c.sequence == statement.excluded.sequence,
                        statement.excluded.cancelled,
                        sa.not_(table.c.cancelled),
                    ),
                ),
            ).returning(table.c.item_id)
        )
        return applied.first() is not None

    async def hub_meetings(self, hub_id: uuid.UUID, after: datetime) -> list[ScheduledItem]:
        rows = await self.session.execute(
            sa.select(ScheduledItem)
            .where(
                col(ScheduledItem.hub_id) == hub_id,
                col(ScheduledItem.kind) == "meeting",
                col(ScheduledItem.starts_at) > after,
            )
            .order_by(col(ScheduledItem.starts_at))
            .execution_options(populate_existing=True)
        )
        return list(rows.scalars())

    async def enrolment(self, session_id: uuid.UUID, participant_id: uuid.UUID) -> Enrolment | None:
        return await self.session.get(Enrolment, (session_id, participant_id))

    async def enrolled(self, session_id: uuid.UUID, statuses: Sequence[str]) -> list[uuid.UUID]:
        rows = await self.session.execute(
            sa.select(col(Enrolment.participant_id)).where(
                col(Enrolment.session_id) == session_id, col(Enrolment.status).in_(statuses)
            )
        )
        return list(rows.scalars())

    async def set_enrolment(
        self,
        *,
        session_id: uuid.UUID,
        participant_id: uuid.UUID,
        board: str,
        status: str,
        position: int | None,
        updated_at: datetime,
    ) -> bool:
        """Keep an enrolment's status; False when a later change of it is already known."""
        table = table_of(Enrolment)
        statement = insert(table).values(
            session_id=session_id,
            participant_id=participant_id,
            board=board,
            status=status,
            position=position,
            updated_at=updated_at,
        )
        applied = await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.session_id, table.c.participant_id],
                set_={c: statement.excluded[c] for c in ("status", "position", "updated_at")},
                where=statement.excluded.updated_at > table.c.updated_at,
            ).returning(table.c.session_id)
        )
        return applied.first() is not None

    async def grant_submitted(self, *, board: str, program_year: str, application_id: uuid.UUID) -> None:
        await self.session.execute(
            insert(table_of(GrantSubmission))
            .values(board=board, program_year=program_year, application_id=application_id)
            .on_conflict_do_nothing()
        )

    async def has_submitted(self, board: str, program_year: str) -> bool:
        return await self.session.get(GrantSubmission, (board, program_year)) is not None


# -- calendars and their feeds -------------------------------------------------------------------------


class CalendarRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def items_of(self, participant_id: uuid.UUID, since: datetime) -> list[ScheduledItem]:
        """What the participant is in, not cancelled, ending from ``since`` on: meetings and visits
        that list them among the attendees, sessions they hold a confirmed place in."""
        enrolled = sa.select(col(Enrolment.session_id)).where(
            col(Enrolment.participant_id) == participant_id,
            col(Enrolment.status) == "confirmed",
        )
        attendees = table_of(ScheduledItem).c.attendees
        rows = await self.session.execute(
            sa.select(ScheduledItem)
            .where(
                col(ScheduledItem.cancelled).is_(False),
                col(ScheduledItem.ends_at) >= since,
                sa.or_(attendees.contains([str(participant_id)]), col(ScheduledItem.item_id).in_(enrolled)),
            )
            .order_by(col(ScheduledItem.starts_at), col(ScheduledItem.item_id))
        )
        return list(rows.scalars())

    async def feed(self, participant_id: uuid.UUID, *, lock: bool = False) -> CalendarFeed | None:
        return await self.session.get(CalendarFeed, participant_id, with_for_update=lock or None)

    def add_feed(self, feed: CalendarFeed) -> None:
        self.session.add(feed)

    async def revoke(self, participant_id: uuid.UUID) -> bool:
        deleted = await self.session.execute(
            sa.delete(CalendarFeed).where(col(CalendarFeed.participant_id) == participant_id)
        )
        return bool(getattr(deleted, "rowcount", 0))

    async def owner_of(self, token_hash: str) -> uuid.UUID | None:
        return (
            await self.session.execute(
                sa.select(col(CalendarFeed.participant_id)).where(col(CalendarFeed.token_hash) == token_hash)
            )
        ).scalar_one_or_none()


# -- reminders -----------------------------------------------------------------------------------------


class ReminderRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def schedule(
        self, *, key: str, kind: str, board: str, due_at: datetime, payload: dict[str, Any]
    ) -> None:
        """Create or move the reminder ``key``; one already sent is sent again only if it moves."""
        table = table_of(Reminder)
        statement = insert(table).values(
            id=uuid.uuid4(), key=key, kind=kind, board=board, due_at=due_at, state="pending", payload=payload
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "due_at": statement.excluded.due_at,
                    "payload": statement.excluded.payload,
                    "state": "pending",
                    "sent_at": None,
                    "note": None,
                },
                where=sa.or_(
                    table.c.due_at != statement.excluded.due_at,
                    table.c.state.in_(("cancelled", "skipped")),
                ),
            )
        )

    async def cancel(self, key: str, *, note: str) -> None:
        await self.session.execute(
            sa.update(Reminder)
            .where(col(Reminder.key) == key, col(Reminder.state) == "pending")
            .values(state="cancelled", note=note)
        )

    async def plan(
        self, *, key: str, kind: str, board: str, due_at: datetime, payload: dict[str, Any]
    ) -> bool:
        """Plan a reminder unless it exists; one skipped for want of board contacts is planned again.
        True when a row was written."""
        table = table_of(Reminder)
        statement = (
            insert(table)
            .values(
                id=uuid.uuid4(),
                key=key,
                kind=kind,
                board=board,
                due_at=due_at,
                state="pending",
                payload=payload,
            )
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={"state": "pending", "note": None},
                where=sa.and_(table.c.state == "skipped", table.c.note == "no board contacts"),
            )
            .returning(table.c.id)
        )
        return bool((await self.session.execute(statement)).all())

    async def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        """Due reminders, locked (SKIP LOCKED: another replica claims others)."""
        rows = await self.session.execute(
            sa.select(Reminder)
            .where(col(Reminder.state) == "pending", col(Reminder.due_at) <= now)
            .order_by(col(Reminder.due_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows.scalars())


# -- messages waiting for what they need --------------------------------------------------------------

_LOCK_ALL = sa.text(
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM "
    "(SELECT k FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS u(k, n) ORDER BY n OFFSET 0) AS ordered"
)


@dataclass(frozen=True)
class Parked:
    target: str
    body: dict[str, Any]
    created_at: datetime


class AwaitingRepository:
    """Events' messages parked until their contact, board, session or hub is known."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def lock(self, keys: Sequence[str]) -> None:
        """Transaction-scoped advisory locks on ``keys``, taken in sorted order (two transactions
        locking overlapping sets cannot deadlock), in one round trip."""
        await self.session.execute(_LOCK_ALL, {"keys": sorted(set(keys))})

    async def park(
        self,
        *,
        event_id: uuid.UUID,
        event_type: str,
        board: str,
        target: str,
        waiting_for: str,
        body: dict[str, Any],
    ) -> None:
        table = table_of(AwaitingMessage)
        statement = insert(table).values(
            id=uuid.uuid4(),
            event_id=event_id,
            event_type=event_type,
            board=board,
            target=target,
            waiting_for=waiting_for,
            body=body,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                constraint="uq_awaiting_once", set_={"waiting_for": statement.excluded.waiting_for}
            )
        )

    async def take(self, keys: Sequence[str]) -> list[Parked]:
        """Remove and return what waited for ``keys`` (after what they waited for is written and
        its keys locked), oldest first."""
        await self.session.flush()
        await self.lock(keys)
        table = table_of(AwaitingMessage)
        rows = (
            await self.session.execute(
                sa.delete(table)
                .where(table.c.waiting_for.in_(sorted(set(keys))))
                .returning(table.c.target, table.c.body, table.c.created_at)
            )
        ).all()
        return [Parked(r.target, r.body, r.created_at) for r in sorted(rows, key=lambda r: r.created_at)]


# -- stored mail: what awaits delivery, what was sent, the weekly digests ------------------------------

_NOTIFICATION_COLUMNS = (
    "id",
    "event_id",
    "board",
    "recipient_id",
    "recipient_email",
    "language",
    "template",
    "subject",
    "body_text",
    "body_html",
    "calendar",
    "urgent",
    "state",
)
# Compiled once (shared/statements.py); a redelivered event's notification is not stored twice.
_INSERT_ONCE = InsertOnConflict(
    table_of(Notification),
    _NOTIFICATION_COLUMNS,
    "ON CONFLICT ON CONSTRAINT uq_notification_once DO NOTHING RETURNING 1",
)
_INSERT_MANY = InsertOnConflict(
    table_of(Notification),
    _NOTIFICATION_COLUMNS,
    "ON CONFLICT ON CONSTRAINT uq_notification_once DO NOTHING",
)


@dataclass(frozen=True)
class LogFilter:
    """Which part of the delivery log; ``boards`` None = every board; ``addressed_to``: only the
    messages of this participant (what a participant may read of the log)."""

    boards: Sequence[str] | None = None
    addressed_to: uuid.UUID | None = None
    recipient_id: uuid.UUID | None = None
    board: str | None = None
    event_id: uuid.UUID | None = None
    state: str | None = None
    template: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class MailRepository:
    """The delivery log: each message stored once per (event, recipient, template), then sent."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def store(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Store rendered messages; one already stored for the same event, recipient and template is
        left as it is. Returns how many were new (one row: counted; several: one round trip, not
        counted, reported as their number)."""
        if not rows:
            return 0
        if len(rows) == 1:
            inserted = (await _INSERT_ONCE.execute(self.session, rows)).first() is not None
            if inserted and rows[0]["state"] == "pending":
                await self.wake_dispatcher()
            return int(inserted)
        await _INSERT_MANY.execute(self.session, rows)
        if any(row["state"] == "pending" for row in rows):
            await self.wake_dispatcher()
        return len(rows)

    async def wake_dispatcher(self) -> None:
        # NOTIFY is delivered at commit; once per transaction is enough (a consumer's transaction can
        # queue a whole batch of messages).
        if not self.session.info.get(_MAIL_WOKEN):
            await self.session.execute(sa.text(f"NOTIFY {MAIL_CHANNEL}"))
            self.session.info[_MAIL_WOKEN] = True

    async def release_held(self, recipient_id: uuid.UUID) -> None:
        """What the weekly digest held for ``recipient_id`` is due now."""
        released = await self.session.execute(
            sa.update(Notification)
            .where(col(Notification.recipient_id) == recipient_id, col(Notification.state) == "held")
            .values(state="pending", next_attempt_at=sa.func.now())
        )
        if getattr(released, "rowcount", 0):
            await self.session.execute(sa.text(f"NOTIFY {MAIL_CHANNEL}"))

    async def retry_now(self) -> None:
        """Every pending message waiting out its backoff is due now (SMTP answers again)."""
        await self.session.execute(
            sa.update(Notification)
            .where(col(Notification.state) == "pending", col(Notification.next_attempt_at) > sa.func.now())
            .values(next_attempt_at=sa.func.now())
        )

    async def claim_due(self, limit: int, now: datetime | None) -> list[Notification]:
        """Due messages, locked (SKIP LOCKED: replicas share the work)."""
        rows = await self.session.execute(
            sa.select(Notification)
            .where(
                col(Notification.state) == "pending",
                col(Notification.next_attempt_at) <= (now or sa.func.now()),
            )
            .order_by(col(Notification.next_attempt_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows.scalars().all())

    async def held_recipients(self) -> list[tuple[str, str]]:
        """(address, board) of everyone with messages held for a digest."""
        rows = await self.session.execute(
            sa.select(col(Notification.recipient_email), sa.func.min(col(Notification.board)))
            .where(col(Notification.state) == "held")
            .group_by(col(Notification.recipient_email))
        )
        return [(email, board) for email, board in rows.all()]

    async def claim_held(self, email: str, before: datetime) -> list[Notification]:
        rows = await self.session.execute(
            sa.select(Notification)
            .where(
                col(Notification.state) == "held",
                col(Notification.recipient_email) == email,
                col(Notification.created_at) < before,
            )
            .order_by(col(Notification.created_at))
            .with_for_update(skip_locked=True)
        )
        return list(rows.scalars())

    async def id_of(self, *, event_id: uuid.UUID, email: str, template: str) -> uuid.UUID:
        return (
            await self.session.execute(
                sa.select(col(Notification.id)).where(
                    col(Notification.event_id) == event_id,
                    col(Notification.recipient_email) == email,
                    col(Notification.template) == template,
                )
            )
        ).scalar_one()

    async def log(self, where: LogFilter, *, limit: int, offset: int) -> tuple[list[Notification], int]:
        """A page of the delivery log (newest first) and how many entries it has in all."""
        filters: list[sa.ColumnElement[bool]] = []
        if where.boards is not None:
            filters.append(col(Notification.board).in_(where.boards))
        if where.addressed_to is not None:
            filters.append(col(Notification.recipient_id) == where.addressed_to)
        if where.board:
            filters.append(col(Notification.board) == where.board)
        if where.recipient_id:
            filters.append(col(Notification.recipient_id) == where.recipient_id)
        if where.event_id:
            filters.append(col(Notification.event_id) == where.event_id)
        if where.state:
            filters.append(col(Notification.state) == where.state)
        if where.template:
            filters.append(col(Notification.template) == where.template)
        if where.since:
            filters.append(col(Notification.created_at) >= where.since)
        if where.until:
            filters.append(col(Notification.created_at) < where.until)
        total = (
            await self.session.execute(sa.select(sa.func.count()).select_from(Notification).where(*filters))
        ).scalar_one()
        rows = await self.session.execute(
            sa.select(Notification)
            .where(*filters)
            .order_by(col(Notification.created_at).desc(), col(Notification.id))
            .limit(limit)
            .offset(offset)
        )
        return list(rows.scalars()), total


# -- all of them, for one unit of work -----------------------------------------------------------------


class Repositories:
    """Notifications' repositories over one unit of work's session."""

    def __init__(self, session: AsyncSession):
        self.contacts = ContactRepository(session)
        self.board_contacts = BoardContactRepository(session)
        self.names = NameRepository(session)
        self.schedule = ScheduleRepository(session)
        self.calendars = CalendarRepository(session)
        self.reminders = ReminderRepository(session)
        self.awaiting = AwaitingRepository(session)
        self.mail = MailRepository(session)


def repositories(uow: UnitOfWork) -> Repositories:
    """The repositories of ``uow`` (made once per unit of work: they share its session and caches)."""
    found = uow.session.info.get(_REPOSITORIES)
    if not isinstance(found, Repositories):
        found = Repositories(uow.session)
        uow.session.info[_REPOSITORIES] = found
    return found
