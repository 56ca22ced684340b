"""Desks: opening and closing them, and logging a demand to be served out of turn."""

from __future__ import annotations

from frontdesk import events as ev
from frontdesk.queue import errors
from frontdesk.queue.model import DeskState, Ticket
from frontdesk.services.core import Actor, Core
from frontdesk.services.tickets import claim_desk, desk_config, ensure_desk_free
from frontdesk.services.views import iso


def open_desk(core: Core, actor: Actor, desk_number: int) -> dict:
    desk = desk_config(core, desk_number)
    with core.unit_of_work() as uow:
        claim_desk(uow, desk, actor, require_free=False)
        uow.touch(*desk.services)  # more open desks: shorter estimates
        uow.commit()
    return {"number": desk.number, "open": True, "clerk": actor.name}


def close_desk(core: Core, actor: Actor, desk_number: int) -> dict:
    desk = desk_config(core, desk_number)
    with core.unit_of_work() as uow:
        ensure_desk_free(uow, desk.number)
        state = uow.session.get(DeskState, desk.number)
        if state is not None and state.open:
            state.open, state.clerk = False, None
            uow.log("desk.closed", actor, desk=desk.number)
            uow.emit(
                ev.Event(
                    ev.DESK_CHANGED,
                    {"number": desk.number, "open": False, "clerk": None},
                    (ev.STAFF,),
                )
            )
            uow.touch(*desk.services)
        uow.commit()
    return {"number": desk.number, "open": False, "clerk": None}


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
