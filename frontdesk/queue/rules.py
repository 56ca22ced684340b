"""The queue's rules as pure functions: state transitions, fair order, numbering, estimates.

Everything here is deterministic and free of I/O so it can be proved by property tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from frontdesk.queue.errors import InvalidTransition
from frontdesk.queue.model import Ticket, TicketStatus

S = TicketStatus

ALLOWED_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.WAITING: frozenset({S.CALLED, S.CANCELLED}),
    # A called ticket goes back to WAITING when transferred or its priority is rejected.
    S.CALLED: frozenset({S.SERVING, S.DONE, S.NO_SHOW, S.WAITING}),
    S.SERVING: frozenset({S.DONE, S.WAITING}),
    S.NO_SHOW: frozenset({S.WAITING}),
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
}


def check_transition(current: TicketStatus, target: TicketStatus) -> None:
    if target not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(status=current.value, target=target.value)


def format_number(letter: str, seq: int) -> str:
    return f"{letter}{seq:03d}"


def office_day(at: datetime, zone: ZoneInfo) -> date:
    """The office day a moment belongs to, in the office's own time zone."""
    return at.astimezone(zone).date()


def local_time(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone)


def effective_at(issued_at: datetime, boost_minutes: int) -> datetime:
    """A priority moves a ticket earlier by its boost, and by no more."""
    return issued_at - timedelta(minutes=boost_minutes)


def order_key(ticket: Ticket) -> tuple:
    """Fair order: earliest effective time first; ties by number, then letter for stability."""
    return (ticket.effective_at, ticket.seq, ticket.number)


def is_candidate(ticket: Ticket, desk_number: int, desk_services: Sequence[str]) -> bool:
    if ticket.status is not S.WAITING:
        return False
    if ticket.target_desk is not None:
        return ticket.target_desk == desk_number
    return ticket.service in desk_services


def pick_next(
    waiting: Iterable[Ticket], desk_number: int, desk_services: Sequence[str], order: str
) -> Ticket | None:
    """The ticket a desk must call next.

    longest_waiting: the earliest effective time among all the desk's services.
    listed: the first service in the desk's list that has anyone waiting; then tickets sent to
    this desk by name from services it does not list.
    """
    candidates = sorted(
        (t for t in waiting if is_candidate(t, desk_number, desk_services)), key=order_key
    )
    if not candidates or order != "listed":
        return candidates[0] if candidates else None
    for service in desk_services:
        for ticket in candidates:
            if ticket.service == service:
                return ticket
    return candidates[0]


def estimate_minutes(people_ahead: int, desks_open: int, minutes_per_visitor: float) -> int:
    """Minutes until a visitor is called: the people ahead shared among the open desks.

    Rounded up to whole minutes; a visitor with nobody ahead is told 0.
    """
    if people_ahead <= 0:
        return 0
    return math.ceil(people_ahead * minutes_per_visitor / max(desks_open, 1))


def minutes_per_visitor(recent_minutes: Sequence[float], expected: float) -> float:
    """Recent real service times, trusted more the more there are; the configured figure
    fills in at the start of the day, so one odd visit cannot swing the estimate."""
    prior_weight = 3
    total = sum(recent_minutes) + expected * prior_weight
    return total / (len(recent_minutes) + prior_weight)
