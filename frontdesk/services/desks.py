"""Desks: opening, breaks, closing, what a desk's console shows, and logging a demand to be
served out of turn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, func, select

from frontdesk.queue import errors, rules
from frontdesk.queue.model import DeskState, Ticket, TicketStatus
from frontdesk.services import fair_order
from frontdesk.services.core import Actor, Core
from frontdesk.services.tickets import (
    SUPERVISING,
    claim_desk,
    desk_changed,
    desk_config,
    desk_status,
    ensure_desk_free,
    lock_desk,
    next_for,
)
from frontdesk.services.views import HELD, iso, services_overview, ticket_view

# How many waiting visitors the console lists for an out-of-order call.
CONSOLE_WAITING = 40


def open_desk(core: Core, actor: Actor, desk_number: int) -> dict:
    """Open the desk for this clerk (back from a break if it was on one). Another clerk's open
    desk is refused; a supervisor takes it over, and the log says from whom."""
    desk = desk_config(core, desk_number)
    with core.unit_of_work() as uow:
        state = claim_desk(uow, desk, actor, require_free=False, take_over=True)
        status = desk_status(desk, state)
        uow.touch(*desk.services)  # more open desks: shorter estimates
        uow.commit()
    return status


def pause_desk(core: Core, actor: Actor, desk_number: int, reason: str | None) -> dict:
    """A break: the desk stays this clerk's but calls nobody, and neither the routing of needs
    nor the estimates count it, until its clerk opens it again or calls next."""
    desk = desk_config(core, desk_number)
    reasons = {r.id for r in core.settings.break_reasons}
    if (reasons or reason is not None) and reason not in reasons:
        raise errors.UnknownBreakReason(reason=reason or "")
    with core.unit_of_work() as uow:
        state = _own_open_desk(uow, desk, actor)
        ensure_desk_free(uow, desk.number)
        if state.paused_at is None or state.break_reason != reason:
            state.paused_at, state.break_reason = uow.now, reason
            uow.log("desk.paused", actor, desk=desk.number, reason=reason)
            uow.emit(desk_changed(desk, state))
            uow.touch(*desk.services)
        status = desk_status(desk, state)
        uow.commit()
    return status


def close_desk(core: Core, actor: Actor, desk_number: int) -> dict:
    desk = desk_config(core, desk_number)
    with core.unit_of_work() as uow:
        state = lock_desk(uow, desk)
        if state.open:
            _check_owner(state, desk, actor)
        ensure_desk_free(uow, desk.number)
        if state.open:
            owner = state.clerk
            state.open, state.clerk = False, None
            state.paused_at = state.break_reason = None
            details = {"desk_clerk": owner} if owner not in (None, actor.name) else {}
            uow.log("desk.closed", actor, desk=desk.number, **details)
            uow.emit(desk_changed(desk, state))
            uow.touch(*desk.services)
        status = desk_status(desk, state)
        uow.commit()
    return status


def _check_owner(state: DeskState, desk, actor: Actor) -> None:
    if state.clerk not in (None, actor.name) and actor.role not in SUPERVISING:
        raise errors.DeskTaken(desk=desk.number, clerk=state.clerk)


def _own_open_desk(uow, desk, actor: Actor) -> DeskState:
    state = lock_desk(uow, desk)
    if not state.open:
        raise errors.DeskClosed(desk=desk.number)
    _check_owner(state, desk, actor)
    return state


def console(core: Core, desk_number: int) -> dict:
    """Everything a desk's console shows besides the live events: the desk, the visitor it
    holds, who call-next would bring ("next up"), the visitors it could call out of order, the
    no-shows it may still reinstate, and the office's queues with their longest wait."""
    desk = desk_config(core, desk_number)
    settings = core.settings
    with core.reading() as session:
        now = core.clock()
        today = rules.office_day(now, settings.office.zone)
        state = session.get(DeskState, desk.number)
        held = session.exec(
            select(Ticket).where(Ticket.desk == desk.number, col(Ticket.status).in_(HELD))
        ).first()
        upcoming = next_for(core, session, today, desk)
        mine = rules.Lane(tuple(desk.services), True)
        waiting = session.exec(
            select(Ticket)
            .where(
                Ticket.office_day == today,
                Ticket.status == TicketStatus.WAITING,
                fair_order.in_lane(mine, desk.number),
            )
            .order_by(*fair_order.order_by())
            .limit(CONSOLE_WAITING)
        ).all()
        window = now - timedelta(minutes=settings.reinstate_minutes)
        absent = session.exec(
            select(Ticket)
            .where(
                Ticket.office_day == today,
                Ticket.status == TicketStatus.NO_SHOW,
                col(Ticket.service).in_(desk.services),
                col(Ticket.no_show_at) >= window,
            )
            .order_by(col(Ticket.no_show_at).desc())
        ).all()
        oldest = dict(
            session.exec(
                select(Ticket.service, func.min(Ticket.issued_at))
                .where(Ticket.office_day == today, Ticket.status == TicketStatus.WAITING)
                .group_by(Ticket.service)
            ).all()
        )
        queues = services_overview(core, session)
        for queue in queues:
            since = oldest.get(queue["code"])
            queue["longest_wait_minutes"] = (
                int((now - _aware(since)).total_seconds() // 60) if since else None
            )
        return {
            **desk_status(desk, state),
            "name": desk.name,
            "services": list(desk.services),
            "features": list(desk.features),
            "ticket": ticket_view(core, session, held) if held else None,
            "next": (
                ticket_view(core, session, upcoming)
                | {"desk_lacks": rules.lacking(upcoming.requires, desk)}
                if upcoming
                else None
            ),
            "waiting": [_brief(t, now) for t in waiting],
            "no_shows": [_brief(t, now) for t in absent],
            "queues": queues,
            "desks_open": sum(
                1
                for s in session.exec(select(DeskState).where(DeskState.open)).all()
                if s.paused_at is None
            ),
            "at": iso(now),
        }


def _aware(at: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _brief(ticket: Ticket, now: datetime) -> dict:
    """A line of the console's lists: enough to pick the right visitor, nothing more."""
    return {
        "id": ticket.id,
        "number": ticket.number,
        "service": ticket.service,
        "language": ticket.language,
        "needs": list(ticket.needs),
        "priority": ticket.priority,
        "target_desk": ticket.target_desk,
        "waited_minutes": int((now - _aware(ticket.issued_at)).total_seconds() // 60),
        "no_show_at": iso(_aware(ticket.no_show_at)),
    }


def log_queue_jump_demand(
    core: Core,
    actor: Actor,
    desk_number: int,
    *,
    ticket_id: str | None = None,
    note: str | None = None,
) -> dict:
    """Record that a visitor demanded to be served out of turn. The answer is the rule itself:
    the reply carries the published priority rules for the clerk to show."""
    desk = desk_config(core, desk_number)
    if note is not None and len(note) > 500:
        raise errors.InvalidInput(field="note")
    with core.unit_of_work() as uow:
        language = None
        if ticket_id is not None:
            ticket = uow.session.get(Ticket, ticket_id)
            if ticket is None:
                raise errors.UnknownTicket(ticket=ticket_id)
            language = ticket.language
        entry = uow.log(
            "queue_jump.demanded", actor, desk=desk.number, ticket_id=ticket_id, note=note
        )
        uow.session.flush()
        uow.commit()
    return {
        "id": entry.id,
        "desk": desk.number,
        "ticket_id": ticket_id,
        "language": language,
        "at": iso(entry.at),
    }
