"""Property tests for needs routed to capable desks, against the real services.

Visitors arrive with random needs (step-free access, an induction loop, both, none), clerks
open desks, go on breaks, close them, call and finish. A model written here from the rule in
docs/queue-rules.md ("Needs"), not from frontdesk.queue.rules, says which visitor each call
must bring. After every call:

(a) the database's choice equals the model's and rules.pick_next's;
(b) nobody else's order changes: every visitor the desk skipped was one it had to leave to a
    working desk that has what they need;
(c) a skipped visitor is still first, among those of its service behind it, at such a desk;
(d) no ticket is held by two desks, and no desk holds two.

A second test proves (e): with desks working, every waiting visitor is called in bounded time.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import col, select

from frontdesk.db import Database
from frontdesk.queue import errors, rules
from frontdesk.queue.model import DeskState, Ticket, TicketStatus
from frontdesk.services import desks, tickets
from frontdesk.services.core import Actor, Core
from frontdesk.settings import Settings
from tests.support.core import KIOSK, FakeClock, names, office_settings

S = TicketStatus
PHASES = tuple(p for p in Phase if p is not Phase.shrink or os.environ.get("FRONTDESK_SHRINK"))
OFFICE = office_settings(
    desks=[
        {"number": 1, "name": "D1", "services": ["ids", "cars"], "features": ["step_free"]},
        {"number": 2, "name": "D2", "services": ["ids"]},
        {
            "number": 3,
            "name": "D3",
            "services": ["cars", "ids"],
            "order": "listed",
            "features": ["induction_loop"],
        },
        {
            "number": 4,
            "name": "D4",
            "services": ["ids", "cars"],
            "features": ["step_free", "induction_loop"],
            "order": "listed",
        },
    ],
    services=[
        {"code": "ids", "letter": "A", "names": names("IDs"), "expected_minutes": 6},
        {"code": "cars", "letter": "B", "names": names("Cars"), "expected_minutes": 10},
    ],
    needs=[
        {"id": "mobility", "names": names("Mobility"), "feature": "step_free"},
        {"id": "hearing", "names": names("Hearing"), "feature": "induction_loop"},
        {"id": "email_only", "names": names("E-mail only")},
    ],
    break_reasons=[{"id": "lunch", "names": names("Lunch")}],
)
DESKS = [d.number for d in OFFICE.desks]
FEATURE_OF = {"mobility": "step_free", "hearing": "induction_loop"}
NEEDS = st.sampled_from(
    [(), (), (), ("mobility",), ("hearing",), ("hearing", "mobility"), ("email_only",)]
)
ARRIVAL = st.tuples(
    st.sampled_from(["ids", "cars"]),
    NEEDS,
    st.sampled_from([None, None, None, "pregnant"]),
    st.integers(min_value=0, max_value=240),
)


def clerk(desk: int) -> Actor:
    return Actor(f"clerk{desk}", "clerk")


@dataclass
class Visitor:
    id: str
    number: str
    seq: int
    service: str
    needs: tuple[str, ...]
    issued_at: datetime
    boost: timedelta
    status: S = S.WAITING
    target_desk: int | None = None

    @property
    def wants(self) -> frozenset[str]:
        return frozenset(FEATURE_OF[n] for n in self.needs if n in FEATURE_OF)

    def key(self) -> tuple:
        return (self.issued_at - self.boost, self.seq, self.number)


class Model:
    """The rule, as the queue rules page states it."""

    def __init__(self, office: Settings):
        self.office = office
        self.open: set[int] = set()
        self.paused: set[int] = set()

    def working(self) -> set[int]:
        return self.open - self.paused

    def comes_to(self, desk: int, service: str) -> bool:
        config = self.office.desk(desk)
        if service not in config.services:
            return False
        return config.order == "longest_waiting" or config.services[0] == service

    def capable(self, desk: int, visitor: Visitor) -> bool:
        return visitor.wants <= set(self.office.desk(desk).features)

    def left_to_another(self, visitor: Visitor, desk: int) -> bool:
        if visitor.target_desk is not None or self.capable(desk, visitor):
            return False
        return any(
            other != desk and self.capable(other, visitor) and self.comes_to(other, visitor.service)
            for other in self.working()
        )

    def candidates(self, waiting: list[Visitor], desk: int) -> list[Visitor]:
        services = self.office.desk(desk).services
        return sorted(
            (
                v
                for v in waiting
                if v.target_desk == desk
                or (
                    v.target_desk is None
                    and v.service in services
                    and not self.left_to_another(v, desk)
                )
            ),
            key=Visitor.key,
        )

    def pick(self, waiting: list[Visitor], desk: int) -> Visitor | None:
        mine = self.candidates(waiting, desk)
        config = self.office.desk(desk)
        if config.order == "listed":
            for service in config.services:
                lane = [v for v in mine if v.service == service]
                if lane:
                    return lane[0]
        return mine[0] if mine else None


class RoutingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.TemporaryDirectory(prefix="frontdesk-route-")
        self.db = Database(f"sqlite:///{self.dir.name}/queue.db")
        self.db.create_all()
        self.clock = FakeClock()
        self.core = Core(settings=OFFICE, db=self.db, clock=self.clock)
        self.model = Model(OFFICE)
        self.visitors: dict[str, Visitor] = {}
        self.held: dict[int, str] = {}

    def teardown(self) -> None:
        self.db.dispose()
        self.dir.cleanup()

    def waiting(self) -> list[Visitor]:
        return [v for v in self.visitors.values() if v.status is S.WAITING]

    def stored_waiting(self) -> list[Ticket]:
        with self.core.reading() as session:
            return list(session.exec(select(Ticket).where(Ticket.status == S.WAITING)).all())

    def _arrive(self, service, needs, priority, gap) -> None:
        self.clock.advance(seconds=gap)
        view = tickets.issue_ticket(
            self.core, KIOSK, service=service, language="pl", needs=needs, priority=priority
        )
        boost = OFFICE.priority(priority).boost_minutes if priority else 0
        self.visitors[view["id"]] = Visitor(
            view["id"],
            view["number"],
            int(view["number"][1:]),
            service,
            tuple(needs),
            self.clock(),
            timedelta(minutes=boost),
        )

    @initialize(arrivals=st.lists(ARRIVAL, min_size=3, max_size=15))
    def doors_open(self, arrivals):
        for arrival in arrivals:
            self._arrive(*arrival)

    @rule(arrivals=st.lists(ARRIVAL, min_size=1, max_size=4))
    def arrive(self, arrivals):
        for arrival in arrivals:
            self._arrive(*arrival)

    @rule(desk=st.sampled_from(DESKS))
    def open_desk(self, desk):
        desks.open_desk(self.core, clerk(desk), desk)
        self.model.open.add(desk)
        self.model.paused.discard(desk)

    @rule(desk=st.sampled_from(DESKS), close=st.booleans())
    def step_away(self, desk, close):
        if desk not in self.model.open or desk in self.held:
            return
        if close:
            desks.close_desk(self.core, clerk(desk), desk)
            self.model.open.discard(desk)
            self.model.paused.discard(desk)
        else:
            desks.pause_desk(self.core, clerk(desk), desk, "lunch")
            self.model.paused.add(desk)

    @rule(desk=st.sampled_from(DESKS), then=st.sampled_from(["finish", "finish", "to_desk"]))
    def work(self, desk, then):
        if desk in self.held:
            visitor = self.visitors[self.held.pop(desk)]
            if then == "to_desk":
                target = DESKS[(DESKS.index(desk) + 1) % len(DESKS)]
                tickets.transfer(self.core, clerk(desk), visitor.id, desk=target)
                visitor.status, visitor.target_desk = S.WAITING, target
            else:
                tickets.finish(self.core, clerk(desk), visitor.id)
                visitor.status = S.DONE
            # Someone else's visitor is refused to this desk's clerk.
            other = next((d for d in self.held if d != desk), None)
            if other is not None:
                try:
                    tickets.finish(self.core, clerk(desk), self.held[other])
                except errors.NotYourDesk:
                    pass
                else:
                    raise AssertionError("a clerk finished another desk's visitor")
            return
        self._call(desk)

    def _call(self, desk: int) -> None:
        waiting = self.waiting()
        config = OFFICE.desk(desk)
        stored = self.stored_waiting()
        # The model opens the desk with the call, as the service does.
        self.model.open.add(desk)
        self.model.paused.discard(desk)
        expected = self.model.pick(waiting, desk)
        with self.core.reading() as session:
            passing = tickets.passed_over(self.core, session, config)
        pure = rules.pick_next(stored, desk, config.services, config.order, passing)
        called = tickets.call_next(self.core, clerk(desk), desk)
        # (a)
        assert (called and called["id"]) == (pure and pure.id) == (expected and expected.id), (
            f"desk {desk}: service {called and called['number']}, rules "
            f"{pure and pure.number}, model {expected and expected.number}"
        )
        if called is None:
            return
        chosen = self.visitors[called["id"]]
        # (b) and (c)
        lane = [v for v in waiting if v.target_desk is None and v.service in config.services]
        if config.order == "listed":
            lane = [v for v in lane if v.service == chosen.service]
        for skipped in (v for v in lane if v.key() < chosen.key()):
            assert self.model.left_to_another(skipped, desk), (
                f"desk {desk} called {chosen.number} before {skipped.number}"
            )
            capable = [
                d
                for d in self.model.working()
                if d != desk
                and self.model.capable(d, skipped)
                and self.model.comes_to(d, skipped.service)
            ]
            assert capable
            behind = [
                t
                for t in stored
                if t.service == skipped.service
                and t.target_desk is None
                and rules.order_key(t) >= skipped.key()
            ]
            for other in capable:
                other_config = OFFICE.desk(other)
                with self.core.reading() as session:
                    other_passing = tickets.passed_over(self.core, session, other_config)
                first = rules.pick_next(
                    behind, other, other_config.services, other_config.order, other_passing
                )
                assert first is not None and first.id == skipped.id
        chosen.status, chosen.target_desk = S.CALLED, None
        self.held[desk] = chosen.id

    @rule(minutes=st.sampled_from([1, 10, 40]))
    def wait(self, minutes):
        self.clock.advance(minutes=minutes)

    @invariant()
    def no_ticket_is_held_twice(self):
        # (d), read from the database.
        with self.core.reading() as session:
            held = session.exec(
                select(Ticket).where(col(Ticket.status).in_((S.CALLED, S.SERVING)))
            ).all()
        desks_holding = [t.desk for t in held]
        assert len(desks_holding) == len(set(desks_holding))
        assert {t.desk: t.id for t in held} == self.held


def test_needs_routing_keeps_the_fair_order_for_everyone_else():
    run_state_machine_as_test(
        RoutingMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            phases=PHASES,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# (e) Nobody waits forever: while desks work, every visitor is called.


@settings(
    max_examples=40, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    arrivals=st.lists(ARRIVAL, min_size=1, max_size=25),
    working=st.sets(st.sampled_from(DESKS), min_size=1),
    breaks=st.lists(st.tuples(st.sampled_from(DESKS), st.booleans()), max_size=6),
)
def test_every_visitor_is_called_while_desks_work_whatever_their_needs(arrivals, working, breaks):
    with tempfile.TemporaryDirectory(prefix="frontdesk-route-") as workdir:
        db = Database(f"sqlite:///{workdir}/queue.db")
        try:
            db.create_all()
            clock = FakeClock()
            core = Core(settings=OFFICE, db=db, clock=clock)
            _drain(core, clock, arrivals, working, breaks)
        finally:
            db.dispose()


def _drain(core, clock, arrivals, working, breaks) -> None:
    served_by = {d: OFFICE.desk(d).services for d in working}
    # Some working desk serves every service visitors come for (config check warns otherwise).
    if not any("cars" in s for s in served_by.values()):
        working = working | {1}
    waiting = set()
    for service, needs, priority, gap in arrivals:
        clock.advance(seconds=gap)
        view = tickets.issue_ticket(
            core, KIOSK, service=service, language="en", needs=needs, priority=priority
        )
        waiting.add(view["id"])
    for desk in working:
        desks.open_desk(core, clerk(desk), desk)
    # Breaks and closings come and go during the first rounds, then every desk is back.
    limit = len(waiting) + len(breaks) + 2
    for round_ in range(limit):
        if not waiting:
            break
        if round_ < len(breaks):
            desk, close = breaks[round_]
            if desk in working and len(working) > 1:
                if close:
                    desks.close_desk(core, clerk(desk), desk)
                else:
                    with contextlib.suppress(errors.DeskClosed):  # closed in an earlier round
                        desks.pause_desk(core, clerk(desk), desk, "lunch")
        elif round_ == len(breaks):
            for desk in working:
                desks.open_desk(core, clerk(desk), desk)
        for desk in sorted(working):
            with core.reading() as session:
                state = session.get(DeskState, desk)
                away = state is None or not state.open or state.paused_at is not None
            if away:
                continue
            called = tickets.call_next(core, clerk(desk), desk)
            if called is not None:
                tickets.finish(core, clerk(desk), called["id"])
                waiting.discard(called["id"])
    assert not waiting, f"still waiting after {limit} rounds"
