"""The fair order of `frontdesk.queue.rules` (`ORDER`, `Lane`, `line_of`) as SQL conditions, so
the database picks and counts exactly as the pure rules do. Nothing here decides an order: it
only translates the rules' definitions."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import ColumnElement, and_, false, not_, or_, true
from sqlmodel import col

from frontdesk.queue import rules
from frontdesk.queue.model import Ticket


def order_by() -> list:
    return [getattr(Ticket, column) for column in rules.ORDER]


def earlier_than(values: Mapping[str, object]) -> ColumnElement[bool]:
    """Tickets before the one whose `rules.ORDER` columns hold `values` (values or bound
    parameters): the lexicographic comparison, one column at a time."""
    before = []
    for at, column in enumerate(rules.ORDER):
        ties = [getattr(Ticket, c) == values[c] for c in rules.ORDER[:at]]
        before.append(and_(*ties, getattr(Ticket, column) < values[column]))
    return or_(*before)


def in_lane(lane: rules.Lane, desk_number: int) -> ColumnElement[bool]:
    """SQL for `rules.in_lane`."""
    unassigned = col(Ticket.target_desk).is_(None)
    sent_here = Ticket.target_desk == desk_number
    parts = []
    if lane.services:
        service = (
            Ticket.service == lane.services[0]
            if len(lane.services) == 1
            else col(Ticket.service).in_(lane.services)
        )
        # With sent_here, tickets of these services sent here are already taken in below.
        parts.append(
            service
            & (
                (unassigned & _not_passed_over(lane))
                if lane.sent_here
                else (unassigned & _not_passed_over(lane)) | sent_here
            )
        )
    if lane.sent_here:
        parts.append(sent_here)
    return or_(*parts) if parts else false()


def _not_passed_over(lane: rules.Lane) -> ColumnElement[bool]:
    """SQL for "(service, requires) not in `lane.passed_over`" (a NULL requires never is)."""
    if not lane.passed_over:
        return true()
    by_service: dict[str, list[str]] = {}
    for service, requires in sorted(lane.passed_over):
        by_service.setdefault(service, []).append(requires)
    left = or_(
        *(
            and_(Ticket.service == service, col(Ticket.requires).in_(combos))
            for service, combos in by_service.items()
        )
    )
    return col(Ticket.requires).is_(None) | not_(left)


def in_line(kind: str, key: object) -> ColumnElement[bool]:
    """SQL for "`rules.line_of(ticket)` is (kind, key)"."""
    if kind == "desk":
        return Ticket.target_desk == key
    return (Ticket.service == key) & col(Ticket.target_desk).is_(None)
