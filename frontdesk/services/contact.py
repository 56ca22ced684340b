"""Written contact for visitors who ask for it: their e-mail address (given with consent), the
messages the queue sends them, the office's follow-ups, and the outbox the sender empties.

Every message is written to the outbox in the transaction of the change that causes it, so a
committed change always has its message, and a rolled-back one never does."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import make_msgid

from sqlalchemy import func
from sqlmodel import col, select

from frontdesk import events as ev
from frontdesk.queue import errors
from frontdesk.queue.model import (
    Contact,
    FollowUp,
    FollowUpStatus,
    MailStatus,
    OutboxMessage,
    Ticket,
    TicketStatus,
)
from frontdesk.queue.rules import office_day
from frontdesk.services.core import SYSTEM, Actor, Core, UnitOfWork
from frontdesk.services.views import iso, people_ahead, ticket_view
from frontdesk.settings import Desk

# Deliberately loose: the mail server is the judge of an address; this catches typing slips.
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
LIVE = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)

TICKET, NEAR, CALLED, SUMMARY = "ticket", "near", "called", "summary"
KINDS = (TICKET, NEAR, CALLED, SUMMARY)


def clean_email(email: str) -> str:
    email = email.strip()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise errors.InvalidEmail()
    # The domain is case-blind; the part before @ is the recipient's own and is kept as typed.
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def contact_view(contact: Contact | None) -> dict:
    if contact is None:
        return {"email": None}
    return {
        "email": contact.email,
        "language": contact.language,
        "consented_at": iso(contact.consented_at),
    }


def get_contact(core: Core, ticket_id: str) -> dict:
    with core.reading() as session:
        if session.get(Ticket, ticket_id) is None:
            raise errors.UnknownTicket()
        return contact_view(session.get(Contact, ticket_id))


def set_contact(core: Core, actor: Actor, ticket_id: str, email: str, consent: bool) -> dict:
    """Give or correct the address for a live ticket. A new address gets the ticket by e-mail,
    so the visitor sees at once that it is right."""
    if not core.settings.mail.host:
        raise errors.MailUnavailable()
    if consent is not True:
        raise errors.ConsentMissing()
    email = clean_email(email)
    with core.unit_of_work() as uow:
        ticket = _live_ticket(uow, ticket_id)
        contact = uow.session.get(Contact, ticket.id)
        changed = contact is None or contact.email != email
        if contact is None:
            contact = Contact(
                ticket_id=ticket.id,
                office_day=ticket.office_day,
                email=email,
                language=ticket.language,
                consented_at=uow.now,
                updated_at=uow.now,
            )
            uow.session.add(contact)
        else:
            contact.email, contact.consented_at, contact.updated_at = email, uow.now, uow.now
            # Anything not yet sent to the old address goes nowhere: it may have been a typo.
            _drop_pending(uow, ticket.id)
        if changed:
            view = ticket_view(uow.core, uow.session, ticket)
            queue_message(
                uow,
                contact,
                TICKET,
                {
                    "number": ticket.number,
                    "service": ticket.service,
                    "people_ahead": view["people_ahead"],
                    "eta_range": view["eta_range"],
                    "status_url": view["status_url"],
                },
            )
            ahead = view["people_ahead"]
            # The ticket message already says how near the turn is; no second message for it.
            contact.near_sent = ahead is None or ahead <= core.settings.mail.near_people_ahead
        # The log says that an address was given, never which.
        uow.log("contact.given", actor, ticket_id=ticket.id, service=ticket.service)
        uow.commit()
        return contact_view(contact)


def remove_contact(core: Core, actor: Actor, ticket_id: str) -> None:
    """The visitor withdraws the address: it and every unsent message to it are deleted."""
    with core.unit_of_work() as uow:
        contact = uow.session.get(Contact, ticket_id)
        if contact is None:
            raise errors.NoContact()
        _drop_pending(uow, ticket_id)
        uow.session.delete(contact)
        uow.log("contact.withdrawn", actor, ticket_id=ticket_id)
        uow.commit()


def on_call(uow: UnitOfWork, ticket: Ticket, desk: Desk) -> None:
    """Inside a call's transaction: the called visitor's written twin of the spoken call, and
    "your turn is near" to those the call brought within reach."""
    session = uow.session
    contact = session.get(Contact, ticket.id)
    if contact is not None:
        params = {"number": ticket.number, "desk": desk.number, "desk_name": desk.name}
        queue_message(uow, contact, CALLED, params)
    threshold = uow.settings.mail.near_people_ahead
    waiting = session.exec(
        select(Contact, Ticket)
        .join(Ticket, col(Ticket.id) == col(Contact.ticket_id))
        .where(
            Contact.office_day == uow.today,
            col(Contact.near_sent).is_(False),
            Ticket.office_day == uow.today,
            Ticket.status == TicketStatus.WAITING,
        )
    ).all()
    for near, waiter in waiting:
        ahead = people_ahead(session, waiter)
        if ahead <= threshold:
            near.near_sent = True
            queue_message(uow, near, NEAR, {"number": waiter.number, "people_ahead": ahead})


def queue_message(uow: UnitOfWork, contact: Contact, kind: str, params: dict) -> OutboxMessage:
    sender = uow.settings.mail.sender
    message = OutboxMessage(
        message_id=make_msgid(domain=sender.rsplit("@", 1)[-1] or "frontdesk.invalid"),
        office_day=contact.office_day,
        ticket_id=contact.ticket_id,
        kind=kind,
        recipient=contact.email,
        language=contact.language,
        params=params,
        created_at=uow.now,
        next_attempt_at=uow.now,
    )
    uow.session.add(message)
    uow.emit(ev.Event(ev.MAIL_QUEUED, {}, ()))
    return message


# Follow-ups and summaries, for the desk.


def record_follow_up(
    core: Core, actor: Actor, ticket_id: str, promise: str, due: date, desk: int | None = None
) -> dict:
    promise = promise.strip()
    if not promise:
        raise errors.InvalidInput(field="promise")
    with core.unit_of_work() as uow:
        ticket = uow.session.get(Ticket, ticket_id)
        if ticket is None:
            raise errors.UnknownTicket()
        if due < uow.today:
            raise errors.InvalidInput(field="due")
        erased_on = ticket.office_day + timedelta(days=core.settings.retention_days)
        if due >= erased_on:
            raise errors.FollowUpTooLate(date=erased_on.isoformat())
        item = FollowUp(
            ticket_id=ticket.id,
            office_day=ticket.office_day,
            desk=desk if desk is not None else ticket.desk,
            promise=promise,
            due=due,
            created_by=actor.label,
            created_at=uow.now,
        )
        uow.session.add(item)
        uow.session.flush()
        uow.log(
            "followup.recorded",
            actor,
            desk=item.desk,
            ticket_id=ticket.id,
            service=ticket.service,
            follow_up=item.id,
            due=due.isoformat(),
        )
        view = follow_up_view(item, ticket)
        uow.commit()
        return view


def close_follow_up(core: Core, actor: Actor, follow_up_id: int) -> dict:
    with core.unit_of_work() as uow:
        item = uow.session.get(FollowUp, follow_up_id)
        if item is None:
            raise errors.UnknownFollowUp()
        if item.status is FollowUpStatus.OPEN:
            item.status, item.done_by, item.done_at = FollowUpStatus.DONE, actor.label, uow.now
            uow.log("followup.done", actor, ticket_id=item.ticket_id, follow_up=item.id)
        view = follow_up_view(item, uow.session.get(Ticket, item.ticket_id))
        uow.commit()
        return view


def open_follow_ups(core: Core) -> list[dict]:
    """The office's list: every open promise, the soonest due first."""
    with core.reading() as session:
        rows = session.exec(
            select(FollowUp, Ticket, Contact)
            .join(Ticket, col(Ticket.id) == col(FollowUp.ticket_id))
            .join(Contact, col(Contact.ticket_id) == col(FollowUp.ticket_id), isouter=True)
            .where(FollowUp.status == FollowUpStatus.OPEN)
            .order_by(col(FollowUp.due), col(FollowUp.id))
        ).all()
        return [follow_up_view(item, ticket, contact) for item, ticket, contact in rows]


def follow_up_view(item: FollowUp, ticket: Ticket | None, contact: Contact | None = None) -> dict:
    return {
        "id": item.id,
        "ticket_id": item.ticket_id,
        "number": ticket.number if ticket else None,
        "desk": item.desk,
        "promise": item.promise,
        "due": item.due.isoformat(),
        "status": item.status.value,
        "created_by": item.created_by,
        "created_at": iso(item.created_at),
        "email": contact.email if contact else None,
    }


def send_summary(core: Core, actor: Actor, ticket_id: str, text: str) -> dict:
    """The clerk's written summary of the visit, in the visitor's language's template."""
    text = text.strip()
    if not text:
        raise errors.InvalidInput(field="text")
    with core.unit_of_work() as uow:
        ticket = uow.session.get(Ticket, ticket_id)
        if ticket is None:
            raise errors.UnknownTicket()
        contact = uow.session.get(Contact, ticket_id)
        if contact is None:
            raise errors.NoContact()
        promises = uow.session.exec(
            select(FollowUp)
            .where(FollowUp.ticket_id == ticket_id, FollowUp.status == FollowUpStatus.OPEN)
            .order_by(col(FollowUp.due))
        ).all()
        message = queue_message(
            uow,
            contact,
            SUMMARY,
            {
                "number": ticket.number,
                "service": ticket.service,
                "text": text,
                "follow_ups": [{"promise": p.promise, "due": p.due.isoformat()} for p in promises],
            },
        )
        uow.log("summary.queued", actor, desk=ticket.desk, ticket_id=ticket.id)
        uow.commit()
        return {"message_id": message.message_id, "status": message.status.value}


# The outbox, for the sender.


def claim_due(core: Core, limit: int, lease_seconds: float) -> list[OutboxMessage]:
    """Take up to `limit` messages due now. A claim is a lease: if this process dies before it
    reports back, the message is due again once the lease lapses, and goes with the same
    Message-ID. Messages no longer true are set aside instead."""
    with core.unit_of_work() as uow:
        statement = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == MailStatus.PENDING,
                col(OutboxMessage.next_attempt_at) <= uow.now,
            )
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .limit(limit)
        )
        if uow.core.db.dialect == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        claimed = []
        for message in uow.session.exec(statement).all():
            if _stale(uow, message):
                message.status = MailStatus.STALE
                continue
            message.next_attempt_at = uow.now + timedelta(seconds=lease_seconds)
            claimed.append(message)
        uow.session.flush()
        for message in claimed:
            uow.session.expunge(message)
        uow.commit()
        return claimed


def _stale(uow: UnitOfWork, message: OutboxMessage) -> bool:
    if message.kind not in (NEAR, CALLED) or message.ticket_id is None:
        return False
    ticket = uow.session.get(Ticket, message.ticket_id)
    if ticket is None:
        return True
    if message.kind == NEAR:
        return ticket.status is not TicketStatus.WAITING
    return ticket.status is not TicketStatus.CALLED or ticket.desk != message.params.get("desk")


def mark_sent(core: Core, message_id: int | None) -> None:
    with core.unit_of_work() as uow:
        message = uow.session.get(OutboxMessage, message_id)
        if message is not None and message.status is MailStatus.PENDING:
            message.status, message.sent_at = MailStatus.SENT, uow.now
            message.attempts += 1
            message.last_error = None
        uow.commit()


def mark_failed(core: Core, message_id: int | None, error: str, *, permanent: bool = False) -> None:
    """A failed attempt: tried again after a backoff that doubles up to 15 minutes, or, when the
    server refused the message for good, not again."""
    with core.unit_of_work() as uow:
        message = uow.session.get(OutboxMessage, message_id)
        if message is not None and message.status is MailStatus.PENDING:
            message.attempts += 1
            message.last_error = error[:500]
            if permanent:
                message.status = MailStatus.REFUSED
            else:
                message.next_attempt_at = uow.now + backoff(message.attempts)
        uow.commit()


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 900))


def mail_status(core: Core) -> dict:
    """For supervisors: how many messages wait, how many have failed at least once, the oldest
    waiting one, and the last error (which names no address)."""
    with core.reading() as session:
        pending = session.exec(
            select(
                func.count(),
                func.count(col(OutboxMessage.last_error)),
                func.min(OutboxMessage.created_at),
            ).where(OutboxMessage.status == MailStatus.PENDING)
        ).one()
        last = session.exec(
            select(OutboxMessage.last_error)
            .where(
                OutboxMessage.status == MailStatus.PENDING,
                col(OutboxMessage.last_error).is_not(None),
            )
            .order_by(col(OutboxMessage.id).desc())
            .limit(1)
        ).first()
        refused = session.exec(
            select(func.count()).where(
                OutboxMessage.status == MailStatus.REFUSED,
                OutboxMessage.office_day == _today(core),
            )
        ).one()
    count, failing, oldest = pending
    return {
        "configured": bool(core.settings.mail.host),
        "ok": failing == 0,
        "pending": count,
        "failing": failing,
        "oldest_pending_at": iso(_aware(oldest)),
        "last_error": last,
        "refused_today": refused,
    }


def report_mail_status(core: Core, ok: bool, error: str | None) -> None:
    """The sender's verdict changed (failing, or working again): logged, and told to
    supervisors live."""
    status = mail_status(core)
    with core.unit_of_work() as uow:
        uow.log("mail.working" if ok else "mail.failing", SYSTEM, reason=(error or "")[:200])
        uow.emit(ev.Event(ev.MAIL_STATUS, {**status, "ok": ok}, (ev.SUPERVISORS,)))
        uow.commit()


def _today(core: Core) -> date:
    return office_day(core.clock(), core.settings.office.zone)


def _aware(at: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for aggregates.
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _live_ticket(uow: UnitOfWork, ticket_id: str) -> Ticket:
    ticket = uow.session.get(Ticket, ticket_id)
    if ticket is None:
        raise errors.UnknownTicket()
    if ticket.office_day != uow.today or ticket.status not in LIVE:
        raise errors.TicketNotLive()
    return ticket


def _drop_pending(uow: UnitOfWork, ticket_id: str) -> None:
    for message in uow.session.exec(
        select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket_id, OutboxMessage.status == MailStatus.PENDING
        )
    ).all():
        uow.session.delete(message)
