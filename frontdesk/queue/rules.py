"""The queue's rules as pure functions: state transitions, fair order, numbering (wait
estimates are in estimate.py).

Everything here is deterministic and free of I/O so it can be proved by property tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import combinations
from typing import Protocol
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

# The tickets a desk is holding: at most one per desk.
HELD = frozenset({S.CALLED, S.SERVING})


def check_transition(current: TicketStatus, target: TicketStatus) -> None:
    if target not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(status=current.value, target=target.value)


@dataclass(frozen=True)
class Step:
    """One thing done to a ticket: the statuses it may be done from, and the status it leaves
    the ticket in (None: unchanged). Each step's moves must be in ALLOWED_TRANSITIONS; a step
    that leaves a ticket where it was (a transfer of a waiting ticket) is no move at all."""

    name: str
    sources: frozenset[TicketStatus]
    target: TicketStatus | None = None


CALL = Step("called", frozenset({S.WAITING}), S.CALLED)
# Announcing a number again is not a move, but only a called number can be announced.
RECALL = Step("recall", frozenset({S.CALLED}))
START = Step("serving", frozenset({S.CALLED}), S.SERVING)
FINISH = Step("done", frozenset({S.CALLED, S.SERVING}), S.DONE)
NO_SHOW = Step("no_show", frozenset({S.CALLED}), S.NO_SHOW)
CANCEL = Step("cancelled", frozenset({S.WAITING}), S.CANCELLED)
REINSTATE = Step("reinstate", frozenset({S.NO_SHOW}), S.WAITING)
# A no-show comes back only through reinstate, which minds the window.
TRANSFER = Step("transfer", frozenset({S.WAITING, S.CALLED, S.SERVING}), S.WAITING)
# A priority is checked while the visitor is still in the office; once done or gone, it stays
# as it was. Rejected, a held ticket goes back to wait at the place its issue time gives it.
ACCEPT_PRIORITY = Step("priority_check", frozenset({S.WAITING, S.CALLED, S.SERVING}))
REJECT_PRIORITY = Step("priority_check", frozenset({S.WAITING, S.CALLED, S.SERVING}), S.WAITING)

STEPS = (
    CALL,
    RECALL,
    START,
    FINISH,
    NO_SHOW,
    CANCEL,
    REINSTATE,
    TRANSFER,
    ACCEPT_PRIORITY,
    REJECT_PRIORITY,
)


def check_step(ticket: Ticket, step: Step) -> None:
    if ticket.status not in step.sources:
        raise InvalidTransition(status=ticket.status.value, target=step.name)


def take_step(ticket: Ticket, step: Step) -> None:
    """The one place a ticket's status is set: refuses a step its status does not allow."""
    check_step(ticket, step)
    if step.target is not None and step.target is not ticket.status:
        check_transition(ticket.status, step.target)
        ticket.status = step.target


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


# The fair order, as the Ticket columns compared in turn: the earliest effective time first,
# ties to the lower number, then to the letter so that the order is total. The SQL's ORDER BY
# and its "earlier than" conditions are built from this tuple.
ORDER: tuple[str, ...] = ("effective_at", "seq", "number")


def order_key(ticket: Ticket) -> tuple:
    return tuple(getattr(ticket, column) for column in ORDER)


# A ticket's needs, as the desk features they call for: one canonical text, so the SQL compares
# a plain column.


def requires(needs: Iterable[str], need_features: Mapping[str, str]) -> str | None:
    """The features `needs` call for, sorted and comma-joined; None when they call for none."""
    found = sorted({need_features[n] for n in needs if n in need_features})
    return ",".join(found) or None


def required(requires: str | None) -> frozenset[str]:
    return frozenset(requires.split(",")) if requires else frozenset()


class DeskLike(Protocol):
    """What the routing rules read of a desk (frontdesk.settings.Desk has it)."""

    number: int
    features: Sequence[str]
    services: Sequence[str]
    order: str


def reaches(desk: DeskLike, service: str) -> bool:
    """Whether the desk is sure to come to the service's first visitor: a longest-waiting desk
    always does; a listed desk only for its first service (behind it, others may keep coming)."""
    if service not in desk.services:
        return False
    return desk.order != "listed" or desk.services[0] == service


def passed_over(
    desk: DeskLike, working: Iterable[DeskLike], features: Iterable[str]
) -> frozenset[tuple[str, str]]:
    """The (service, requires) pairs this desk leaves to another desk: visitors of its services
    whose needs call for a feature it lacks, while a working desk that has them all reaches
    that service. `features` are those any need can call for; `working` the desks open now and
    not on a break. With no such desk, the visitor is called here as usual, and the clerk is
    told what this desk lacks (`lacking`)."""
    working = [d for d in working if d.number != desk.number]
    mine = frozenset(desk.features)
    wanted = sorted(set(features))
    pairs = set()
    for size in range(1, len(wanted) + 1):
        for combo in combinations(wanted, size):
            if mine.issuperset(combo):
                continue
            for service in desk.services:
                if any(set(combo) <= set(d.features) and reaches(d, service) for d in working):
                    pairs.add((service, ",".join(combo)))
    return frozenset(pairs)


def lacking(requires: str | None, desk: DeskLike) -> list[str]:
    """The features a visitor's needs call for that this desk does not have."""
    return sorted(required(requires) - set(desk.features))


@dataclass(frozen=True)
class Lane:
    """One search a desk makes for its next ticket: the waiting tickets of `services` not sent
    to another desk, and, with `sent_here`, every ticket sent to this desk by name. Tickets
    not sent anywhere whose (service, requires) is in `passed_over` are left to a capable desk
    (`passed_over()`); a ticket sent here by name is this desk's whatever its needs."""

    services: tuple[str, ...]
    sent_here: bool
    passed_over: frozenset[tuple[str, str]] = field(default=frozenset())


def lanes(
    desk_services: Sequence[str],
    order: str,
    passed_over: frozenset[tuple[str, str]] = frozenset(),
) -> list[Lane]:
    """The searches a desk makes in turn; the first that finds anyone gives the next ticket,
    the earliest in fair order within it.

    longest_waiting: one search over all the desk's services and the tickets sent to it.
    listed: one per service in the desk's list, then the tickets sent to this desk by name
    from services it does not list (without that last one they would wait for ever).
    """
    if order == "listed":
        lanes = [
            Lane((s,), False, frozenset(p for p in passed_over if p[0] == s)) for s in desk_services
        ]
        return [*lanes, Lane((), True)]
    return [Lane(tuple(desk_services), True, passed_over)]


def in_lane(ticket: Ticket, lane: Lane, desk_number: int) -> bool:
    sent_here = ticket.target_desk == desk_number
    if ticket.service in lane.services and (ticket.target_desk is None or sent_here):
        return sent_here or (ticket.service, ticket.requires) not in lane.passed_over
    return lane.sent_here and sent_here


def is_candidate(ticket: Ticket, desk_number: int, desk_services: Sequence[str]) -> bool:
    """Whether the desk may ever call this ticket next, whatever its order."""
    return ticket.status is S.WAITING and in_lane(
        ticket, Lane(tuple(desk_services), True), desk_number
    )


def pick_next(
    waiting: Iterable[Ticket],
    desk_number: int,
    desk_services: Sequence[str],
    order: str,
    passed_over: frozenset[tuple[str, str]] = frozenset(),
) -> Ticket | None:
    """The ticket a desk must call next (see `lanes`)."""
    candidates = [t for t in waiting if t.status is S.WAITING]
    for lane in lanes(desk_services, order, passed_over):
        found = [t for t in candidates if in_lane(t, lane, desk_number)]
        if found:
            return min(found, key=order_key)
    return None


def line_of(ticket: Ticket) -> tuple[str, object]:
    """The line a waiting ticket stands in, for its place: the desk it was sent to by name, or
    its service. Its place counts only the tickets of its line before it in fair order."""
    if ticket.target_desk is not None:
        return ("desk", ticket.target_desk)
    return ("service", ticket.service)
