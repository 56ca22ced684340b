"""The desk's rules: a desk owns its visitors, one clerk per open desk, breaks, needs routed to
desks that can meet them, priorities the office does not check, outcomes of a visit."""

from __future__ import annotations

import pytest
from sqlmodel import select

from frontdesk.queue import errors
from frontdesk.queue.model import AuditEvent, DeskState, Ticket, TicketStatus
from frontdesk.services import desks, tickets
from frontdesk.services.core import Actor, Core
from tests.support.core import CLERK, KIOSK, SUPERVISOR, names, office_settings

S = TicketStatus
ANNA = CLERK
BOB = Actor("bob", "clerk")

# Desk 1 has step-free access and an induction loop; desks 2 and 3 have neither.
ROUTING = {
    "desks": [
        {
            "number": 1,
            "name": "Desk 1",
            "services": ["ids", "cars"],
            "features": ["step_free", "induction_loop"],
        },
        {"number": 2, "name": "Desk 2", "services": ["ids"]},
        {"number": 3, "name": "Desk 3", "services": ["cars", "ids"], "order": "listed"},
        {"number": 4, "name": "Cashier", "services": ["cash"], "features": ["step_free"]},
    ],
    "needs": [
        {
            "id": "mobility",
            "names": names("Mobility"),
            "feature": "step_free",
            "instructions": names("Keep the way to the desk clear"),
            "without_feature": names("Go to the visitor"),
        },
        {"id": "hearing", "names": names("Hearing"), "feature": "induction_loop"},
        {"id": "email_only", "names": names("E-mail only")},
    ],
    "break_reasons": [{"id": "lunch", "names": names("Lunch")}],
    "finish_outcomes": [
        {"id": "resolved", "names": names("Resolved")},
        {"id": "documents_missing", "names": names("Documents missing")},
    ],
}


@pytest.fixture
def settings():
    return office_settings(**ROUTING)


def issue(core: Core, service: str = "ids", **options) -> dict:
    options.setdefault("language", "pl")
    return tickets.issue_ticket(core, KIOSK, service=service, **options)


def log(core: Core, kind: str) -> list[AuditEvent]:
    with core.reading() as session:
        return list(
            session.exec(
                select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)
            ).all()
        )


def status(core: Core, ticket_id: str) -> S:
    with core.reading() as session:
        return session.get(Ticket, ticket_id).status


# A desk owns its visitors; one clerk per open desk


def test_a_clerk_cannot_open_or_call_at_a_desk_another_clerk_has_open(core):
    issue(core)
    desks.open_desk(core, ANNA, 2)
    for attempt in (
        lambda: desks.open_desk(core, BOB, 2),
        lambda: tickets.call_next(core, BOB, 2),
        lambda: desks.close_desk(core, BOB, 2),
        lambda: desks.pause_desk(core, BOB, 2, "lunch"),
    ):
        with pytest.raises(errors.DeskTaken) as taken:
            attempt()
        assert taken.value.params == {"desk": 2, "clerk": "anna"}
    with core.reading() as session:
        assert session.get(DeskState, 2).clerk == "anna"
    # Once anna closes it, bob may open it.
    desks.close_desk(core, ANNA, 2)
    assert desks.open_desk(core, BOB, 2)["clerk"] == "bob"


@pytest.mark.parametrize(
    "action",
    ["recall", "start", "finish", "no_show", "transfer", "verify"],
)
def test_only_the_clerk_of_the_desk_holding_a_visitor_acts_on_them(core, action):
    ticket = issue(core, priority="pregnant")
    tickets.call_next(core, ANNA, 2)
    attempts = {
        "recall": lambda actor: tickets.recall(core, actor, ticket["id"]),
        "start": lambda actor: tickets.start(core, actor, ticket["id"]),
        "finish": lambda actor: tickets.finish(core, actor, ticket["id"]),
        "no_show": lambda actor: tickets.no_show(core, actor, ticket["id"]),
        "transfer": lambda actor: tickets.transfer(core, actor, ticket["id"], service="cars"),
        "verify": lambda actor: tickets.verify_priority(core, actor, ticket["id"], True),
    }
    with pytest.raises(errors.NotYourDesk) as refused:
        attempts[action](BOB)
    assert refused.value.params == {"ticket": "A001", "desk": 2, "clerk": "anna"}
    assert refused.value.status == 403
    assert status(core, ticket["id"]) is S.CALLED
    attempts[action](ANNA)


def test_a_supervisor_acts_on_any_desk_and_the_log_names_the_desks_clerk(core):
    first = issue(core)
    issue(core)
    tickets.call_next(core, ANNA, 2)
    tickets.finish(core, SUPERVISOR, first["id"])
    (finished,) = log(core, "ticket.finished")
    assert finished.actor == "supervisor:marek"
    assert finished.data["desk_clerk"] == "anna"
    # Calling at anna's desk does not take it from her.
    tickets.call_next(core, SUPERVISOR, 2)
    called = log(core, "ticket.called")[-1]
    assert called.data["desk_clerk"] == "anna"
    with core.reading() as session:
        assert session.get(DeskState, 2).clerk == "anna"


def test_a_supervisor_takes_over_an_open_desk_and_the_log_says_from_whom(core):
    ticket = issue(core)
    tickets.call_next(core, ANNA, 2)
    assert desks.open_desk(core, SUPERVISOR, 2)["clerk"] == "marek"
    (taken,) = log(core, "desk.taken_over")
    assert taken.data == {"desk_clerk": "anna"}
    # The visitor stays with the desk, and the desk is now marek's.
    with pytest.raises(errors.NotYourDesk):
        tickets.finish(core, ANNA, ticket["id"])
    tickets.finish(core, SUPERVISOR, ticket["id"])


# Breaks


def test_a_break_needs_a_configured_reason_and_no_visitor_at_the_desk(core):
    ticket = issue(core)
    with pytest.raises(errors.DeskClosed):
        desks.pause_desk(core, ANNA, 2, "lunch")
    tickets.call_next(core, ANNA, 2)
    with pytest.raises(errors.DeskBusy):
        desks.pause_desk(core, ANNA, 2, "lunch")
    tickets.finish(core, ANNA, ticket["id"])
    for reason in (None, "nap"):
        with pytest.raises(errors.UnknownBreakReason):
            desks.pause_desk(core, ANNA, 2, reason)
    paused = desks.pause_desk(core, ANNA, 2, "lunch")
    assert paused["paused"] and paused["break_reason"] == "lunch" and paused["clerk"] == "anna"
    (entry,) = log(core, "desk.paused")
    assert entry.reason == "lunch"


def test_a_desk_on_a_break_is_left_out_of_the_estimates_until_its_clerk_is_back(core):
    for _ in range(4):
        issue(core)
    desks.open_desk(core, ANNA, 1)
    desks.open_desk(core, BOB, 2)
    before = desks.console(core, 2)["queues"][0]["desks_open"]
    desks.pause_desk(core, BOB, 2, "lunch")
    during = desks.console(core, 2)
    assert during["paused"] and during["desks_open"] == 1
    assert during["queues"][0]["desks_open"] == before - 1
    # Call next brings the clerk back.
    tickets.call_next(core, BOB, 2)
    back = desks.console(core, 2)
    assert not back["paused"] and back["desks_open"] == 2
    assert [e.kind for e in log(core, "desk.resumed")] == ["desk.resumed"]


# Needs route to capable desks


def test_a_visitor_needing_step_free_access_is_left_to_a_working_step_free_desk(core):
    mobility = issue(core, needs=["mobility"])
    other = issue(core)
    desks.open_desk(core, ANNA, 1)
    # Desk 2 has no step-free access: it calls the next visitor, not the first.
    assert desks.console(core, 2)["next"]["id"] == other["id"]
    assert tickets.call_next(core, BOB, 2)["id"] == other["id"]
    # At desk 1 the visitor is still first.
    assert desks.console(core, 1)["next"]["id"] == mobility["id"]
    called = tickets.call_next(core, ANNA, 1)
    assert called["id"] == mobility["id"] and called["desk_lacks"] == []


def test_with_no_capable_desk_working_the_visitor_is_called_as_usual_with_a_warning(core):
    both = issue(core, needs=["mobility", "hearing"])
    issue(core)
    desks.open_desk(core, ANNA, 1)
    desks.pause_desk(core, ANNA, 1, "lunch")  # away: not counted as working
    upcoming = desks.console(core, 2)["next"]
    assert upcoming["id"] == both["id"]
    assert upcoming["desk_lacks"] == ["induction_loop", "step_free"]
    called = tickets.call_next(core, BOB, 2)
    assert called["id"] == both["id"]
    assert called["desk_lacks"] == ["induction_loop", "step_free"]
    (entry,) = log(core, "ticket.called")
    assert entry.data["desk_lacks"] == ["induction_loop", "step_free"]


def test_a_listed_desk_that_comes_to_a_service_only_behind_others_does_not_count(core):
    # Desk 4 has step-free access but serves only cash; desk 1 is closed: nobody capable.
    desks.open_desk(core, ANNA, 4)
    mobility = issue(core, needs=["mobility"])
    assert tickets.call_next(core, BOB, 2)["id"] == mobility["id"]


def test_a_visitor_sent_to_a_desk_by_name_is_called_there_whatever_its_needs(core):
    mobility = issue(core, needs=["mobility"])
    desks.open_desk(core, ANNA, 1)
    tickets.call_next(core, ANNA, 1)
    tickets.transfer(core, ANNA, mobility["id"], desk=2)
    assert tickets.call_next(core, BOB, 2)["id"] == mobility["id"]


def test_needs_that_call_for_no_feature_route_nowhere(core):
    first = issue(core, needs=["email_only"])
    desks.open_desk(core, ANNA, 1)
    assert tickets.call_next(core, BOB, 2)["id"] == first["id"]


# Priorities the office does not check; outcomes


def test_a_priority_the_office_does_not_check_is_accepted_when_called(core):
    checked = issue(core, priority="pregnant")  # the larger boost: called first
    unchecked = issue(core, priority="card")
    assert tickets.call_next(core, ANNA, 2)["priority_status"] == "declared"
    tickets.finish(core, ANNA, checked["id"])
    assert tickets.call_next(core, ANNA, 2)["priority_status"] == "verified"
    (entry,) = log(core, "priority.verified")
    assert entry.actor == "system:frontdesk" and entry.data["unchecked"] is True
    assert entry.ticket_id == unchecked["id"]


@pytest.mark.parametrize("end", ["finish", "cancel"])
def test_verifying_a_finished_or_cancelled_ticket_is_refused(core, end):
    ticket = issue(core, priority="pregnant")
    if end == "finish":
        tickets.call_next(core, ANNA, 2)
        tickets.finish(core, ANNA, ticket["id"])
    else:
        tickets.cancel(core, KIOSK, ticket["id"])
    with pytest.raises(errors.InvalidTransition):
        tickets.verify_priority(core, ANNA, ticket["id"], True)


def test_finish_records_a_configured_outcome_and_refuses_others(core):
    ticket = issue(core)
    tickets.call_next(core, ANNA, 2)
    with pytest.raises(errors.UnknownOutcome):
        tickets.finish(core, ANNA, ticket["id"], "shouted")
    assert status(core, ticket["id"]) is S.CALLED
    tickets.finish(core, ANNA, ticket["id"], "documents_missing")
    (entry,) = log(core, "ticket.finished")
    assert entry.data["outcome"] == "documents_missing"


def test_the_console_lists_the_visitors_to_call_and_the_no_shows_to_reinstate(core, clock):
    first, second, third = issue(core), issue(core), issue(core, "cars")
    tickets.call_next(core, ANNA, 2)
    tickets.no_show(core, ANNA, first["id"])
    view = desks.console(core, 2)
    assert [t["number"] for t in view["waiting"]] == ["A002"]
    assert [t["number"] for t in view["no_shows"]] == ["A001"]
    assert view["next"]["id"] == second["id"] and view["ticket"] is None
    assert {q["code"]: q["longest_wait_minutes"] for q in view["queues"]}["cars"] == 0
    clock.advance(minutes=31)
    assert desks.console(core, 2)["no_shows"] == []
    assert {t["id"] for t in desks.console(core, 1)["waiting"]} == {second["id"], third["id"]}
