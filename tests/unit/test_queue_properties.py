"""Property tests: random arrivals, gaps, priorities and desk actions against the real services.

A state machine drives the ticket services on a fresh SQLite database per example and keeps an
independent model of the queue (written here from the spec, not from frontdesk.queue.rules).
After every call it checks:

(a) within a service, normal tickets are called strictly in order of (original) issue time;
(b) a ticket is overtaken only by a priority ticket issued less than its boost after it;
(d) no ticket is held by two desks, and no desk holds two tickets;
(e) the database's choice (tickets.call_next) equals rules.pick_next over the same waiting
    tickets, and the model's choice.

A second test proves (c): with longest-waiting desks, every waiting ticket is called in bounded
time even while priority tickets keep arriving.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import col, select

from frontdesk.db import Database
from frontdesk.queue import errors, rules
from frontdesk.queue.model import AuditEvent, Ticket, TicketStatus
from frontdesk.services import tickets
from frontdesk.services.core import Core
from frontdesk.settings import Settings
from tests.support.core import CLERK, KIOSK, SUPERVISOR, FakeClock, office_settings

S = TicketStatus
# A failing example here runs hundreds of database transactions, so shrinking one can take
# minutes (beyond pytest's timeout). Failures are reported unshrunk, with every step printed;
# set FRONTDESK_SHRINK=1 to shrink one locally.
PHASES = tuple(p for p in Phase if p is not Phase.shrink or os.environ.get("FRONTDESK_SHRINK"))
WARSAW = ZoneInfo("Europe/Warsaw")
OFFICE = office_settings()
SERVICES = [s.code for s in OFFICE.services]
DESKS = [d.number for d in OFFICE.desks]
PRIORITIES = [None, None, None, *(p.id for p in OFFICE.priorities)]
ARRIVAL = st.tuples(
    st.sampled_from(SERVICES),
    st.sampled_from(PRIORITIES),
    st.integers(min_value=0, max_value=8 * 60),
    st.sampled_from(["pl", "uk", "en"]),
)
DESK_WORK = st.tuples(
    st.sampled_from(DESKS),
    st.sampled_from(
        [
            "finish",
            "finish",
            "start",
            "no_show",
            "to_service",
            "to_desk",
            "accept",
            "reject",
            "press",
        ]
    ),
    st.sampled_from(SERVICES),
    st.sampled_from(DESKS),
)


@dataclass
class Modelled:
    """What the model knows of one ticket."""

    id: str
    number: str
    letter: str
    seq: int
    service: str
    issued_at: datetime
    office_day: date
    priority: str | None
    rejected: bool = False
    verified: bool = False
    status: S = S.WAITING
    desk: int | None = None
    target_desk: int | None = None
    no_show_at: datetime | None = None

    @property
    def decided(self) -> bool:
        """A declared priority is verified or rejected once, and then stays so."""
        return self.verified or self.rejected

    def boost(self, office: Settings) -> timedelta:
        if self.priority is None or self.rejected:
            return timedelta(0)
        return timedelta(minutes=office.priority(self.priority).boost_minutes)

    def key(self, office: Settings) -> tuple:
        return (self.issued_at - self.boost(office), self.seq, self.number)


def candidate(ticket: Modelled, desk_number: int, services: tuple[str, ...]) -> bool:
    if ticket.target_desk is not None:
        return ticket.target_desk == desk_number
    return ticket.service in services


def model_pick(waiting: list[Modelled], office: Settings, desk_number: int) -> Modelled | None:
    """The spec's rule, written independently: earliest issue time minus boost, ties by number;
    a listed desk takes its first listed service that has anyone waiting."""
    desk = office.desk(desk_number)
    mine = sorted(
        (t for t in waiting if candidate(t, desk_number, desk.services)),
        key=lambda t: t.key(office),
    )
    if desk.order == "listed":
        for service in desk.services:
            lane = [t for t in mine if t.service == service]
            if lane:
                return lane[0]
    return mine[0] if mine else None


def same_lane(a: Modelled, b: Modelled, office: Settings, desk_number: int) -> bool:
    """Whether the desk must take a and b in fair order between themselves."""
    if office.desk(desk_number).order == "longest_waiting":
        return True
    return a.service == b.service


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.office = OFFICE
        self.dir = tempfile.TemporaryDirectory(prefix="frontdesk-prop-")
        self.db = Database(f"sqlite:///{self.dir.name}/queue.db")
        self.db.create_all()
        self.clock = FakeClock()
        self.core = Core(settings=self.office, db=self.db, clock=self.clock)
        self.tickets: dict[str, Modelled] = {}
        self.held: dict[int, str] = {}
        self.issued: dict[tuple[date, str], int] = defaultdict(int)
        self.calls = 0

    def teardown(self) -> None:
        self.db.dispose()
        self.dir.cleanup()

    # Helpers

    @property
    def today(self) -> date:
        return self.clock().astimezone(WARSAW).date()

    def waiting_today(self) -> list[Modelled]:
        return [
            t for t in self.tickets.values() if t.status is S.WAITING and t.office_day == self.today
        ]

    def held_ticket(self, desk: int) -> Modelled:
        return self.tickets[self.held[desk]]

    def release(self, ticket: Modelled) -> None:
        del self.held[ticket.desk]
        ticket.status, ticket.desk, ticket.no_show_at = S.WAITING, None, None

    def accept_unchecked(self, ticket: Modelled) -> None:
        """A priority the office does not check is accepted as its visitor is called."""
        if ticket.priority and not ticket.decided:
            ticket.verified = not self.office.priority(ticket.priority).verify

    def check_fair_call(self, called: Modelled, desk: int, waiting: list[Modelled]) -> None:
        office = self.office
        services = office.desk(desk).services
        for other in waiting:
            if other is called or not candidate(other, desk, services):
                continue
            if not same_lane(called, other, office, desk):
                continue
            if other.issued_at < called.issued_at:
                # `called` overtakes `other`: allowed only to a priority, within its boost (b).
                lead = called.issued_at - other.issued_at
                assert called.boost(office) > timedelta(0), (
                    f"normal {called.number} called before earlier {other.number} at desk {desk}"
                )
                assert lead <= called.boost(office) - other.boost(office), (
                    f"{called.number} overtook {other.number} by {lead}"
                )
                if called.letter == other.letter:
                    assert lead < called.boost(office) - other.boost(office)
            elif (
                other.issued_at == called.issued_at
                and called.boost(office) == other.boost(office)
                and called.letter == other.letter
            ):
                # (a) at the same instant the number issued first goes first.
                assert called.seq < other.seq

    def _arrive(self, service: str, priority: str | None, gap: int, language: str) -> None:
        self.clock.advance(seconds=gap)
        svc = self.office.service(service)
        counter = (self.today, svc.letter)
        if self.issued[counter] >= svc.daily_cap:
            with pytest.raises(errors.ServiceFull):
                tickets.issue_ticket(
                    self.core, KIOSK, service=service, language=language, priority=priority
                )
            return
        view = tickets.issue_ticket(
            self.core, KIOSK, service=service, language=language, priority=priority
        )
        self.issued[counter] += 1
        seq = self.issued[counter]
        # Rule 1: numbers run per letter per office day, one after another.
        assert view["number"] == f"{svc.letter}{seq:03d}"
        new = Modelled(
            id=view["id"],
            number=view["number"],
            letter=svc.letter,
            seq=seq,
            service=service,
            issued_at=self.clock(),
            office_day=self.today,
            priority=priority,
        )
        ahead = [
            t
            for t in self.waiting_today()
            if t.target_desk is None
            and t.service == service
            and t.key(self.office) < new.key(self.office)
        ]
        self.tickets[new.id] = new
        # The place shown on the ticket is the place the calling order gives it.
        assert view["people_ahead"] == len(ahead), [t.number for t in ahead]

    def _call_next(self, desk: int) -> None:
        waiting = self.waiting_today()
        expected = model_pick(waiting, self.office, desk)
        with self.core.reading() as session:
            stored = session.exec(
                select(Ticket).where(Ticket.status == S.WAITING, Ticket.office_day == self.today)
            ).all()
        desk_config = self.office.desk(desk)
        pure = rules.pick_next(stored, desk, desk_config.services, desk_config.order)

        called = tickets.call_next(self.core, CLERK, desk)

        # (e) the database, the pure rule and the model agree.
        assert (called and called["id"]) == (pure and pure.id) == (expected and expected.id), (
            f"desk {desk}: service {called and called['number']}, "
            f"rules {pure and pure.number}, model {expected and expected.number}"
        )
        if called is None:
            return
        self.calls += 1
        ticket = self.tickets[called["id"]]
        self.check_fair_call(ticket, desk, waiting)
        ticket.status, ticket.desk, ticket.target_desk = S.CALLED, desk, None
        self.held[desk] = ticket.id
        self.accept_unchecked(ticket)

    def _act(self, desk: int, then: str, to_service: str, to_desk: int) -> None:
        """The clerk at a busy desk deals with the visitor they hold."""
        ticket = self.held_ticket(desk)
        if then == "start" and ticket.status is S.CALLED:
            tickets.start(self.core, CLERK, ticket.id)
            ticket.status = S.SERVING
        elif then == "no_show" and ticket.status is S.CALLED:
            tickets.no_show(self.core, CLERK, ticket.id)
            ticket.status, ticket.no_show_at = S.NO_SHOW, self.clock()
            del self.held[desk]
        elif then == "to_service":
            tickets.transfer(self.core, CLERK, ticket.id, service=to_service)
            ticket.service, ticket.target_desk = to_service, None
            self.release(ticket)
        elif then == "to_desk":
            tickets.transfer(self.core, CLERK, ticket.id, desk=to_desk)
            ticket.target_desk = to_desk
            self.release(ticket)
        elif then in ("accept", "reject") and ticket.priority and not ticket.decided:
            accepted = then == "accept"
            view = tickets.verify_priority(self.core, CLERK, ticket.id, accepted)
            assert view["priority_status"] == ("verified" if accepted else "rejected")
            ticket.verified = accepted
            if not accepted:
                ticket.rejected = True
                self.release(ticket)
        else:
            tickets.finish(self.core, CLERK, ticket.id)
            ticket.status = S.DONE
            del self.held[desk]

    # Rules

    @initialize(arrivals=st.lists(ARRIVAL, min_size=2, max_size=20))
    def open_the_doors(self, arrivals):
        for arrival in arrivals:
            self._arrive(*arrival)

    @rule(arrivals=st.lists(ARRIVAL, min_size=1, max_size=4))
    def arrive(self, arrivals):
        for arrival in arrivals:
            self._arrive(*arrival)

    @rule(work=st.lists(DESK_WORK, min_size=1, max_size=6))
    def desks_work(self, work):
        """Each desk in turn calls the next visitor if free, else deals with the one it has."""
        for desk, then, to_service, to_desk in work:
            if desk not in self.held:
                self._call_next(desk)
            elif then == "press":
                with pytest.raises(errors.DeskBusy):
                    tickets.call_next(self.core, CLERK, desk)
            else:
                self._act(desk, then, to_service, to_desk)

    @rule(work=st.lists(DESK_WORK, min_size=1, max_size=6))
    def desks_keep_working(self, work):
        self.desks_work(work)

    @precondition(
        lambda self: any(t.status in (S.NO_SHOW, S.WAITING) for t in self.tickets.values())
    )
    @rule(reinstate=st.booleans(), pick=st.integers(min_value=0, max_value=10_000))
    def reception(self, reinstate, pick):
        """A supervisor puts a no-show back, or a visitor gives up their place."""
        status = S.NO_SHOW if reinstate else S.WAITING
        found = sorted(
            (t for t in self.tickets.values() if t.status is status), key=lambda t: t.number
        )
        if not found:
            return
        ticket = found[pick % len(found)]
        if status is S.WAITING:
            tickets.cancel(self.core, KIOSK, ticket.id)
            ticket.status = S.CANCELLED
            return
        if self.clock() - ticket.no_show_at > timedelta(minutes=self.office.reinstate_minutes):
            with pytest.raises(errors.ReinstateWindowPassed):
                tickets.reinstate(self.core, SUPERVISOR, ticket.id)
            return
        view = tickets.reinstate(self.core, SUPERVISOR, ticket.id)
        assert view["status"] == "waiting"
        ticket.status, ticket.desk, ticket.no_show_at = S.WAITING, None, None

    @precondition(lambda self: any(d not in self.held for d in DESKS))
    @rule(desk=st.sampled_from(DESKS), pick=st.integers(min_value=0, max_value=10_000))
    def call_out_of_order(self, desk, pick):
        waiting = sorted(self.waiting_today(), key=lambda t: t.number)
        if desk in self.held or not waiting:
            return
        ticket = waiting[pick % len(waiting)]
        due = model_pick(waiting, self.office, desk)
        tickets.call_ticket(self.core, CLERK, ticket.id, desk, "appointment")
        with self.core.reading() as session:
            entry = session.exec(
                select(AuditEvent)
                .where(AuditEvent.ticket_id == ticket.id, AuditEvent.kind != "priority.verified")
                .order_by(col(AuditEvent.id).desc())
            ).first()
        assert entry.kind == "ticket.called_out_of_order" and entry.reason == "appointment"
        assert entry.data["due"] == (due.number if due else None)
        ticket.status, ticket.desk, ticket.target_desk = S.CALLED, desk, None
        self.held[desk] = ticket.id
        self.accept_unchecked(ticket)

    @rule(minutes=st.sampled_from([1, 5, 29, 31, 120]))
    def wait(self, minutes):
        self.clock.advance(minutes=minutes)

    @precondition(lambda self: self.calls >= 8 and self.today == date(2026, 3, 2))
    @rule()
    def next_office_day(self):
        """Overnight: yesterday's numbers are not called today, and today's start again."""
        self.clock.now = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)

    # Invariants

    @invariant()
    def no_ticket_is_held_twice(self):
        # (d) read from the database, not the model.
        with self.core.reading() as session:
            held = session.exec(
                select(Ticket).where(col(Ticket.status).in_((S.CALLED, S.SERVING)))
            ).all()
        desks = [t.desk for t in held]
        assert None not in desks
        assert len(desks) == len(set(desks)), f"a desk holds two tickets: {desks}"
        assert {t.desk: t.id for t in held} == self.held

    @invariant()
    def the_model_matches_the_database(self):
        with self.core.reading() as session:
            stored = {t.id: t for t in session.exec(select(Ticket)).all()}
        assert stored.keys() == self.tickets.keys()
        for ticket_id, ticket in self.tickets.items():
            row = stored[ticket_id]
            assert (row.status, row.service, row.target_desk) == (
                ticket.status,
                ticket.service,
                ticket.target_desk,
            ), ticket.number
            # Transfers, reinstatements and verification never move the original issue time.
            assert row.issued_at == ticket.issued_at
            assert row.effective_at == ticket.issued_at - ticket.boost(self.office)
        numbers = [(t.office_day, t.number) for t in stored.values()]
        assert len(numbers) == len(set(numbers)), "a number was given twice on one day"


def test_queue_rules_hold_for_random_arrivals_and_desk_actions():
    run_state_machine_as_test(
        QueueMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=30,
            deadline=None,
            phases=PHASES,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# (c) No starvation with longest-waiting desks.

STARVATION_OFFICE = office_settings(
    desks=[
        {"number": 1, "name": "Desk 1", "services": ["ids", "cars"]},
        {"number": 2, "name": "Desk 2", "services": ["cars", "cash"]},
    ],
    services=[
        {"code": s.code, "letter": s.letter, "names": s.names.model_dump(), "expected_minutes": 5}
        for s in OFFICE.services
    ],
)
MAX_BOOST = timedelta(minutes=max(p.boost_minutes for p in OFFICE.priorities))

arrival = st.tuples(
    st.just("arrive"),
    st.sampled_from(SERVICES),
    st.sampled_from(PRIORITIES),
    st.integers(min_value=0, max_value=5 * 60),
)
press = st.tuples(st.just("serve"), st.sampled_from([1, 2]))


@settings(
    max_examples=40, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    opening=st.lists(st.one_of(arrival, arrival, press), min_size=1, max_size=25),
    pressure=st.lists(
        st.tuples(st.sampled_from(SERVICES), st.integers(min_value=10, max_value=120)),
        min_size=1,
        max_size=8,
    ),
)
def test_every_waiting_ticket_is_eventually_called_by_longest_waiting_desks(opening, pressure):
    with tempfile.TemporaryDirectory(prefix="frontdesk-prop-") as workdir:
        db = Database(f"sqlite:///{workdir}/queue.db")
        try:
            db.create_all()
            clock = FakeClock()
            core = Core(settings=STARVATION_OFFICE, db=db, clock=clock)
            _starvation_scenario(core, clock, opening, pressure)
        finally:
            db.dispose()


def _serve(core: Core, desk: int) -> str | None:
    called = tickets.call_next(core, CLERK, desk)
    if called is None:
        return None
    tickets.finish(core, CLERK, called["id"])
    return called["id"]


def _starvation_scenario(core, clock, opening, pressure) -> None:
    for step in opening:
        if step[0] == "arrive":
            _, service, priority, gap = step
            clock.advance(seconds=gap)
            tickets.issue_ticket(core, KIOSK, service=service, language="en", priority=priority)
        else:
            _serve(core, step[1])
    with core.reading() as session:
        waiting = {
            t.id: t.number for t in session.exec(select(Ticket).where(Ticket.status == S.WAITING))
        }
    # Priority tickets keep coming, each in its boost's reach of the waiting ones, for longer
    # than the largest boost. Every round each desk serves one visitor. Ticket T is called once
    # the tickets ahead of it are: those waiting now and those arriving within MAX_BOOST, which
    # the bound below covers; after that no arrival can be put ahead of T.
    arrivals_that_can_overtake = MAX_BOOST // timedelta(seconds=10) + 1
    limit = len(waiting) + arrivals_that_can_overtake + 2
    started, pressure_until = time.monotonic(), clock() + 2 * MAX_BOOST
    rounds = 0
    while waiting and rounds < limit and time.monotonic() - started < 30:
        rounds += 1
        if clock() < pressure_until:
            service, gap = pressure[rounds % len(pressure)]
            clock.advance(seconds=gap)
            tickets.issue_ticket(core, KIOSK, service=service, language="en", priority="pregnant")
        for desk in (1, 2):
            served = _serve(core, desk)
            waiting.pop(served, None)
    assert not waiting, f"still waiting after {rounds} rounds: {sorted(waiting.values())}"
