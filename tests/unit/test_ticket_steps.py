"""Every status change goes through the rules' steps and transition table, and no path around
them: a ticket sent to a desk by name reaches that desk whatever its order, a transfer to a
service leaves no desk behind, and a finished or departed visitor's priority is not checked.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from frontdesk.queue import errors, rules
from frontdesk.queue.model import AuditEvent, PriorityStatus, Ticket, TicketStatus
from frontdesk.services import tickets
from frontdesk.services.core import Actor, Core
from tests.support.core import CLERK, KIOSK, SUPERVISOR

S = TicketStatus
BOB = Actor("bob", "clerk")


def issue(core: Core, service: str = "ids", **options) -> dict:
    return tickets.issue_ticket(core, KIOSK, service=service, language="pl", **options)


def call(core: Core, desk: int, actor: Actor = CLERK) -> str | None:
    called = tickets.call_next(core, actor, desk)
    return called["number"] if called else None


def row(core: Core, ticket_id: str) -> Ticket:
    with core.reading() as session:
        return session.get(Ticket, ticket_id)


def kinds(core: Core, ticket_id: str) -> list[str]:
    with core.reading() as session:
        return list(
            session.exec(
                select(AuditEvent.kind)
                .where(AuditEvent.ticket_id == ticket_id)
                .order_by(AuditEvent.id)
            ).all()
        )


# The table


def test_every_step_moves_only_as_the_transition_table_allows():
    for step in rules.STEPS:
        assert step.sources, step
        for source in step.sources:
            if step.target not in (None, source):
                rules.check_transition(source, step.target)


def test_no_step_starts_from_a_final_status():
    finals = {status for status, targets in rules.ALLOWED_TRANSITIONS.items() if not targets}
    assert finals == {S.DONE, S.CANCELLED}
    for step in rules.STEPS:
        assert not step.sources & finals, step


def test_a_step_refused_leaves_the_ticket_as_it_was():
    ticket = Ticket(status=S.DONE)
    for step in rules.STEPS:
        with pytest.raises(errors.InvalidTransition) as refused:
            rules.take_step(ticket, step)
        assert refused.value.params == {"status": "done", "target": step.name}
        assert ticket.status is S.DONE


# A listed desk and the tickets sent to it by name


def test_a_listed_desk_calls_a_ticket_sent_to_it_from_a_service_it_does_not_list(core):
    sent = issue(core, "cash")
    assert call(core, 4) == "K001"
    tickets.transfer(core, CLERK, sent["id"], desk=3)  # desk 3 lists cars, then ids

    assert call(core, 4) is None, "sent to desk 3 by name, it is desk 3's alone"
    assert call(core, 3, BOB) == "K001"
    assert row(core, sent["id"]).desk == 3


def test_a_listed_desk_takes_a_ticket_sent_to_it_in_its_service_order(core, clock):
    sent = issue(core, "ids")
    assert call(core, 2) == "A001"
    tickets.transfer(core, CLERK, sent["id"], desk=3)
    clock.advance(minutes=5)
    cars = issue(core, "cars")

    # Cars come first at desk 3, then ids, the one sent to it by name among them.
    assert call(core, 3, BOB) == "B001"
    tickets.finish(core, BOB, cars["id"])
    assert call(core, 1) is None and call(core, 2) is None
    assert call(core, 3, BOB) == "A001"


def test_the_pure_rule_agrees_on_tickets_sent_to_a_listed_desk(core):
    sent = issue(core, "cash")
    call(core, 4)
    tickets.transfer(core, CLERK, sent["id"], desk=3)
    desk = core.settings.desk(3)
    with core.reading() as session:
        waiting = session.exec(select(Ticket).where(Ticket.status == S.WAITING)).all()
    assert [t.number for t in waiting] == ["K001"]
    assert rules.pick_next(waiting, 3, desk.services, desk.order).number == "K001"


# A transfer to a service leaves the desk named before


def test_a_ticket_sent_to_a_desk_then_to_a_service_is_called_by_that_services_desks(core):
    moved = issue(core, "ids")
    assert call(core, 2) == "A001"
    tickets.transfer(core, CLERK, moved["id"], desk=2)
    assert row(core, moved["id"]).target_desk == 2

    view = tickets.transfer(core, SUPERVISOR, moved["id"], service="cars")

    assert (view["service"], view["target_desk"], view["position"]) == ("cars", None, 1)
    assert row(core, moved["id"]).target_desk is None
    # Desk 2 (ids only) no longer has it; desk 1 serves cars and takes it.
    assert call(core, 2) is None
    assert call(core, 1, BOB) == "A001"


def test_a_waiting_ticket_sent_to_a_desk_counts_its_place_in_the_service_it_is_sent_to(core, clock):
    first_cars = issue(core, "cars")
    clock.advance(minutes=1)
    moved = issue(core, "ids")
    tickets.transfer(core, CLERK, moved["id"], desk=4)
    view = tickets.transfer(core, CLERK, moved["id"], service="cars")
    assert view["people_ahead"] == 1  # B001 came first
    assert call(core, 3) == "B001"
    tickets.finish(core, CLERK, first_cars["id"])
    assert call(core, 3) == "A001"


# A priority is checked only while the visitor is still in the office


def end_visit(core: Core, ticket: dict, how: str) -> None:
    if how == "cancelled":
        tickets.cancel(core, KIOSK, ticket["id"])
        return
    assert call(core, 2) == ticket["number"]
    if how == "done":
        tickets.finish(core, CLERK, ticket["id"])
    else:
        tickets.no_show(core, CLERK, ticket["id"])


@pytest.mark.parametrize("accepted", [False, True], ids=["rejected", "accepted"])
@pytest.mark.parametrize("how", ["done", "cancelled", "no_show"])
def test_a_priority_is_not_checked_once_the_visit_is_over(core, recorder, how, accepted):
    ticket = issue(core, priority="pregnant")
    end_visit(core, ticket, how)
    before = row(core, ticket["id"])
    logged = kinds(core, ticket["id"])
    published = len(recorder.events)

    with pytest.raises(errors.InvalidTransition) as refused:
        tickets.verify_priority(core, CLERK, ticket["id"], accepted)

    assert refused.value.status == 409
    assert refused.value.params == {"status": how, "target": "priority_check"}
    after = row(core, ticket["id"])
    assert after.status is before.status is S(how)
    assert after.priority_status is PriorityStatus.DECLARED
    assert after.effective_at == before.effective_at
    assert kinds(core, ticket["id"]) == logged
    assert len(recorder.events) == published
    # Nobody is called back from a finished visit.
    assert call(core, 1) is None


def test_a_priority_is_still_checked_while_the_visitor_is_served(core):
    ticket = issue(core, priority="pregnant")
    call(core, 2)
    tickets.start(core, CLERK, ticket["id"])
    view = tickets.verify_priority(core, CLERK, ticket["id"], False)
    assert (view["status"], view["priority_status"], view["desk"]) == (
        "waiting",
        "rejected",
        None,
    )
    assert kinds(core, ticket["id"])[-1] == "priority.rejected"
