"""The tables. Times are aware UTC datetimes; the office's time zone applies only at the edges."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def new_ticket_id() -> str:
    # The id is the visitor's key to the phone page: unguessable, and short enough for a QR code.
    return secrets.token_urlsafe(16)


class TicketStatus(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class PriorityStatus(enum.StrEnum):
    DECLARED = "declared"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Ticket(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("office_day", "number", name="uq_ticket_day_number"),
        # Everything that runs per change reads one office day: leading with the day keeps its
        # cost that of today's tickets, however many past days the table holds. This one serves
        # the queues (waiting counts, places, the next call, the calls on display).
        Index(
            "ix_ticket_day",
            "office_day",
            "status",
            "service",
            "target_desk",
            "effective_at",
            "seq",
            "number",
        ),
        # The last visits finished today per service, newest first, without visiting the rows.
        Index(
            "ix_ticket_day_finished", "office_day", "status", "service", "finished_at", "called_at"
        ),
        # Who a desk holds, whatever the day: only called and served tickets are looked up here,
        # at most one per desk, so the search never meets history.
        Index("ix_ticket_held", "status", "desk"),
        # The long-wait sweep: only the waiting tickets not flagged yet. Each side's predicate is
        # written the way SQLAlchemy renders the sweep's condition, so both planners match it.
        Index(
            "ix_ticket_long_wait",
            # status too, though constant here: SQLite without statistics would otherwise
            # prefer the equality on ix_ticket_held's status to this index's range.
            "status",
            "issued_at",
            sqlite_where=text("status = 'WAITING' AND long_wait_alerted = 0"),
            postgresql_where=text("status = 'WAITING' AND NOT long_wait_alerted"),
        ),
    )

    id: str = Field(default_factory=new_ticket_id, primary_key=True, max_length=32)
    office_day: date
    seq: int
    number: str = Field(max_length=8)
    service: str = Field(max_length=40)
    issued_service: str = Field(max_length=40)
    language: str = Field(max_length=2)
    needs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The desk features its needs call for, sorted and comma-joined, fixed at issue: the fair
    # order's SQL compares it as a plain column (rules.requires).
    requires: str | None = Field(default=None, max_length=80)
    priority: str | None = Field(default=None, max_length=40)
    priority_status: PriorityStatus | None = None
    status: TicketStatus = Field(default=TicketStatus.WAITING)
    issued_at: datetime
    # issued_at minus the priority's boost: the single key of fair order.
    effective_at: datetime
    desk: int | None = None
    target_desk: int | None = None
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    no_show_at: datetime | None = None
    recalls: int = 0
    long_wait_alerted: bool = False


class TicketCounter(SQLModel, table=True):
    """The last number given per service per office day; bumped atomically on issue."""

    office_day: date = Field(primary_key=True)
    letter: str = Field(primary_key=True, max_length=1)
    last_seq: int = 0


class IssueRequest(SQLModel, table=True):
    """An issue attempt a device named with an idempotency key, and the ticket it made: a retry
    of the same attempt gets that ticket back instead of a second one."""

    issuer: str = Field(primary_key=True, max_length=100)  # the caller's Actor.label
    key: str = Field(primary_key=True, max_length=64)
    ticket_id: str = Field(max_length=32)
    office_day: date = Field(index=True)  # lets old attempts be swept by day


class DeskState(SQLModel, table=True):
    number: int = Field(primary_key=True)
    open: bool = False
    clerk: str | None = Field(default=None, max_length=80)
    opened_at: datetime | None = None
    # Open but away (a break): not counted as working by call routing and the estimates.
    paused_at: datetime | None = None
    break_reason: str | None = Field(default=None, max_length=40)


class AlertStatus(enum.StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Alert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    desk: int | None = None
    kind: str = Field(max_length=40)
    silent: bool = False
    status: AlertStatus = Field(default=AlertStatus.RAISED, index=True)
    raised_by: str = Field(max_length=80)
    raised_at: datetime
    ticket_id: str | None = Field(default=None, max_length=32)
    # Kept with the alert: whoever answers needs the number, and a ticket's number never changes.
    ticket_number: str | None = Field(default=None, max_length=8)
    acknowledged_by: str | None = Field(default=None, max_length=80)
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None
    resolved_by: str | None = Field(default=None, max_length=80)
    resolved_at: datetime | None = None
    note: str | None = Field(default=None, max_length=2000)


class IncidentReport(SQLModel, table=True):
    """What happened at a desk, written down after the alert is closed: for an internal inquiry
    or the authorities. Prefilled from the alert; the supervisor and the clerk complete it."""

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int | None = Field(default=None, unique=True)
    office_day: date = Field(index=True)
    occurred_at: datetime
    desk: int | None = None
    ticket_id: str | None = Field(default=None, max_length=32)
    ticket_number: str | None = Field(default=None, max_length=8)
    clerk: str = Field(max_length=80, index=True)
    kind: str = Field(max_length=40)
    responder: str | None = Field(default=None, max_length=80)
    what_happened: str = Field(default="", max_length=4000)
    what_was_said: str = Field(default="", max_length=4000)
    witnesses: str = Field(default="", max_length=2000)
    actions_taken: str = Field(default="", max_length=4000)
    police_called: bool = False
    medical_called: bool = False
    created_by: str = Field(max_length=80)
    created_at: datetime
    updated_by: str | None = Field(default=None, max_length=80)
    updated_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """The append-only log: every change, written in the same transaction as the change."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    office_day: date = Field(index=True)
    kind: str = Field(max_length=40, index=True)
    actor: str = Field(max_length=80)
    desk: int | None = None
    ticket_id: str | None = Field(default=None, max_length=32, index=True)
    service: str | None = Field(default=None, max_length=40)
    reason: str | None = Field(default=None, max_length=200)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Role(enum.StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    KIOSK = "kiosk"
    DISPLAY = "display"
    INTEGRATION = "integration"
    # Building security: hears an alert once it is escalated, and may answer it.
    SECURITY = "security"


STAFF_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN, Role.SECURITY})
DEVICE_ROLES = frozenset({Role.KIOSK, Role.DISPLAY, Role.INTEGRATION})


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    password_hash: str = Field(max_length=256)
    role: Role
    active: bool = True
    created_at: datetime


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    role: Role
    # Only a hash is stored; the token itself is shown once, when created.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime
    revoked: bool = False


# Personal data. Kept apart from the append-only log, which holds only ids and facts, so that
# all of it can be erased after retention_days or on the visitor's request (docs/privacy.md).


class Contact(SQLModel, table=True):
    """The e-mail address a visitor gave for written contact, with their consent."""

    ticket_id: str = Field(primary_key=True, max_length=32)
    # The visit's day: what retention_days counts from.
    office_day: date = Field(index=True)
    email: str = Field(max_length=254, index=True)
    language: str = Field(max_length=2)
    consented_at: datetime
    updated_at: datetime
    # "Your turn is near" goes once per ticket, however the queue moves afterwards.
    near_sent: bool = False


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class FollowUp(SQLModel, table=True):
    """What the office promised a visitor at the desk, and by when."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(max_length=32, index=True)
    office_day: date = Field(index=True)
    desk: int | None = None
    promise: str = Field(max_length=2000)
    due: date
    status: FollowUpStatus = Field(default=FollowUpStatus.OPEN, index=True)
    created_by: str = Field(max_length=80)
    created_at: datetime
    done_by: str | None = Field(default=None, max_length=80)
    done_at: datetime | None = None


class MailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # No longer true when it could finally go (a "near" message for a ticket already called).
    STALE = "stale"
    # The mail server refused it for good (an address that does not exist): not retried.
    REFUSED = "refused"


class OutboxMessage(SQLModel, table=True):
    """A message to send, written in the same transaction as the change that causes it. Its
    Message-ID is fixed then, so a resend after a crash is recognisably the same message."""

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=200, unique=True)
    office_day: date = Field(index=True)
    ticket_id: str | None = Field(default=None, max_length=32, index=True)
    kind: str = Field(max_length=20)
    recipient: str = Field(max_length=254)
    language: str = Field(max_length=2)
    # What the template needs, fixed at the moment of the change (number, desk, estimate...).
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: MailStatus = Field(default=MailStatus.PENDING)
    created_at: datetime
    attempts: int = 0
    # When a sender may take it next: after a backoff, or once another sender's claim lapses.
    next_attempt_at: datetime
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = None
