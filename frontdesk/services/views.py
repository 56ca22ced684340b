"""Read models for screens and the API: tickets with their place, queues, desks, the snapshot.

Reads skip the unit of work: they change nothing and need no lock.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import Date, Select, bindparam, func, union_all
from sqlmodel import Session, col, select

from frontdesk.queue import estimate, rules
from frontdesk.queue.model import (
    Alert,
    AlertStatus,
    AuditEvent,
    DeskState,
    Ticket,
    TicketCounter,
    TicketStatus,
)
from frontdesk.services import fair_order
from frontdesk.services.core import Core
from frontdesk.settings import WEEKDAYS, Service, Settings

# How far back the event log is read for each service's prior pace, once per office day.
HISTORY_DAYS = 56
CALL_EVENTS = ("ticket.called", "ticket.called_out_of_order")
HELD = tuple(sorted(rules.HELD))


def iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z") if at else None


@dataclass(frozen=True)
class ServiceLoad:
    waiting: int
    desks_open: int
    pace: estimate.Pace

    def eta(self, people_ahead: int, by_desk: bool = False) -> int:
        return self.pace.eta(people_ahead, by_desk)

    def eta_range(self, people_ahead: int, by_desk: bool = False) -> list[int]:
        return self.pace.eta_range(people_ahead, by_desk)


def open_desks(session: Session) -> set[int]:
    return set(session.exec(select(DeskState.number).where(DeskState.open)).all())


@lru_cache(maxsize=64)
def _load_queries(codes: tuple[str, ...]) -> tuple[Select, Select, Select]:
    """The statements of service_loads for these services, with the day as a parameter.
    Built once: building and keying a statement of a few dozen clauses costs more than the
    indexed search it runs, and this runs after every change."""
    today = bindparam("today", type_=Date)
    waiting = (
        select(Ticket.service, func.count())
        .where(
            Ticket.office_day == today,
            Ticket.status == TicketStatus.WAITING,
            col(Ticket.service).in_(codes),
            col(Ticket.target_desk).is_(None),
        )
        .group_by(Ticket.service)
    )
    # One search per service that stops after the last calls' rows of the day's finished index,
    # in one statement: a window over the day's finished visits would read all of them.
    lanes = [
        select(Ticket.service, Ticket.issued_at, Ticket.called_at, Ticket.desk)
        .where(
            Ticket.office_day == today,
            Ticket.status == TicketStatus.DONE,
            Ticket.service == code,
            col(Ticket.called_at).is_not(None),
        )
        .order_by(col(Ticket.finished_at).desc())
        .limit(estimate.RECENT_CALLS + 1)
        .subquery()
        for code in codes
    ]
    visits = lanes[0] if len(lanes) == 1 else union_all(*map(select, lanes)).subquery()
    # The visitors at the desks now (one per desk at most): the newest calls, not finished yet.
    held = select(Ticket.service, Ticket.issued_at, Ticket.called_at, Ticket.desk).where(
        Ticket.office_day == today, col(Ticket.status).in_(HELD)
    )
    return (
        waiting,
        select(visits.c.service, visits.c.issued_at, visits.c.called_at, visits.c.desk),
        held,
    )


# Per database: (office day, service -> its prior, the settings used). The event log of past
# days does not change during a day, so it is read on the day's first estimate only.
_priors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _service_priors(core: Core, session: Session, today: date) -> dict[str, estimate.Prior]:
    cached = _priors.get(core.db)
    # Settings reloaded mid-day may change a service's expected_minutes.
    if cached is not None and cached[0] == today and cached[2] is core.settings:
        return cached[1]
    rows = session.exec(
        select(AuditEvent.office_day, AuditEvent.service, AuditEvent.desk, AuditEvent.at).where(
            AuditEvent.office_day >= today - timedelta(days=HISTORY_DAYS),
            AuditEvent.office_day < today,
            col(AuditEvent.kind).in_(CALL_EVENTS),
        )
    ).all()
    days: dict[str, dict[date, list]] = {}
    for day, service, desk, at in rows:
        days.setdefault(service, {}).setdefault(day, []).append((desk, at))
    priors = {
        s.code: estimate.prior_from_history(days.get(s.code, {}).values(), s.expected_minutes)
        for s in core.settings.services
    }
    _priors[core.db] = (today, priors, core.settings)
    return priors


def service_loads(
    core: Core, session: Session, today: date, only: str | None = None
) -> dict[str, ServiceLoad]:
    """Queue length, desks and pace of every service (or `only` one), in four queries whatever
    the number of services or of people waiting: this runs after every change."""
    settings = core.settings
    scope = [s for s in settings.services if only is None or s.code == only]
    codes = tuple(s.code for s in scope)
    waiting: dict[str, int] = {}
    recent: dict[str, list[estimate.RecentCall]] = {}
    holding: set[int] = set()
    if codes:
        count_waiting, recent_visits, held_now = _load_queries(codes)
        day = {"today": today}
        waiting = dict(session.exec(count_waiting, params=day).all())
        for query in (recent_visits, held_now):
            for service, issued, called, desk in session.exec(query, params=day).all():
                recent.setdefault(service, []).append(estimate.RecentCall(issued, called, desk))
                if query is held_now and desk is not None:
                    holding.add(desk)
    # A desk on a break is away: it serves nobody until its clerk is back.
    desk_rows = {
        d.number: d
        for d in session.exec(
            select(DeskState).where(DeskState.open, col(DeskState.paused_at).is_(None))
        ).all()
    }
    priors = _service_priors(core, session, today) if codes else {}
    now = core.clock()
    loads = {}
    for service in scope:
        prior = priors.get(service.code) or estimate.Prior(service.expected_minutes, None)
        calls = recent.get(service.code, [])
        last_call: dict[int, datetime] = {}
        for call in calls:
            if call.desk is not None:
                last_call[call.desk] = max(call.called_at, last_call.get(call.desk, call.called_at))
        serving = [d.number for d in settings.desks if service.code in d.services]
        open_now = [
            estimate.DeskNow(
                number,
                number in holding,
                _aware(last_call.get(number) or desk_rows[number].opened_at),
            )
            for number in serving
            if number in desk_rows
        ]
        pace = estimate.pace(
            [estimate.RecentCall(_aware(c.issued_at), _aware(c.called_at), c.desk) for c in calls],
            open_now,
            prior.desk_minutes,
            now,
            waiting.get(service.code, 0),
            # Before the first clerk signs in: as many desks as usually serve, at most those
            # configured.
            desks_if_none_open=min(prior.desks or len(serving), len(serving) or 1),
        )
        loads[service.code] = ServiceLoad(
            waiting=waiting.get(service.code, 0),
            desks_open=len(open_now) or len(serving),
            pace=pace,
        )
    return loads


def _aware(at: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


@lru_cache(maxsize=2)
def _ahead_query(by_desk: bool) -> Select:
    """people_ahead's statement for a desk's line or a service's, built once (see above)."""
    columns = Ticket.__table__.c
    position = {name: bindparam(name, type_=columns[name].type) for name in rules.ORDER}
    line = (
        fair_order.in_line("desk", bindparam("desk", type_=columns.target_desk.type))
        if by_desk
        else fair_order.in_line("service", bindparam("service", type_=columns.service.type))
    )
    return (
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.office_day == bindparam("day", type_=Date),
            Ticket.status == TicketStatus.WAITING,
            line,
            fair_order.earlier_than(position),
        )
    )


def people_ahead(session: Session, ticket: Ticket) -> int:
    kind, key = rules.line_of(ticket)
    params = {"day": ticket.office_day, kind: key}
    params.update({name: getattr(ticket, name) for name in rules.ORDER})
    return session.exec(_ahead_query(kind == "desk"), params=params).one()


def status_url(settings: Settings, ticket_id: str) -> str:
    return f"{settings.office.public_url.rstrip('/')}/t/{ticket_id}"


def ticket_view(core: Core, session: Session, ticket: Ticket) -> dict:
    settings = core.settings
    position = ahead = eta = eta_range = None
    if ticket.status is TicketStatus.WAITING:
        ahead = people_ahead(session, ticket)
        position = ahead + 1
        load = service_loads(core, session, ticket.office_day, only=ticket.service).get(
            ticket.service
        )
        if load is not None:
            by_desk = ticket.target_desk is not None
            eta, eta_range = load.eta(ahead, by_desk), load.eta_range(ahead, by_desk)
    return {
        "id": ticket.id,
        "number": ticket.number,
        "service": ticket.service,
        "status": ticket.status.value,
        "position": position,
        "people_ahead": ahead,
        "eta_minutes": eta,
        "eta_range": eta_range,
        "desk": ticket.desk,
        "target_desk": ticket.target_desk,
        "language": ticket.language,
        "needs": list(ticket.needs),
        "priority": ticket.priority,
        "priority_status": ticket.priority_status.value if ticket.priority_status else None,
        "desk_lacks": _desk_lacks(settings, ticket),
        "recalls": ticket.recalls,
        "issued_at": iso(ticket.issued_at),
        "called_at": iso(ticket.called_at),
        "started_at": iso(ticket.started_at),
        "finished_at": iso(ticket.finished_at),
        "status_url": status_url(settings, ticket.id),
    }


def _desk_lacks(settings: Settings, ticket: Ticket) -> list[str]:
    """What the visitor's needs call for that the desk holding them lacks: the console's
    warning, when no desk with it was working to take them."""
    desk = settings.desk(ticket.desk) if ticket.desk is not None else None
    if desk is None or ticket.status not in rules.HELD:
        return []
    return rules.lacking(ticket.requires, desk)


def accepting_tickets(settings: Settings, service: Service, now: datetime, issued: int) -> bool:
    """Whether the kiosk can issue a ticket for this service right now."""
    if issued >= service.daily_cap:
        return False
    if not settings.office.enforce_hours:
        return True
    local = rules.local_time(now, settings.office.zone)
    # By index, not strftime("%a"), which follows the server's locale.
    hours = settings.office.hours.get(WEEKDAYS[local.weekday()])
    if hours is None or not hours.opens <= local.time() < hours.closes:
        return False
    last: time | None = service.last_ticket
    return last is None or local.time() <= last


def services_overview(core: Core, session: Session) -> list[dict]:
    settings = core.settings
    now = core.clock()
    today = rules.office_day(now, settings.office.zone)
    loads = service_loads(core, session, today)
    issued = dict(
        session.exec(
            select(TicketCounter.letter, TicketCounter.last_seq).where(
                TicketCounter.office_day == today
            )
        ).all()
    )
    overview = []
    for service in settings.services:
        load = loads[service.code]
        overview.append(
            {
                "code": service.code,
                "letter": service.letter,
                "names": service.names.model_dump(),
                "open": accepting_tickets(settings, service, now, issued.get(service.letter, 0)),
                "waiting": load.waiting,
                "desks_open": load.desks_open,
                "eta_minutes": load.eta(load.waiting),
                "eta_range": load.eta_range(load.waiting),
            }
        )
    return overview


def current_calls(core: Core, session: Session, limit: int = 12) -> list[dict]:
    """Numbers now called or being served, newest first: what the hall display shows."""
    today = rules.office_day(core.clock(), core.settings.office.zone)
    tickets = session.exec(
        select(Ticket)
        .where(Ticket.office_day == today, col(Ticket.status).in_(HELD))
        .order_by(col(Ticket.called_at).desc())
        .limit(limit)
    ).all()
    return [call_payload(t) for t in tickets]


def call_payload(ticket: Ticket) -> dict:
    """What a hall display may know of a call: the number, never a name."""
    return {
        "number": ticket.number,
        "desk": ticket.desk,
        "service": ticket.service,
        "language": ticket.language,
        "status": ticket.status.value,
        "called_at": iso(ticket.called_at),
        "recalls": ticket.recalls,
    }


def desks_overview(core: Core, session: Session) -> list[dict]:
    states = {d.number: d for d in session.exec(select(DeskState)).all()}
    held = {
        t.desk: t for t in session.exec(select(Ticket).where(col(Ticket.status).in_(HELD))).all()
    }
    desks = []
    for desk in core.settings.desks:
        state = states.get(desk.number)
        ticket = held.get(desk.number)
        desks.append(
            {
                "number": desk.number,
                "name": desk.name,
                "services": list(desk.services),
                "order": desk.order,
                "features": list(desk.features),
                "open": bool(state and state.open),
                "clerk": state.clerk if state else None,
                "paused": bool(state and state.open and state.paused_at is not None),
                "break_reason": state.break_reason if state and state.open else None,
                "ticket": ticket.number if ticket else None,
                "ticket_id": ticket.id if ticket else None,
                "ticket_status": ticket.status.value if ticket else None,
            }
        )
    return desks


def alert_view(alert: Alert) -> dict:
    return {
        "id": alert.id,
        "desk": alert.desk,
        "kind": alert.kind,
        "silent": alert.silent,
        "status": alert.status.value,
        "raised_by": alert.raised_by,
        "raised_at": iso(alert.raised_at),
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": iso(alert.acknowledged_at),
        "escalated_at": iso(alert.escalated_at),
        "resolved_by": alert.resolved_by,
        "resolved_at": iso(alert.resolved_at),
        "ticket_id": alert.ticket_id,
        "ticket_number": alert.ticket_number,
        "note": alert.note,
    }


def open_alerts(session: Session, escalated_only: bool = False) -> list[dict]:
    statement = (
        select(Alert)
        # Named, not "not resolved": an index on status cannot serve an inequality, and the
        # resolved alerts are the ones that pile up.
        .where(col(Alert.status).in_((AlertStatus.RAISED, AlertStatus.ACKNOWLEDGED)))
        .order_by(col(Alert.raised_at).desc())
    )
    if escalated_only:
        statement = statement.where(col(Alert.escalated_at).is_not(None))
    return [alert_view(a) for a in session.exec(statement).all()]


def snapshot(core: Core, session: Session, role: str) -> dict:
    """Everything a screen of this role needs to be whole, sent on every (re)connect."""
    state: dict = {
        "office": core.settings.office.name,
        "calls": current_calls(core, session),
        "services": services_overview(core, session),
        "at": iso(core.clock()),
    }
    if role in ("clerk", "supervisor", "admin"):
        state["desks"] = desks_overview(core, session)
        state["alerts"] = open_alerts(session)
    elif role == "security":
        state["alerts"] = open_alerts(session, escalated_only=True)
    return state


def latest_change(session: Session) -> int | None:
    """The newest event-log entry: every change writes one, so a new value means a change."""
    return session.exec(select(func.max(AuditEvent.id))).one()


def waiting_places(core: Core, session: Session) -> dict[str, dict]:
    """Place and estimate of every ticket waiting today, the same figures `ticket_view` gives,
    from one query for the whole hall: what the phones following tickets are sent."""
    settings = core.settings
    today = rules.office_day(core.clock(), settings.office.zone)
    rows = session.exec(
        select(Ticket.id, Ticket.service, Ticket.target_desk, *fair_order.order_by()).where(
            Ticket.office_day == today, Ticket.status == TicketStatus.WAITING
        )
    ).all()
    loads = service_loads(core, session, today)
    lines: dict[tuple[str, object], list] = {}
    for row in rows:
        lines.setdefault(rules.line_of(row), []).append(row)
    places = {}
    for members in lines.values():
        members.sort(key=rules.order_key)
        for ahead, row in enumerate(members):
            load = loads.get(row.service)
            by_desk = row.target_desk is not None
            places[row.id] = {
                "service": row.service,
                "position": ahead + 1,
                "people_ahead": ahead,
                # None for a service taken out of the configuration mid-day.
                "eta_minutes": load.eta(ahead, by_desk) if load else None,
                "eta_range": load.eta_range(ahead, by_desk) if load else None,
            }
    return places
