"""Personal data, erased on time: the purge after retention_days, and export and erasure by
e-mail address for the office's data-protection officer (docs/privacy.md).

What is personal: the e-mail addresses, the follow-ups and messages written about a visitor,
and the needs and priority a ticket carries. Tickets themselves stay (their numbers, services
and times are the statistics); the event log never held the personal part."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import CursorResult, String, cast, delete, func, or_, update
from sqlmodel import col, select

from frontdesk.queue.model import Contact, FollowUp, OutboxMessage, Ticket
from frontdesk.queue.rules import office_day
from frontdesk.services.core import Actor, Core, UnitOfWork
from frontdesk.services.views import iso


def cutoff(core: Core) -> date:
    """The first office day still kept: everything of earlier days is erased."""
    today = office_day(core.clock(), core.settings.office.zone)
    return today - timedelta(days=core.settings.retention_days)


def purge(core: Core, actor: Actor) -> dict:
    """Erase what is older than retention_days. Safe to run any time, from several processes:
    a second run finds nothing left."""
    keep_from = cutoff(core)
    with core.unit_of_work() as uow:
        erased = {
            "contacts": _delete(uow, Contact, col(Contact.office_day) < keep_from),
            "follow_ups": _delete(uow, FollowUp, col(FollowUp.office_day) < keep_from),
            "messages": _delete(uow, OutboxMessage, col(OutboxMessage.office_day) < keep_from),
            "tickets": _blank_tickets(uow, col(Ticket.office_day) < keep_from),
        }
        if any(erased.values()):
            uow.log("privacy.purged", actor, before=keep_from.isoformat(), erased=erased)
            uow.commit()
    return {"before": keep_from.isoformat(), **erased}


def export(core: Core, email: str) -> dict:
    """Everything kept about the visitor with this address, for a subject access request."""
    with core.reading() as session:
        contacts = session.exec(
            select(Contact, Ticket)
            .join(Ticket, col(Ticket.id) == col(Contact.ticket_id))
            .where(_same_address(email))
            .order_by(col(Contact.office_day), col(Ticket.number))
        ).all()
        visits = []
        for contact, ticket in contacts:
            follow_ups = session.exec(
                select(FollowUp).where(FollowUp.ticket_id == ticket.id).order_by(col(FollowUp.id))
            ).all()
            messages = session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.ticket_id == ticket.id)
                .order_by(col(OutboxMessage.id))
            ).all()
            visits.append(
                {
                    "ticket": ticket.number,
                    "office_day": ticket.office_day.isoformat(),
                    "service": ticket.service,
                    "language": ticket.language,
                    "needs": list(ticket.needs),
                    "priority": ticket.priority,
                    "email": contact.email,
                    "consented_at": iso(contact.consented_at),
                    "follow_ups": [
                        {
                            "promise": f.promise,
                            "due": f.due.isoformat(),
                            "status": f.status.value,
                            "recorded_at": iso(f.created_at),
                        }
                        for f in follow_ups
                    ],
                    "messages": [
                        {
                            "kind": m.kind,
                            "to": m.recipient,
                            "status": m.status.value,
                            "written_at": iso(m.created_at),
                            "sent_at": iso(m.sent_at),
                            **({"text": m.params["text"]} if "text" in m.params else {}),
                        }
                        for m in messages
                    ],
                }
            )
    return {"email": email, "retention_days": core.settings.retention_days, "visits": visits}


def erase(core: Core, actor: Actor, email: str) -> dict:
    """Erase everything kept about the visitor with this address, now."""
    with core.unit_of_work() as uow:
        ticket_ids = list(
            uow.session.exec(select(Contact.ticket_id).where(_same_address(email))).all()
        )
        if not ticket_ids:
            return {"tickets": 0, "contacts": 0, "follow_ups": 0, "messages": 0}
        erased = {
            "contacts": _delete(uow, Contact, col(Contact.ticket_id).in_(ticket_ids)),
            "follow_ups": _delete(uow, FollowUp, col(FollowUp.ticket_id).in_(ticket_ids)),
            "messages": _delete(
                uow,
                OutboxMessage,
                or_(
                    col(OutboxMessage.ticket_id).in_(ticket_ids),
                    func.lower(OutboxMessage.recipient) == email.strip().lower(),
                ),
            ),
            "tickets": _blank_tickets(uow, col(Ticket.id).in_(ticket_ids)),
        }
        # Counts only: the log must not say whose data it was.
        uow.log("privacy.erased", actor, erased=erased)
        uow.commit()
    return erased


def _same_address(email: str):
    return func.lower(Contact.email) == email.strip().lower()


def _delete(uow: UnitOfWork, table, condition) -> int:
    result: CursorResult = uow.session.execute(delete(table).where(condition))  # type: ignore[assignment]
    return result.rowcount


def _blank_tickets(uow: UnitOfWork, condition) -> int:
    """The ticket keeps its number, service, times and whether a priority was verified (the
    statistics); what the visitor declared about themselves goes."""
    declared = or_(
        col(Ticket.priority).is_not(None),
        col(Ticket.requires).is_not(None),
        cast(Ticket.needs, String) != "[]",
    )
    result: CursorResult = uow.session.execute(  # type: ignore[assignment]
        update(Ticket)
        .where(condition, declared)
        .values(needs=[], requires=None, priority=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
