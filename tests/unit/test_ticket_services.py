"""The ticket services (frontdesk.services.tickets) against a real SQLite database.

Each test reads as one rule of the front desk; the clock moves only when the test says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func
from sqlmodel import select

from frontdesk import events as ev
from frontdesk.db import Database
from frontdesk.queue import errors, estimate
from frontdesk.queue.model import (
    AuditEvent,
    DeskState,
    PriorityStatus,
    Ticket,
    TicketCounter,
    TicketStatus,
)
from frontdesk.services import tickets, views
from frontdesk.services.core import Actor, Core, UnitOfWork
from frontdesk.services.views import ticket_view
from tests.support.core import CLERK, KIOSK, SUPERVISOR

S = TicketStatus
BOB = Actor("bob", "clerk")
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


# Helpers


def issue(core: Core, service: str = "ids", **options) -> dict:
    options.setdefault("language", "pl")
    return tickets.issue_ticket(core, KIOSK, service=service, **options)


def row(core: Core, ticket_id: str) -> Ticket:
    with core.reading() as session:
        found = session.get(Ticket, ticket_id)
        assert found is not None
        return found


def audit(core: Core, kind: str | None = None, ticket_id: str | None = None) -> list[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.id)
    if kind is not None:
        statement = statement.where(AuditEvent.kind == kind)
    if ticket_id is not None:
        statement = statement.where(AuditEvent.ticket_id == ticket_id)
    with core.reading() as session:
        return list(session.exec(statement).all())


def count(core: Core, model: type, *where) -> int:
    with core.reading() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def view(core: Core, ticket_id: str) -> dict:
    with core.reading() as session:
        return ticket_view(core, session, session.get(Ticket, ticket_id))


def call(core: Core, desk: int, actor: Actor = CLERK) -> str | None:
    """Press call-next at a desk; the number called, or None."""
    called = tickets.call_next(core, actor, desk)
    return called["number"] if called else None


def serve(core: Core, desk: int, actor: Actor = CLERK) -> str | None:
    """Call the next ticket at a desk and finish it at once; the number served."""
    called = tickets.call_next(core, actor, desk)
    if called is None:
        return None
    tickets.finish(core, actor, called["id"])
    return called["number"]


# Numbers


def test_numbers_count_per_service_and_start_at_one(core):
    numbers = [issue(core, s)["number"] for s in ("ids", "ids", "cars", "ids", "cash", "cars")]
    assert numbers == ["A001", "A002", "B001", "A003", "K001", "B002"]


def test_numbers_continue_after_a_restart(core, clock, settings):
    assert [issue(core)["number"] for _ in range(2)] == ["A001", "A002"]
    restarted_db = Database(core.db.url)
    try:
        restarted = Core(settings=settings, db=restarted_db, clock=clock)
        assert issue(restarted)["number"] == "A003"
        assert issue(restarted, "cars")["number"] == "B001"
    finally:
        restarted_db.dispose()
    assert issue(core)["number"] == "A004"


def test_office_day_follows_the_office_time_zone(core, clock):
    clock.now = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Warsaw, 2 March
    evening = issue(core)
    clock.now = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 00:30 in Warsaw, 3 March
    night = issue(core)
    assert row(core, evening["id"]).office_day == date(2026, 3, 2)
    assert row(core, night["id"]).office_day == date(2026, 3, 3)
    # A new office day starts its numbers again; the same number on two days is two tickets.
    assert evening["number"] == night["number"] == "A001"
    assert count(core, TicketCounter) == 2


def test_a_ticket_left_from_the_previous_office_day_is_not_called(core, clock):
    clock.now = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
    issue(core)
    clock.now = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    today = issue(core)
    assert tickets.call_next(core, CLERK, 2)["id"] == today["id"]
    tickets.finish(core, CLERK, today["id"])
    assert tickets.call_next(core, CLERK, 2) is None


# Fair order


def test_call_next_picks_the_earliest_issue_time_among_the_desk_services(core, clock):
    issue(core, "cars")
    clock.advance(minutes=1)
    issue(core, "ids")
    clock.advance(minutes=1)
    issue(core, "cars")
    assert [serve(core, 1) for _ in range(4)] == ["B001", "A001", "B002", None]


def test_call_next_breaks_ties_by_number(core):
    # The clock stands still: every ticket has the same issue time.
    for service in ("ids", "ids", "cars", "ids"):
        issue(core, service)
    assert [serve(core, 1) for _ in range(4)] == ["A001", "B001", "A002", "A003"]


def test_priority_ticket_overtakes_only_within_its_boost(core, clock):
    issue(core)  # A001 at 08:00
    clock.advance(minutes=9)
    issue(core, priority="card")  # A002, 10 min boost: effective 07:59
    clock.advance(minutes=1)
    issue(core, priority="card")  # A003 at 08:10: effective 08:00, level with A001
    clock.advance(minutes=1)
    issue(core, priority="card")  # A004 at 08:11: effective 08:01
    assert [serve(core, 2) for _ in range(5)] == ["A002", "A001", "A003", "A004", None]


def test_verified_priority_keeps_its_boost(core, clock):
    issue(core)
    clock.advance(minutes=20)
    pregnant = issue(core, priority="pregnant")
    verified = tickets.verify_priority(core, CLERK, pregnant["id"], accepted=True)
    assert verified["priority_status"] == "verified"
    assert verified["position"] == 1
    assert call(core, 2) == "A002"


def test_rejected_priority_keeps_its_place_as_normal_ticket(core, clock):
    issue(core)  # A001 08:00
    clock.advance(minutes=5)
    issue(core)  # A002 08:05
    clock.advance(minutes=5)
    pregnant = issue(core, priority="pregnant")  # A003 08:10, effective 07:40
    clock.advance(minutes=5)
    issue(core)  # A004 08:15
    assert call(core, 2) == "A003"

    rejected = tickets.verify_priority(core, CLERK, pregnant["id"], accepted=False)

    assert rejected["status"] == "waiting"
    assert rejected["desk"] is None
    assert rejected["priority_status"] == "rejected"
    assert rejected["position"] == 3  # behind A001 and A002, still ahead of A004
    stored = row(core, pregnant["id"])
    assert stored.effective_at == stored.issued_at == T0 + timedelta(minutes=10)
    assert stored.priority_status is PriorityStatus.REJECTED
    # The desk is free again and goes on in plain order.
    assert [serve(core, 2) for _ in range(5)] == ["A001", "A002", "A003", "A004", None]


def test_listed_order_desk_calls_its_first_listed_service_first(core, clock):
    issue(core, "ids")  # waiting longest
    clock.advance(minutes=10)
    issue(core, "cars")
    issue(core, "cars")
    # Desk 3 lists cars before ids; desk 1 takes whoever waited longest.
    assert call(core, 3) == "B001"
    assert call(core, 1) == "A001"
    tickets.finish(core, CLERK, row_by_number(core, "B001").id)
    assert serve(core, 3) == "B002"
    issue(core, "ids")
    assert serve(core, 3) == "A002"


def row_by_number(core: Core, number: str) -> Ticket:
    with core.reading() as session:
        return session.exec(select(Ticket).where(Ticket.number == number)).one()


def test_cancelled_ticket_is_never_called(core):
    first = issue(core)
    issue(core)
    tickets.cancel(core, KIOSK, first["id"])
    assert [serve(core, 2) for _ in range(2)] == ["A002", None]
    assert row(core, first["id"]).status is S.CANCELLED


def test_call_next_returns_none_when_nobody_waits_and_opens_the_desk(core):
    assert tickets.call_next(core, CLERK, 2) is None
    with core.reading() as session:
        state = session.get(DeskState, 2)
    assert state.open and state.clerk == "anna"
    assert [e.kind for e in audit(core)] == ["desk.opened"]
    # Pressing again while open writes nothing new.
    assert tickets.call_next(core, CLERK, 2) is None
    assert len(audit(core)) == 1


def test_a_desk_serves_only_its_services(core):
    issue(core, "cash")
    assert tickets.call_next(core, CLERK, 1) is None
    assert call(core, 4) == "K001"


def test_unknown_desk_is_rejected(core):
    issue(core)
    with pytest.raises(errors.UnknownDesk):
        tickets.call_next(core, CLERK, 99)
    assert count(core, AuditEvent, AuditEvent.kind != "ticket.issued") == 0


# Out-of-order calls


def test_out_of_order_call_needs_a_configured_reason_and_is_audited(core, clock):
    first = issue(core)
    issue(core)
    clock.advance(minutes=3)
    third = issue(core)
    issued_rows = len(audit(core))

    with pytest.raises(errors.UnknownReason):
        tickets.call_ticket(core, CLERK, third["id"], 2, "friend_of_the_mayor")
    assert row(core, third["id"]).status is S.WAITING
    assert len(audit(core)) == issued_rows  # not even the desk was opened

    called = tickets.call_ticket(core, CLERK, third["id"], 2, "appointment")

    assert called["status"] == "called" and called["desk"] == 2
    [entry] = audit(core, kind="ticket.called_out_of_order")
    assert entry.ticket_id == third["id"]
    assert entry.reason == "appointment"
    assert entry.desk == 2
    assert entry.actor == "clerk:anna"
    assert entry.service == "ids"
    assert entry.data["number"] == "A003"
    assert entry.data["due"] == "A001"  # who should have been called instead
    assert audit(core, kind="ticket.called") == []
    # The visitor who was due keeps their place.
    tickets.finish(core, CLERK, third["id"])
    assert call(core, 2) == "A001"
    assert view(core, first["id"])["status"] == "called"


def test_out_of_order_call_cannot_take_a_ticket_another_desk_holds(core):
    held = issue(core)
    issue(core)
    assert call(core, 1) == "A001"
    with pytest.raises(errors.DomainError):
        tickets.call_ticket(core, BOB, held["id"], 2, "appointment")
    stored = row(core, held["id"])
    assert stored.status is S.CALLED
    assert stored.desk == 1
    assert audit(core, kind="ticket.called_out_of_order") == []


def test_out_of_order_call_of_a_finished_ticket_is_refused(core):
    done = issue(core)
    serve(core, 2)
    with pytest.raises(errors.InvalidTransition):
        tickets.call_ticket(core, CLERK, done["id"], 2, "appointment")
    with pytest.raises(errors.UnknownTicket):
        tickets.call_ticket(core, CLERK, "no-such-ticket", 2, "appointment")


# A desk holds one visitor at a time


def test_desk_that_holds_a_ticket_cannot_call_another(core):
    first = issue(core)
    second = issue(core)
    assert call(core, 2) == "A001"
    with pytest.raises(errors.DeskBusy) as busy:
        tickets.call_next(core, CLERK, 2)
    assert busy.value.params == {"desk": 2, "ticket": "A001"}
    with pytest.raises(errors.DeskBusy):
        tickets.call_ticket(core, CLERK, second["id"], 2, "appointment")
    tickets.start(core, CLERK, first["id"])
    with pytest.raises(errors.DeskBusy):
        tickets.call_next(core, CLERK, 2)
    # Another clerk cannot use the desk at all while it is open for anna.
    with pytest.raises(errors.DeskTaken):
        tickets.call_next(core, BOB, 2)
    assert row(core, second["id"]).status is S.WAITING
    tickets.finish(core, CLERK, first["id"])
    assert call(core, 2) == "A002"


@pytest.mark.parametrize("release", ["no_show", "transfer", "reject_priority"])
def test_a_desk_is_free_again_once_its_visitor_leaves_it(core, release):
    held = issue(core, priority="pregnant")
    issue(core)
    assert call(core, 2) == "A001"
    if release == "no_show":
        tickets.no_show(core, CLERK, held["id"])
    elif release == "transfer":
        tickets.transfer(core, CLERK, held["id"], service="cars")
    else:
        tickets.verify_priority(core, CLERK, held["id"], accepted=False)
    assert call(core, 2) in ("A001", "A002")


# Recall, no-show, reinstate


def test_recall_stops_at_the_limit(core, recorder):
    ticket = issue(core)
    call(core, 1)
    assert tickets.recall(core, CLERK, ticket["id"])["recalls"] == 1
    assert tickets.recall(core, CLERK, ticket["id"])["recalls"] == 2
    with pytest.raises(errors.RecallLimitReached) as limit:
        tickets.recall(core, CLERK, ticket["id"])
    assert limit.value.params == {"limit": 2}
    assert row(core, ticket["id"]).recalls == 2
    assert len(audit(core, kind="ticket.recalled")) == 2
    # The display announced the number once for the call and once per recall.
    assert len(recorder.named(ev.TICKET_CALLED)) == 3


def test_recall_of_a_ticket_that_is_not_called_is_refused(core):
    ticket = issue(core)
    with pytest.raises(errors.InvalidTransition):
        tickets.recall(core, CLERK, ticket["id"])
    call(core, 1)
    tickets.start(core, CLERK, ticket["id"])
    with pytest.raises(errors.InvalidTransition):
        tickets.recall(core, CLERK, ticket["id"])


def test_reinstate_within_window_restores_original_place(core, clock):
    first = issue(core)
    clock.advance(minutes=1)
    issue(core)
    clock.advance(minutes=1)
    issue(core)
    assert call(core, 2) == "A001"
    tickets.recall(core, CLERK, first["id"])
    tickets.no_show(core, CLERK, first["id"])
    assert serve(core, 2) == "A002"
    clock.advance(minutes=30)  # the window is 30 minutes, counted from the no-show

    back = tickets.reinstate(core, SUPERVISOR, first["id"])

    assert back["status"] == "waiting"
    assert back["position"] == 1  # ahead of A003, as before
    assert back["desk"] is None and back["recalls"] == 0
    stored = row(core, first["id"])
    assert stored.issued_at == stored.effective_at == T0
    assert stored.no_show_at is None
    [entry] = audit(core, kind="ticket.reinstated")
    assert entry.ticket_id == first["id"] and entry.actor == "supervisor:marek"
    assert [serve(core, 1) for _ in range(3)] == ["A001", "A003", None]


def test_reinstate_after_window_is_refused(core, clock):
    ticket = issue(core)
    call(core, 2)
    tickets.no_show(core, CLERK, ticket["id"])
    clock.advance(minutes=30, seconds=1)
    with pytest.raises(errors.ReinstateWindowPassed) as passed:
        tickets.reinstate(core, CLERK, ticket["id"])
    assert passed.value.params == {"minutes": 30}
    assert row(core, ticket["id"]).status is S.NO_SHOW
    assert audit(core, kind="ticket.reinstated") == []


def test_transfer_cannot_bring_back_a_no_show_after_the_reinstate_window(core, clock):
    ticket = issue(core)
    call(core, 2)
    tickets.no_show(core, CLERK, ticket["id"])
    clock.advance(minutes=45)
    with pytest.raises(errors.DomainError):
        tickets.transfer(core, CLERK, ticket["id"], service="cars")
    assert row(core, ticket["id"]).status is S.NO_SHOW


def test_only_a_no_show_can_be_reinstated(core):
    ticket = issue(core)
    with pytest.raises(errors.InvalidTransition):
        tickets.reinstate(core, CLERK, ticket["id"])
    serve(core, 2)
    with pytest.raises(errors.InvalidTransition):
        tickets.reinstate(core, CLERK, ticket["id"])


@pytest.mark.parametrize("held_as", ["called", "serving"])
def test_reinstating_a_ticket_a_desk_holds_is_refused(core, held_as):
    ticket = issue(core)
    call(core, 2)
    if held_as == "serving":
        tickets.start(core, CLERK, ticket["id"])
    with pytest.raises(errors.InvalidTransition):
        tickets.reinstate(core, CLERK, ticket["id"])
    stored = row(core, ticket["id"])
    assert stored.status is S(held_as) and stored.desk == 2


# Transfers


def test_transfer_keeps_original_issue_time(core, clock):
    sent = issue(core, "ids")  # A001 at 08:00
    clock.advance(minutes=5)
    issue(core, "cars")
    issue(core, "cars")
    clock.advance(minutes=5)
    assert call(core, 2) == "A001"

    moved = tickets.transfer(core, CLERK, sent["id"], service="cars")

    assert moved["status"] == "waiting" and moved["service"] == "cars"
    assert moved["number"] == "A001"
    assert moved["position"] == 1  # ahead of B001 and B002, who came later
    assert moved["issued_at"] == "2026-03-02T08:00:00Z"
    stored = row(core, sent["id"])
    assert stored.issued_at == stored.effective_at == T0
    assert stored.issued_service == "ids"
    [entry] = audit(core, kind="ticket.transferred")
    assert entry.data == {"to_service": "cars", "to_desk": None}
    assert entry.desk == 2
    # Desk 3 lists cars first and takes the transferred visitor before the later cars tickets.
    assert [serve(core, 3) for _ in range(4)] == ["A001", "B001", "B002", None]


def test_position_shown_agrees_with_the_calling_order_for_a_transferred_ticket(core):
    # The clock stands still: A001 and B001 have the same issue time and sequence number, so
    # the number decides, and A001 (sent over from ids) is called first.
    sent = issue(core, "ids")
    call(core, 2)
    tickets.transfer(core, CLERK, sent["id"], service="cars")
    later = issue(core, "cars")
    assert view(core, sent["id"])["position"] == 1
    assert later["people_ahead"] == 1, "B001 is told nobody is ahead, yet A001 goes first"
    assert view(core, later["id"])["position"] == 2
    assert call(core, 3) == "A001"


def test_transfer_keeps_a_priority_boost(core, clock):
    issue(core, "cars")  # B001 at 08:00
    clock.advance(minutes=10)
    sent = issue(core, "ids", priority="pregnant")  # A001, effective 07:40
    call(core, 2)
    moved = tickets.transfer(core, CLERK, sent["id"], service="cars")
    assert moved["position"] == 1
    assert call(core, 3) == "A001"


def test_transfer_to_desk_is_called_only_by_that_desk(core, clock):
    sent = issue(core)
    clock.advance(minutes=1)
    issue(core)
    assert call(core, 1) == "A001"

    moved = tickets.transfer(core, CLERK, sent["id"], desk=2)

    assert moved["status"] == "waiting" and moved["target_desk"] == 2
    assert moved["position"] == 1
    # Desk 1 also serves ids, yet takes the later A002: A001 waits for desk 2 alone.
    assert serve(core, 1) == "A002"
    assert tickets.call_next(core, CLERK, 1) is None
    assert tickets.call_next(core, BOB, 3) is None
    called = tickets.call_next(core, SUPERVISOR, 2)
    assert called["number"] == "A001" and called["desk"] == 2
    assert called["target_desk"] is None


def test_transfer_to_a_desk_that_does_not_list_the_service(core):
    sent = issue(core, "ids")
    call(core, 2)
    tickets.transfer(core, CLERK, sent["id"], desk=4)  # the cashier
    assert tickets.call_next(core, CLERK, 1) is None
    assert call(core, 4) == "A001"


def test_transfer_needs_one_known_destination(core):
    ticket = issue(core)
    with pytest.raises(errors.InvalidInput):
        tickets.transfer(core, CLERK, ticket["id"])
    with pytest.raises(errors.InvalidInput):
        tickets.transfer(core, CLERK, ticket["id"], service="cars", desk=2)
    with pytest.raises(errors.UnknownService):
        tickets.transfer(core, CLERK, ticket["id"], service="boats")
    with pytest.raises(errors.UnknownDesk):
        tickets.transfer(core, CLERK, ticket["id"], desk=99)
    serve(core, 2)
    with pytest.raises(errors.InvalidTransition):
        tickets.transfer(core, CLERK, ticket["id"], service="cars")
    assert audit(core, kind="ticket.transferred") == []


# Issuing


def test_daily_cap_refuses_and_leaves_nothing_written(core, recorder):
    assert [issue(core, "cash")["number"] for _ in range(3)] == ["K001", "K002", "K003"]
    published = len(recorder.events)
    for _ in range(2):
        with pytest.raises(errors.ServiceFull) as full:
            issue(core, "cash")
        assert full.value.params == {"service": "cash"}
    with core.reading() as session:
        counter = session.exec(select(TicketCounter).where(TicketCounter.letter == "K")).one()
    assert counter.last_seq == 3  # the refused tickets did not use up numbers
    assert count(core, Ticket, Ticket.service == "cash") == 3
    assert len(audit(core, kind="ticket.issued")) == 3
    assert len(recorder.events) == published
    # Other services are unaffected.
    assert issue(core, "ids")["number"] == "A001"


@pytest.mark.parametrize(
    ("options", "error", "params"),
    [
        ({"service": "boats"}, errors.UnknownService, {"service": "boats"}),
        ({"needs": ["hearing", "telepathy"]}, errors.UnknownNeed, {"need": "telepathy"}),
        ({"priority": "mayor"}, errors.UnknownPriority, {"priority": "mayor"}),
        ({"language": "de"}, errors.UnknownLanguage, {"language": "de"}),
    ],
    ids=["service", "need", "priority", "language"],
)
def test_unknown_choice_at_the_kiosk_is_rejected_with_a_named_error(
    core, recorder, options, error, params
):
    request = {"service": "ids", "language": "pl", **options}
    with pytest.raises(error) as refused:
        tickets.issue_ticket(core, KIOSK, **request)
    assert refused.value.params == params
    assert refused.value.code == error.code
    assert isinstance(refused.value, errors.InvalidInput) and refused.value.status == 400
    assert count(core, Ticket) == count(core, TicketCounter) == count(core, AuditEvent) == 0
    assert recorder.events == []


def test_issue_records_language_needs_and_declared_priority(core):
    issued = issue(core, language="uk", needs=["hearing", "email_only", "hearing"], priority="card")
    assert issued["language"] == "uk"
    assert issued["needs"] == ["email_only", "hearing"]
    assert issued["priority"] == "card" and issued["priority_status"] == "declared"
    assert issued["status"] == "waiting" and issued["position"] == 1
    [entry] = audit(core, kind="ticket.issued")
    assert entry.actor == "kiosk:hall-kiosk"
    assert entry.data["number"] == "A001"
    # What the visitor declared stays on the ticket, where it can be erased, not in the log.
    assert "priority" not in entry.data and "needs" not in entry.data


# Estimates


def figure(ahead: int, minutes_per_call: float) -> int:
    return round(estimate.CENTRAL * (ahead + 1) * minutes_per_call)


def test_wait_estimate_uses_people_ahead_desks_working_and_the_gaps_between_calls(core, clock):
    # ids: 6 minutes expected at one desk; desks 1, 2 and 3 serve it; no past days.
    for _ in range(4):
        last = issue(core)
    # Before any clerk signs in, the desks that will serve count: 6 min / 3 desks per call.
    assert last["people_ahead"] == 3 and last["position"] == 4
    assert last["eta_minutes"] == figure(3, 6 / 3)
    low, high = last["eta_range"]
    assert low <= last["eta_minutes"] <= high

    first = tickets.call_next(core, CLERK, 2)  # now desk 2 alone is open
    assert view(core, last["id"])["people_ahead"] == 2
    assert view(core, last["id"])["eta_minutes"] == figure(2, 6)

    clock.advance(minutes=12)
    tickets.finish(core, CLERK, first["id"])
    tickets.call_next(core, BOB, 1)  # a second desk opens and calls 12 minutes after the first
    # One gap of 12 minutes with people waiting, weighed against three of the prior's
    # 6 min / 2 desks.
    assert view(core, last["id"])["people_ahead"] == 1
    assert view(core, last["id"])["eta_minutes"] == figure(1, (12 + 3 * 3) / 4)


def test_the_range_is_the_same_on_the_ticket_the_phones_and_the_kiosk_tile(core, clock):
    for _ in range(5):
        last = issue(core)
    tickets.call_next(core, CLERK, 2)
    clock.advance(minutes=4)
    with core.reading() as session:
        places = views.waiting_places(core, session)
        tiles = {s["code"]: s for s in views.services_overview(core, session)}
    shown = view(core, last["id"])
    assert places[last["id"]]["eta_range"] == shown["eta_range"]
    assert places[last["id"]]["eta_minutes"] == shown["eta_minutes"]
    low, high = shown["eta_range"]
    assert low <= shown["eta_minutes"] <= high
    # The tile's estimate is for a ticket taken now: behind everyone waiting.
    assert tiles["ids"]["eta_minutes"] >= shown["eta_minutes"]
    assert len(tiles["ids"]["eta_range"]) == 2


def test_estimates_for_a_long_queue_cost_the_same_queries_as_for_a_short_one(core):
    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(core.db.engine, "before_cursor_execute", listener)
        try:
            with core.reading() as session:
                views.waiting_places(core, session)
                views.services_overview(core, session)
        finally:
            event.remove(core.db.engine, "before_cursor_execute", listener)
        return len(seen)

    for _ in range(5):
        issue(core)
    tickets.call_next(core, CLERK, 2)
    short = statements()
    for _ in range(300):
        issue(core)
    assert statements() == short


def test_wait_estimate_starts_the_day_from_the_offices_past_calls(core, clock):
    # Yesterday desk 1 called an ids visitor every 20 minutes, not the configured 6.
    yesterday = clock.now - timedelta(days=1)
    with core.db.session(write=True) as session:
        for i in range(12):
            at = yesterday + timedelta(minutes=20 * i)
            session.add(
                AuditEvent(
                    at=at,
                    office_day=at.date(),
                    kind="ticket.called",
                    actor="clerk:ala",
                    desk=1,
                    service="ids",
                )
            )
        session.commit()
    for _ in range(4):
        last = issue(core)
    # The median of yesterday (20) and the configured figure (6) as one more day: 13 minutes
    # at a desk, shared among the desks that served yesterday (one).
    assert last["eta_minutes"] == figure(3, 13)


def test_wait_estimate_leaves_out_a_desk_on_a_break(core, clock):
    for _ in range(3):
        last = issue(core)
    first = tickets.call_next(core, CLERK, 2)
    tickets.finish(core, CLERK, first["id"])
    tickets.call_next(core, BOB, 1)
    with_two = view(core, last["id"])["eta_minutes"]
    # Desk 2 stays open, holding nobody, while people wait: after a while it is on a break.
    clock.advance(minutes=30)
    assert view(core, last["id"])["eta_minutes"] > with_two


def test_wait_estimate_of_a_visitor_with_nobody_ahead_is_zero(core):
    assert issue(core)["eta_minutes"] == 0
    assert issue(core, "cars")["eta_minutes"] == 0


# Events


class VisibilityChecker:
    """A listener that, when called, looks at the database through a new session."""

    def __init__(self, core: Core):
        self.core = core
        self.checked: list[tuple[str, str, str | None]] = []

    def publish(self, events: list[ev.Event]) -> None:
        with self.core.db.session() as session:
            for event in events:
                if event.name in (ev.TICKET_ISSUED, ev.TICKET_UPDATED):
                    stored = session.get(Ticket, event.payload["id"])
                    seen = stored.status.value if stored else None
                    self.checked.append((event.name, event.payload["status"], seen))


def test_events_are_published_only_after_commit(core, recorder):
    checker = VisibilityChecker(core)
    core.listeners.append(checker)
    ticket = issue(core)
    tickets.call_next(core, CLERK, 2)
    tickets.start(core, CLERK, ticket["id"])
    tickets.finish(core, CLERK, ticket["id"])
    assert checker.checked == [
        (ev.TICKET_ISSUED, "waiting", "waiting"),
        (ev.TICKET_UPDATED, "called", "called"),
        (ev.TICKET_UPDATED, "serving", "serving"),
        (ev.TICKET_UPDATED, "done", "done"),
    ]
    names = [e.name for e in recorder.events]
    assert names.count(ev.QUEUES_TOUCHED) == 4
    assert ev.DESK_CHANGED in names and ev.TICKET_CALLED in names


def test_a_failing_service_call_publishes_nothing(core, recorder):
    issue(core)
    waiting = issue(core)
    for _ in range(3):
        issue(core, "cash")
    call(core, 1)
    before = list(recorder.events)
    failing: list[Callable[[], object]] = [
        lambda: issue(core, "cash"),  # over the cap
        lambda: issue(core, language="xx"),
        lambda: tickets.call_next(core, BOB, 1),  # busy desk, even with a new clerk
        lambda: tickets.finish(core, CLERK, row_by_number(core, "K001").id),  # still waiting
        lambda: tickets.reinstate(core, CLERK, waiting["id"]),
        lambda: tickets.call_ticket(core, CLERK, waiting["id"], 2, "no_reason"),
    ]
    for attempt in failing:
        with pytest.raises(errors.DomainError):
            attempt()
    assert recorder.events == before


# Audit


def _fingerprint(ticket: Ticket | None) -> tuple | None:
    if ticket is None:
        return None
    return (
        ticket.status,
        ticket.desk,
        ticket.recalls,
        ticket.priority_status,
        ticket.service,
        ticket.target_desk,
    )


def _prepare(core: Core, operation: str) -> tuple[Callable[[], dict], str | None, str]:
    """Set the scene for one state change; return it, the ticket it changes, and its kind."""
    tickets.call_next(core, CLERK, 2)  # desk 2 opens now, so only the change itself is logged
    tickets.call_next(core, BOB, 1)
    ticket = issue(core, priority="pregnant")
    tid = ticket["id"]
    if operation == "issue":
        return (lambda: issue(core, "cars")), None, "ticket.issued"
    if operation == "call_next":
        return (lambda: tickets.call_next(core, CLERK, 2)), tid, "ticket.called"
    if operation == "call_ticket":
        issue(core)
        return (
            lambda: tickets.call_ticket(core, CLERK, tid, 2, "appointment"),
            tid,
            "ticket.called_out_of_order",
        )
    if operation == "cancel":
        return (lambda: tickets.cancel(core, KIOSK, tid)), tid, "ticket.cancelled"
    if operation == "verify":
        return (
            lambda: tickets.verify_priority(core, CLERK, tid, accepted=True),
            tid,
            "priority.verified",
        )
    tickets.call_next(core, CLERK, 2)
    if operation == "recall":
        return (lambda: tickets.recall(core, CLERK, tid)), tid, "ticket.recalled"
    if operation == "start":
        return (lambda: tickets.start(core, CLERK, tid)), tid, "ticket.started"
    if operation == "no_show":
        return (lambda: tickets.no_show(core, CLERK, tid)), tid, "ticket.no_show"
    if operation == "transfer":
        return (
            lambda: tickets.transfer(core, CLERK, tid, desk=1),
            tid,
            "ticket.transferred",
        )
    if operation == "reject":
        return (
            lambda: tickets.verify_priority(core, CLERK, tid, accepted=False),
            tid,
            "priority.rejected",
        )
    if operation == "finish":
        tickets.start(core, CLERK, tid)
        return (lambda: tickets.finish(core, CLERK, tid)), tid, "ticket.finished"
    if operation == "reinstate":
        tickets.no_show(core, CLERK, tid)
        return (lambda: tickets.reinstate(core, CLERK, tid)), tid, "ticket.reinstated"
    raise AssertionError(operation)


OPERATIONS = [
    "issue",
    "call_next",
    "call_ticket",
    "cancel",
    "verify",
    "recall",
    "start",
    "no_show",
    "transfer",
    "reject",
    "finish",
    "reinstate",
]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_state_change_writes_exactly_one_audit_row_in_the_same_transaction(
    core, monkeypatch, operation
):
    change, ticket_id, kind = _prepare(core, operation)
    last_id = max((e.id for e in audit(core)), default=0)
    before = _fingerprint(row(core, ticket_id)) if ticket_id else None
    seen_at_commit = []
    real_commit = UnitOfWork.commit

    def watched_commit(uow: UnitOfWork) -> None:
        if not uow.session.in_transaction():  # a repeated commit of nothing
            real_commit(uow)
            return
        uow.session.flush()
        inside = uow.session.exec(select(AuditEvent).where(AuditEvent.id > last_id)).all()
        changed_id = ticket_id or inside[0].ticket_id
        with core.db.session() as other:  # another connection: sees only committed data
            outside = other.exec(select(AuditEvent).where(AuditEvent.id > last_id)).all()
            outside_ticket = _fingerprint(other.get(Ticket, changed_id))
        seen_at_commit.append(([e.kind for e in inside], len(outside), outside_ticket))
        real_commit(uow)

    monkeypatch.setattr(UnitOfWork, "commit", watched_commit)
    result = change()
    monkeypatch.undo()

    # One transaction, holding the change and its audit row, invisible outside until commit.
    assert seen_at_commit == [([kind], 0, before)]
    after = row(core, result["id"])
    assert _fingerprint(after) != before
    [entry] = audit(core)[-1:]
    assert entry.id == last_id + 1 and entry.kind == kind and entry.ticket_id == result["id"]
    assert entry.at == core.clock() and entry.office_day == date(2026, 3, 2)


def test_opening_a_desk_by_calling_is_audited_with_the_call_in_one_transaction(core):
    ticket = issue(core)
    tickets.call_next(core, CLERK, 2)
    kinds = [(e.kind, e.desk) for e in audit(core)]
    assert kinds == [("ticket.issued", None), ("desk.opened", 2), ("ticket.called", 2)]
    assert audit(core, kind="ticket.called")[0].ticket_id == ticket["id"]


def test_a_priority_is_decided_once(core):
    accepted = issue(core, priority="pregnant")
    tickets.verify_priority(core, CLERK, accepted["id"], True)
    with pytest.raises(errors.NoPriorityToVerify):
        tickets.verify_priority(core, CLERK, accepted["id"], False)
    rejected = issue(core, priority="pregnant")
    tickets.verify_priority(core, CLERK, rejected["id"], False)
    with pytest.raises(errors.NoPriorityToVerify):
        tickets.verify_priority(core, CLERK, rejected["id"], True)
    assert row(core, accepted["id"]).priority_status is PriorityStatus.VERIFIED
    assert row(core, rejected["id"]).effective_at == row(core, rejected["id"]).issued_at


def test_a_ticket_from_an_earlier_day_cannot_be_called_out_of_order(core, clock):
    yesterday = issue(core)
    clock.advance(days=1)
    with pytest.raises(errors.InvalidTransition):
        tickets.call_ticket(core, CLERK, yesterday["id"], 1, "appointment")
    assert row(core, yesterday["id"]).status is S.WAITING


def test_people_ahead_follow_the_calling_order_when_time_and_number_tie(core):
    # A001 moved into "cars" ties with B001 on time and number: the letter decides, on the
    # ticket exactly as at the desk.
    moved = issue(core, "ids")
    local = issue(core, "cars")
    tickets.transfer(core, CLERK, moved["id"], service="cars")
    assert view(core, moved["id"])["people_ahead"] == 0
    assert view(core, local["id"])["people_ahead"] == 1
    assert call(core, 3) == "A001"


def test_the_database_refuses_to_change_or_delete_the_event_log(core):
    issue(core)
    with core.db.engine.connect() as connection:
        for statement in ("UPDATE auditevent SET actor = 'someone else'", "DELETE FROM auditevent"):
            with pytest.raises(Exception, match="append-only"):
                connection.exec_driver_sql(statement)
            connection.rollback()
    assert [e.actor for e in audit(core)] == ["kiosk:hall-kiosk"]
