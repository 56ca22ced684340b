"""A ticket's life: issue, call (in order or, with a reason, out of it), recall, start, finish,
no-show, reinstate, transfer, priority verification. One transaction per call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from frontdesk import events as ev
from frontdesk.queue import errors, rules
from frontdesk.queue.model import (
    DeskState,
    IssueRequest,
    PriorityStatus,
    Ticket,
    TicketCounter,
    TicketStatus,
    new_ticket_id,
)
from frontdesk.services import contact, fair_order
from frontdesk.services.core import SYSTEM, Actor, Core, UnitOfWork
from frontdesk.services.views import (
    HELD,
    accepting_tickets,
    call_payload,
    iso,
    ticket_view,
)
from frontdesk.settings import Desk

S = TicketStatus


def issue_ticket(
    core: Core,
    actor: Actor,
    *,
    service: str,
    language: str,
    needs: Sequence[str] = (),
    priority: str | None = None,
    print_ticket: bool = False,
) -> dict:
    return issue_ticket_once(
        core,
        actor,
        None,
        service=service,
        language=language,
        needs=needs,
        priority=priority,
        print_ticket=print_ticket,
    )[0]


def issue_ticket_once(
    core: Core,
    actor: Actor,
    key: str | None,
    *,
    service: str,
    language: str,
    needs: Sequence[str] = (),
    priority: str | None = None,
    print_ticket: bool = False,
) -> tuple[dict, bool]:
    """Issue a ticket, unless this caller already made one under the same idempotency `key`
    (a kiosk retrying after a lost answer): then that ticket, unchanged, and False."""
    settings = core.settings
    svc = settings.service(service)
    if svc is None:
        raise errors.UnknownService(service=service)
    if language not in settings.office.languages:
        raise errors.UnknownLanguage(language=language)
    known_needs = {n.id for n in settings.needs}
    for need in needs:
        if need not in known_needs:
            raise errors.UnknownNeed(need=need)
    prio = None
    if priority is not None:
        prio = settings.priority(priority)
        if prio is None:
            raise errors.UnknownPriority(priority=priority)

    with core.unit_of_work() as uow:
        ticket_id = new_ticket_id()
        if key is not None:
            earlier = _claim_attempt(uow, actor, key, ticket_id)
            if earlier is not None:
                # Checked before hours and caps: the first attempt was within them.
                return ticket_view(core, uow.session, earlier), False
        seq = _next_seq(uow, svc.letter)
        if not accepting_tickets(settings, svc, uow.now, seq - 1):
            raise (errors.ServiceFull if seq > svc.daily_cap else errors.ServiceClosed)(
                service=service
            )
        ticket = Ticket(
            id=ticket_id,
            office_day=uow.today,
            seq=seq,
            number=rules.format_number(svc.letter, seq),
            service=svc.code,
            issued_service=svc.code,
            language=language,
            needs=sorted(set(needs)),
            requires=rules.requires(needs, settings.need_features()),
            priority=prio.id if prio else None,
            priority_status=PriorityStatus.DECLARED if prio else None,
            issued_at=uow.now,
            effective_at=rules.effective_at(uow.now, prio.boost_minutes if prio else 0),
        )
        uow.session.add(ticket)
        uow.session.flush()
        uow.log(
            "ticket.issued",
            actor,
            ticket_id=ticket.id,
            service=svc.code,
            number=ticket.number,
            language=language,
        )
        view = ticket_view(core, uow.session, ticket)
        uow.emit(ev.Event(ev.TICKET_ISSUED, view, (ev.STAFF,), meta={"print": print_ticket}))
        uow.touch(svc.code)
        uow.commit()
    return view, True


def _claim_attempt(uow: UnitOfWork, actor: Actor, key: str, ticket_id: str) -> Ticket | None:
    """Record that `key` makes `ticket_id`; if the caller used the key before, the ticket it
    made. The insert is the lock: a concurrent retry waits for the first attempt to end."""
    claimed = uow.session.execute(
        _insert(uow)(IssueRequest)
        .values(issuer=actor.label, key=key, ticket_id=ticket_id, office_day=uow.today)
        .on_conflict_do_nothing()
        .returning(IssueRequest.ticket_id)
    ).first()
    if claimed is not None:
        return None
    earlier = uow.session.get(IssueRequest, (actor.label, key))
    return uow.session.get(Ticket, earlier.ticket_id)


def _next_seq(uow: UnitOfWork, letter: str) -> int:
    """Bump today's counter for the letter in one atomic statement: numbers never repeat,
    whatever the concurrency, and survive restarts because they live in the database."""
    statement = (
        _insert(uow)(TicketCounter)
        .values(office_day=uow.today, letter=letter, last_seq=1)
        .on_conflict_do_update(
            index_elements=["office_day", "letter"],
            set_={"last_seq": TicketCounter.last_seq + 1},
        )
        .returning(TicketCounter.last_seq)
    )
    return uow.session.execute(statement).scalar_one()


def call_next(core: Core, actor: Actor, desk_number: int) -> dict | None:
    """Call the ticket the rules say is next for this desk; None when nobody waits for it."""
    desk = desk_config(core, desk_number)
    with core.unit_of_work() as uow:
        state = claim_desk(uow, desk, actor)
        ticket = _next_for(uow, desk)
        if ticket is None:
            uow.commit()
            return None
        return _call(uow, actor, ticket, desk, desk_clerk=_acting_for(state, actor))


def call_ticket(core: Core, actor: Actor, ticket_id: str, desk_number: int, reason: str) -> dict:
    """Call a specific ticket out of order: only with a configured reason, always audited."""
    desk = desk_config(core, desk_number)
    if reason not in {r.id for r in core.settings.out_of_order_reasons}:
        raise errors.UnknownReason(reason=reason)
    with core.unit_of_work() as uow:
        state = claim_desk(uow, desk, actor)
        ticket = _ticket(uow, ticket_id)
        rules.check_step(ticket, rules.CALL)
        if ticket.office_day != uow.today:
            raise errors.InvalidTransition(status="from an earlier day", target="called")
        due = _next_for(uow, desk)
        return _call(
            uow, actor, ticket, desk, reason=reason, due=due, desk_clerk=_acting_for(state, actor)
        )


def recall(core: Core, actor: Actor, ticket_id: str) -> dict:
    """Announce a called number again, up to the office's recall limit."""
    with core.unit_of_work() as uow:
        ticket = _ticket(uow, ticket_id)
        rules.take_step(ticket, rules.RECALL)
        owner = check_holder(uow, actor, ticket)
        if ticket.recalls >= core.settings.recall_limit:
            raise errors.RecallLimitReached(limit=core.settings.recall_limit)
        ticket.recalls += 1
        uow.log(
            "ticket.recalled",
            actor,
            desk=ticket.desk,
            ticket_id=ticket.id,
            service=ticket.service,
            recalls=ticket.recalls,
            **owner,
        )
        uow.emit(ev.Event(ev.TICKET_CALLED, call_payload(ticket), (ev.DISPLAYS, ev.STAFF)))
        return _finish_change(uow, core, ticket)


def start(core: Core, actor: Actor, ticket_id: str) -> dict:
    return _move(core, actor, ticket_id, rules.START, "ticket.started")


def finish(core: Core, actor: Actor, ticket_id: str, outcome: str | None = None) -> dict:
    """End the visit, with how it ended when the office lists outcomes (for its reports)."""
    if outcome is not None and outcome not in {o.id for o in core.settings.finish_outcomes}:
        raise errors.UnknownOutcome(outcome=outcome)
    extra = {"outcome": outcome} if outcome is not None else {}
    return _move(core, actor, ticket_id, rules.FINISH, "ticket.finished", **extra)


def no_show(core: Core, actor: Actor, ticket_id: str) -> dict:
    return _move(core, actor, ticket_id, rules.NO_SHOW, "ticket.no_show")


def cancel(core: Core, actor: Actor, ticket_id: str) -> dict:
    """The visitor gives up their place (from the phone page, or at reception)."""
    return _move(core, actor, ticket_id, rules.CANCEL, "ticket.cancelled")


def reinstate(core: Core, actor: Actor, ticket_id: str) -> dict:
    """Put a no-show back in the queue at its original place, within the office's window."""
    with core.unit_of_work() as uow:
        ticket = _ticket(uow, ticket_id)
        desk, no_show_at = ticket.desk, ticket.no_show_at
        _release(ticket, rules.REINSTATE)
        window = core.settings.reinstate_minutes
        if no_show_at is None or (uow.now - no_show_at).total_seconds() > window * 60:
            raise errors.ReinstateWindowPassed(minutes=window)
        uow.log(
            "ticket.reinstated",
            actor,
            desk=desk,
            ticket_id=ticket.id,
            service=ticket.service,
        )
        ticket.recalls = 0
        return _finish_change(uow, core, ticket)


def transfer(
    core: Core,
    actor: Actor,
    ticket_id: str,
    *,
    service: str | None = None,
    desk: int | None = None,
) -> dict:
    """Send a visitor to another service or desk. They keep their place: the original issue
    time (and any priority) still decides their order, so nobody goes back to the end."""
    if (service is None) == (desk is None):
        raise errors.InvalidInput(field="service|desk")
    if service is not None and core.settings.service(service) is None:
        raise errors.UnknownService(service=service)
    if desk is not None:
        desk_config(core, desk)
    with core.unit_of_work() as uow:
        ticket = _ticket(uow, ticket_id)
        owner = check_holder(uow, actor, ticket)
        uow.log(
            "ticket.transferred",
            actor,
            desk=ticket.desk,
            ticket_id=ticket.id,
            service=ticket.service,
            to_service=service,
            to_desk=desk,
            **owner,
        )
        _release(ticket, rules.TRANSFER)
        uow.touch(ticket.service)  # the queue it leaves
        if service is not None:
            # Sent to a service, the visitor is anyone's there: a desk named before would
            # otherwise keep them in its own line, out of the service's.
            ticket.service = service
            ticket.target_desk = None
        else:
            ticket.target_desk = desk
        return _finish_change(uow, core, ticket)


def verify_priority(core: Core, actor: Actor, ticket_id: str, accepted: bool) -> dict:
    """The clerk checks a declared priority. Rejected: the ticket keeps the place it would have
    had without it, as a normal ticket, and goes back to wait there if it was already called."""
    with core.unit_of_work() as uow:
        ticket = _ticket(uow, ticket_id)
        # A priority is decided once: a verified one is not taken back, a rejected one stays so.
        if ticket.priority_status is not PriorityStatus.DECLARED:
            raise errors.NoPriorityToVerify()
        owner = check_holder(uow, actor, ticket)
        desk = ticket.desk
        if accepted:
            rules.take_step(ticket, rules.ACCEPT_PRIORITY)
        else:
            _release(ticket, rules.REJECT_PRIORITY)
        uow.log(
            "priority.verified" if accepted else "priority.rejected",
            actor,
            desk=desk,
            ticket_id=ticket.id,
            service=ticket.service,
            **owner,
        )
        if accepted:
            ticket.priority_status = PriorityStatus.VERIFIED
        else:
            ticket.priority_status = PriorityStatus.REJECTED
            ticket.effective_at = ticket.issued_at
        return _finish_change(uow, core, ticket)


# Helpers. Each runs inside the caller's unit of work.


def desk_config(core: Core, number: int) -> Desk:
    desk = core.settings.desk(number)
    if desk is None:
        raise errors.UnknownDesk(desk=number)
    return desk


def _postgres(uow: UnitOfWork) -> bool:
    return uow.session.get_bind().dialect.name == "postgresql"


def _insert(uow: UnitOfWork):
    """The dialect's INSERT, which knows ON CONFLICT (both SQLite and PostgreSQL do)."""
    return postgresql.insert if _postgres(uow) else sqlite.insert


def _ticket(uow: UnitOfWork, ticket_id: str) -> Ticket:
    statement = select(Ticket).where(Ticket.id == ticket_id)
    if _postgres(uow):
        statement = statement.with_for_update()
    ticket = uow.session.exec(statement).first()
    if ticket is None:
        raise errors.UnknownTicket(ticket=ticket_id)
    return ticket


def lock_desk(uow: UnitOfWork, desk: Desk) -> DeskState:
    """The desk's row, locked for this transaction (made on first use)."""
    uow.session.execute(
        _insert(uow)(DeskState).values(number=desk.number, open=False).on_conflict_do_nothing()
    )
    statement = select(DeskState).where(DeskState.number == desk.number)
    if _postgres(uow):
        statement = statement.with_for_update()
    return uow.session.exec(statement).one()


def claim_desk(
    uow: UnitOfWork,
    desk: Desk,
    actor: Actor,
    *,
    require_free: bool = True,
    take_over: bool = False,
) -> DeskState:
    """Lock the desk (so one desk never calls twice at once), open it, and check it is free.

    One clerk per open desk: another clerk is refused (`DeskTaken`) until it is closed. A
    supervisor may act at it, and the log names the desk's clerk; with `take_over` (opening
    it), the supervisor becomes its clerk. A desk on a break is back at work."""
    state = lock_desk(uow, desk)
    other = state.clerk if state.open and state.clerk not in (None, actor.name) else None
    if other is not None and actor.role not in SUPERVISING:
        raise errors.DeskTaken(desk=desk.number, clerk=other)
    if not state.open or (other is not None and take_over):
        state.open, state.clerk, state.opened_at = True, actor.name, uow.now
        state.paused_at = state.break_reason = None
        if other is None:
            uow.log("desk.opened", actor, desk=desk.number)
        else:
            uow.log("desk.taken_over", actor, desk=desk.number, desk_clerk=other)
        uow.emit(desk_changed(desk, state))
    elif state.paused_at is not None:
        state.paused_at = state.break_reason = None
        uow.log("desk.resumed", actor, desk=desk.number, **_acting_for(state, actor))
        uow.emit(desk_changed(desk, state))
        uow.touch(*desk.services)
    if not require_free:
        return state
    ensure_desk_free(uow, desk.number)
    return state


# Who may act on any desk; what they do at another clerk's desk is logged with that clerk.
SUPERVISING = frozenset({"supervisor", "admin"})


def _acting_for(state: DeskState, actor: Actor) -> dict:
    """{"desk_clerk": name} when the actor acts at a desk another clerk has open."""
    if state.open and state.clerk not in (None, actor.name):
        return {"desk_clerk": state.clerk}
    return {}


def check_holder(uow: UnitOfWork, actor: Actor, ticket: Ticket) -> dict:
    """A desk owns the visitor it holds: only the clerk who has that desk open acts on them; a
    supervisor may, and gets back what the log should add. A ticket nobody holds is anyone's."""
    if ticket.status not in rules.HELD or ticket.desk is None:
        return {}
    state = uow.session.get(DeskState, ticket.desk)
    clerk = state.clerk if state is not None and state.open else None
    if clerk == actor.name:
        return {}
    if actor.role in SUPERVISING:
        return {"desk_clerk": clerk}
    raise errors.NotYourDesk(ticket=ticket.number, desk=ticket.desk, clerk=clerk or "–")


def desk_changed(desk: Desk, state: DeskState | None) -> ev.Event:
    return ev.Event(ev.DESK_CHANGED, desk_status(desk, state), (ev.STAFF,))


def desk_status(desk: Desk, state: DeskState | None) -> dict:
    """What staff screens know of a desk: open, whose, and whether on a break and why."""
    is_open = bool(state and state.open)
    paused = is_open and state.paused_at is not None
    return {
        "number": desk.number,
        "open": is_open,
        "clerk": state.clerk if is_open else None,
        "paused": paused,
        "break_reason": state.break_reason if paused else None,
        "paused_at": iso(state.paused_at) if paused else None,
    }


def ensure_desk_free(uow: UnitOfWork, desk_number: int) -> None:
    """A desk holds at most one visitor: refuse while it still has one called or served."""
    held = uow.session.exec(
        select(Ticket.number).where(Ticket.desk == desk_number, col(Ticket.status).in_(HELD))
    ).first()
    if held is not None:
        raise errors.DeskBusy(desk=desk_number, ticket=held)


def _next_for(uow: UnitOfWork, desk: Desk) -> Ticket | None:
    """rules.pick_next, made by the database so that, on PostgreSQL, a row another desk is
    taking right now is skipped rather than waited for or taken twice."""
    return next_for(uow.core, uow.session, uow.today, desk, lock=_postgres(uow))


def next_for(
    core: Core, session: Session, today: date, desk: Desk, *, lock: bool = False
) -> Ticket | None:
    """The ticket call-next would bring to this desk now (also the console's "next up")."""
    passing = passed_over(core, session, desk)
    waiting = select(Ticket).where(Ticket.office_day == today, Ticket.status == S.WAITING)
    for lane in rules.lanes(desk.services, desk.order, passing):
        statement = (
            waiting.where(fair_order.in_lane(lane, desk.number))
            .order_by(*fair_order.order_by())
            .limit(1)
        )
        if lock:
            statement = statement.with_for_update(skip_locked=True)
        ticket = session.exec(statement).first()
        if ticket is not None:
            return ticket
    return None


def passed_over(core: Core, session: Session, desk: Desk) -> frozenset[tuple[str, str]]:
    """rules.passed_over with the desks working now; asks the database only when some other
    desk has a feature this one lacks and a need calls for."""
    settings = core.settings
    features = set(settings.need_features().values())
    missing = features - set(desk.features)
    if not any(missing & set(d.features) for d in settings.desks if d is not desk):
        return frozenset()
    working = set(
        session.exec(
            select(DeskState.number).where(DeskState.open, col(DeskState.paused_at).is_(None))
        ).all()
    )
    return rules.passed_over(desk, [d for d in settings.desks if d.number in working], features)


def _call(
    uow: UnitOfWork,
    actor: Actor,
    ticket: Ticket,
    desk: Desk,
    *,
    reason: str | None = None,
    due: Ticket | None = None,
    desk_clerk: dict | None = None,
) -> dict:
    rules.take_step(ticket, rules.CALL)
    ticket.desk = desk.number
    ticket.target_desk = None
    ticket.called_at = uow.now
    ticket.recalls = 0
    missing = rules.lacking(ticket.requires, desk)
    context = {**(desk_clerk or {}), **({"desk_lacks": missing} if missing else {})}
    if reason is None:
        uow.log(
            "ticket.called",
            actor,
            desk=desk.number,
            ticket_id=ticket.id,
            service=ticket.service,
            number=ticket.number,
            **context,
        )
    else:
        uow.log(
            "ticket.called_out_of_order",
            actor,
            desk=desk.number,
            ticket_id=ticket.id,
            service=ticket.service,
            reason=reason,
            number=ticket.number,
            due=due.number if due else None,
            **context,
        )
    declared = uow.settings.priority(ticket.priority) if ticket.priority else None
    if (
        declared is not None
        and not declared.verify
        and ticket.priority_status is PriorityStatus.DECLARED
    ):
        # The office checks no papers for this priority: accepted as the visitor is called.
        ticket.priority_status = PriorityStatus.VERIFIED
        uow.log(
            "priority.verified",
            SYSTEM,
            desk=desk.number,
            ticket_id=ticket.id,
            service=ticket.service,
            unchecked=True,
        )
    contact.on_call(uow, ticket, desk)
    uow.emit(ev.Event(ev.TICKET_CALLED, call_payload(ticket), (ev.DISPLAYS, ev.STAFF)))
    return _finish_change(uow, uow.core, ticket)


def _release(ticket: Ticket, step: rules.Step) -> None:
    """Back to waiting, at the place its effective time gives it, if `step` allows."""
    rules.take_step(ticket, step)
    ticket.desk = None
    ticket.called_at = ticket.started_at = ticket.no_show_at = None


def _move(
    core: Core, actor: Actor, ticket_id: str, step: rules.Step, kind: str, **details: object
) -> dict:
    with core.unit_of_work() as uow:
        ticket = _ticket(uow, ticket_id)
        rules.check_step(ticket, step)
        owner = check_holder(uow, actor, ticket)
        rules.take_step(ticket, step)
        target = ticket.status
        if target is S.SERVING:
            ticket.started_at = uow.now
        elif target is S.DONE:
            ticket.finished_at = uow.now
        elif target is S.NO_SHOW:
            ticket.no_show_at = uow.now
        uow.log(
            kind,
            actor,
            desk=ticket.desk,
            ticket_id=ticket.id,
            service=ticket.service,
            **owner,
            **details,
        )
        return _finish_change(uow, core, ticket)


def _finish_change(uow: UnitOfWork, core: Core, ticket: Ticket) -> dict:
    """Flush, describe the ticket as it now stands, queue the events, commit."""
    uow.session.flush()
    view = ticket_view(core, uow.session, ticket)
    uow.emit(ev.Event(ev.TICKET_UPDATED, view, (ev.STAFF, ev.ticket_room(ticket.id))))
    uow.touch(ticket.service)
    uow.commit()
    return view
