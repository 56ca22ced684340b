"""Personal data is kept apart from the event log and erased on time: the purge after
retention_days, export and erasure by address; the statistics stay the same."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from frontdesk.queue import errors
from frontdesk.queue.model import AuditEvent, Contact, FollowUp, OutboxMessage, Ticket
from frontdesk.services import contact, privacy, reports, tickets
from frontdesk.services.core import Core
from tests.support.core import CLERK, KIOSK, SUPERVISOR, office_settings

MAIL = {"host": "127.0.0.1", "port": 2525, "security": "none", "sender": "queue@office.test"}


@pytest.fixture
def settings():
    return office_settings(mail=MAIL, retention_days=30)


def issue(core: Core, **options) -> dict:
    return tickets.issue_ticket(
        core, KIOSK, service=options.pop("service", "ids"), language="uk", **options
    )


def rows(core: Core, model, *where) -> list:
    with core.reading() as session:
        return list(session.exec(select(model).where(*where)).all())


def a_visit_with_everything(core: Core, email: str) -> dict:
    """A visitor who declared needs and a priority, gave an address, was called and served,
    and was promised a follow-up and sent a summary."""
    ticket = issue(core, needs=["email_only", "hearing"], priority="card")
    contact.set_contact(core, KIOSK, ticket["id"], email, consent=True)
    tickets.call_next(core, CLERK, 1)
    tickets.start(core, CLERK, ticket["id"])
    contact.record_follow_up(core, CLERK, ticket["id"], "Send the decision", date(2026, 3, 20))
    contact.send_summary(core, CLERK, ticket["id"], "Your application is complete.")
    tickets.finish(core, CLERK, ticket["id"])
    return ticket


def test_the_event_log_keeps_no_needs_priorities_or_addresses(core):
    a_visit_with_everything(core, "olena@example.com")
    for entry in rows(core, AuditEvent):
        text = repr(entry.data) + repr(entry.reason)
        assert "hearing" not in text and "email_only" not in text, entry.kind
        assert "card" not in text and "olena" not in text, entry.kind
    assert {e.kind for e in rows(core, AuditEvent)} >= {
        "ticket.issued",
        "contact.given",
        "followup.recorded",
        "summary.queued",
        "priority.verified",
    }


def test_the_purge_erases_exactly_what_is_older_than_the_retention(core, clock):
    old = a_visit_with_everything(core, "old@example.com")
    clock.advance(days=1)
    kept = a_visit_with_everything(core, "kept@example.com")

    clock.advance(days=30)  # the old visit is 31 days ago, the other 30
    done = privacy.purge(core, SUPERVISOR)

    assert done["before"] == "2026-03-03"
    assert (done["contacts"], done["follow_ups"], done["tickets"]) == (1, 1, 1)
    assert done["messages"] == 3  # the ticket, the call, the summary
    assert [c.ticket_id for c in rows(core, Contact)] == [kept["id"]]
    assert {f.ticket_id for f in rows(core, FollowUp)} == {kept["id"]}
    assert {m.ticket_id for m in rows(core, OutboxMessage)} == {kept["id"]}
    erased, untouched = (rows(core, Ticket, Ticket.id == t["id"])[0] for t in (old, kept))
    assert (erased.needs, erased.priority, erased.requires) == ([], None, None)
    assert erased.number == "A001" and erased.status.value == "done"
    assert erased.priority_status.value == "verified"  # a fact about the office, not the person
    assert untouched.needs == ["email_only", "hearing"] and untouched.priority == "card"
    [entry] = rows(core, AuditEvent, AuditEvent.kind == "privacy.purged")
    assert entry.actor == "supervisor:marek" and "old@" not in repr(entry.data)

    assert privacy.purge(core, SUPERVISOR)["contacts"] == 0  # nothing left to erase


def test_reports_are_the_same_after_a_purge(core, clock):
    first_day = date(2026, 3, 2)
    a_visit_with_everything(core, "a@example.com")
    issue(core, needs=["hearing"])
    tickets.no_show(core, CLERK, tickets.call_next(core, CLERK, 1)["id"])
    before = reports.daily(core, first_day), reports.summary(core, first_day, first_day)

    clock.advance(days=40)
    assert privacy.purge(core, SUPERVISOR)["tickets"] == 2

    assert (reports.daily(core, first_day), reports.summary(core, first_day, first_day)) == before


def test_export_gives_everything_kept_under_an_address_whatever_its_case(core):
    ticket = a_visit_with_everything(core, "Olena.K@Example.com")
    a_visit_with_everything(core, "someone@else.org")

    found = privacy.export(core, "olena.k@example.COM")

    [visit] = found["visits"]
    assert visit["ticket"] == ticket["number"] and visit["email"] == "Olena.K@example.com"
    assert visit["needs"] == ["email_only", "hearing"] and visit["priority"] == "card"
    assert [f["promise"] for f in visit["follow_ups"]] == ["Send the decision"]
    assert [m["kind"] for m in visit["messages"]] == ["ticket", "called", "summary"]
    assert visit["messages"][2]["text"] == "Your application is complete."
    assert privacy.export(core, "nobody@example.com")["visits"] == []


def test_erase_removes_one_visitor_and_leaves_the_others(core):
    gone = a_visit_with_everything(core, "gone@example.com")
    stays = a_visit_with_everything(core, "stays@example.com")

    done = privacy.erase(core, SUPERVISOR, "GONE@example.com")

    assert done == {"contacts": 1, "follow_ups": 1, "messages": 3, "tickets": 1}
    assert [c.ticket_id for c in rows(core, Contact)] == [stays["id"]]
    assert privacy.export(core, "gone@example.com")["visits"] == []
    erased = rows(core, Ticket, Ticket.id == gone["id"])[0]
    assert erased.needs == [] and erased.priority is None
    assert privacy.erase(core, SUPERVISOR, "gone@example.com")["contacts"] == 0


def test_an_address_needs_consent_a_mail_server_and_a_live_ticket(core, settings):
    ticket = issue(core)
    with pytest.raises(errors.ConsentMissing):
        contact.set_contact(core, KIOSK, ticket["id"], "a@example.com", consent=False)
    with pytest.raises(errors.InvalidEmail):
        contact.set_contact(core, KIOSK, ticket["id"], "a@example", consent=True)
    tickets.cancel(core, KIOSK, ticket["id"])
    with pytest.raises(errors.TicketNotLive):
        contact.set_contact(core, KIOSK, ticket["id"], "a@example.com", consent=True)
    core.settings = office_settings()  # no [mail] host
    with pytest.raises(errors.MailUnavailable):
        contact.set_contact(core, KIOSK, issue(core)["id"], "a@example.com", consent=True)


def test_a_follow_up_cannot_be_promised_for_after_the_address_is_erased(core):
    ticket = issue(core)
    with pytest.raises(errors.FollowUpTooLate):
        contact.record_follow_up(core, CLERK, ticket["id"], "Call back", date(2026, 4, 1))
    item = contact.record_follow_up(core, CLERK, ticket["id"], "Call back", date(2026, 3, 31))
    assert [f["id"] for f in contact.open_follow_ups(core)] == [item["id"]]
    contact.close_follow_up(core, CLERK, item["id"])
    assert contact.open_follow_ups(core) == []
