"""Messages to visitors through a real SMTP server on 127.0.0.1: the ticket, the turn near and
the call arrive in the visitor's language; an SMTP server that is down is tried again with a
backoff, supervisors are told, and nothing is lost; the contact and desk routes."""

from __future__ import annotations

import pytest
from sqlmodel import select

from frontdesk import events as ev
from frontdesk.events import RecordingBroadcaster
from frontdesk.mail import MailSender
from frontdesk.queue.model import AuditEvent, MailStatus, OutboxMessage
from frontdesk.services import contact, tickets
from frontdesk.services.core import Actor
from tests.support.core import CLERK, KIOSK, office_settings
from tests.support.smtp import Mailbox
from tests.support.web import bearer, sign_in

API = "/api/v1"


@pytest.fixture
def mailbox():
    box = Mailbox()
    yield box
    box.stop()


@pytest.fixture
def web_settings(mailbox):
    return office_settings(
        printer={"backend": "none"},
        mail={
            "host": "127.0.0.1",
            "port": mailbox.port,
            "security": "none",
            "sender": "kolejka@urzad.test",
            "timeout_seconds": 2,
            "near_people_ahead": 1,
        },
    )


@pytest.fixture
def recorder(web_core):
    recording = RecordingBroadcaster()
    web_core.listeners.append(recording)
    return recording


@pytest.fixture
def sender(app):
    return MailSender(app)


def issue(core, language="uk"):
    return tickets.issue_ticket(core, KIOSK, service="ids", language=language)


def serve_next(core, desk=1):
    called = tickets.call_next(core, CLERK, desk)
    return called


def outbox(core) -> list[OutboxMessage]:
    with core.reading() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def test_the_ticket_the_turn_near_and_the_call_arrive_in_the_visitors_language(
    web_core, sender, mailbox
):
    mailbox.start()
    first, second, visitor = issue(web_core), issue(web_core), issue(web_core, "uk")
    contact.set_contact(web_core, KIOSK, visitor["id"], "olena@example.com", consent=True)
    assert sender.send_due() == 1
    for ahead in (first, second):
        serve_next(web_core)
        assert sender.send_due() == (1 if ahead is first else 0)  # near once, at 1 ahead
        tickets.start(web_core, CLERK, ahead["id"])
        tickets.finish(web_core, CLERK, ahead["id"])
    serve_next(web_core)

    assert sender.send_due() == 1
    ticket, near, called = mailbox.wait_for(3)
    assert [m["To"] for m in mailbox.messages] == ["olena@example.com"] * 3
    assert ticket["Subject"] == "Ваш талон A003"
    assert "A003" in ticket.get_content() and "Людей перед Вами: 2." in ticket.get_content()
    assert f"/t/{visitor['id']}" in ticket.get_content()
    assert near["Subject"] == "A003: Ваша черга наближається"
    assert "перед номером A003 людей у черзі: 1." in near.get_content()
    assert called["Subject"] == "A003: просимо підійти до вікна 1"
    assert "Desk 1" in called.get_content()
    assert [m["Message-ID"] for m in mailbox.messages] == [m.message_id for m in outbox(web_core)]
    assert all(m.status is MailStatus.SENT for m in outbox(web_core))
    assert sender.send_due() == 0  # each goes once


def test_an_smtp_server_that_is_down_is_tried_again_later_and_supervisors_are_told(
    web_core, sender, mailbox, recorder, clock
):
    visitor = issue(web_core, "pl")
    contact.set_contact(web_core, KIOSK, visitor["id"], "jan@example.com", consent=True)

    assert sender.send_due() == 0  # nobody listens on the port
    [waiting] = outbox(web_core)
    assert waiting.status is MailStatus.PENDING and waiting.attempts == 1
    assert waiting.last_error and "jan@" not in waiting.last_error
    [told] = recorder.named(ev.MAIL_STATUS)
    assert told.rooms == (ev.SUPERVISORS,) and told.payload["ok"] is False
    assert told.payload["pending"] == 1
    assert contact.mail_status(web_core)["failing"] == 1

    assert sender.send_due() == 0  # not before the backoff
    assert outbox(web_core)[0].attempts == 1
    clock.advance(seconds=5)
    assert sender.send_due() == 0
    assert outbox(web_core)[0].attempts == 2  # and the next wait is longer
    assert len(recorder.named(ev.MAIL_STATUS)) == 1  # told once, not at every attempt

    mailbox.start()
    clock.advance(seconds=9)
    assert sender.send_due() == 0
    clock.advance(seconds=1)
    assert sender.send_due() == 1
    [arrived] = mailbox.wait_for(1)
    assert arrived["Subject"] == "Państwa bilet A001"
    assert arrived["Message-ID"] == waiting.message_id
    assert recorder.named(ev.MAIL_STATUS)[-1].payload["ok"] is True
    assert contact.mail_status(web_core) | {"oldest_pending_at": None} == {
        "configured": True,
        "ok": True,
        "pending": 0,
        "failing": 0,
        "oldest_pending_at": None,
        "last_error": None,
        "refused_today": 0,
    }
    with web_core.reading() as session:
        kinds = [e.kind for e in session.exec(select(AuditEvent)).all()]
    assert kinds.count("mail.failing") == kinds.count("mail.working") == 1


def test_a_corrected_address_gets_the_ticket_and_the_old_one_nothing_more(
    web_core, sender, mailbox
):
    mailbox.start()
    visitor = issue(web_core, "en")
    contact.set_contact(web_core, KIOSK, visitor["id"], "typo@exmaple.com", consent=True)
    contact.set_contact(web_core, KIOSK, visitor["id"], "right@example.com", consent=True)
    assert sender.send_due() == 1
    [arrived] = mailbox.wait_for(1)
    assert arrived["To"] == "right@example.com" and arrived["Subject"] == "Your ticket A001"


def test_a_near_message_no_longer_true_is_set_aside(web_core, sender, mailbox):
    first, visitor = issue(web_core), issue(web_core)
    contact.set_contact(web_core, KIOSK, visitor["id"], "a@example.com", consent=True)
    tickets.cancel(web_core, Actor("visitor", "public"), first["id"])
    serve_next(web_core)  # the visitor is called before anything went out
    mailbox.start()
    sender.send_due()
    assert [m.kind for m in outbox(web_core) if m.status is MailStatus.SENT] == [
        "ticket",
        "called",
    ]


def test_the_visitor_gives_an_address_and_the_desk_records_a_follow_up_and_a_summary(
    client, credentials, web_core, sender, mailbox
):
    mailbox.start()
    ticket = client.post(
        f"{API}/tickets",
        json={"service": "ids", "language": "en", "needs": ["email_only"]},
        headers=bearer(credentials.kiosk_token),
    ).json
    url = f"{API}/tickets/{ticket['id']}/contact"
    refused = client.put(url, json={"email": "nope", "consent": True})
    assert refused.status_code == 400 and refused.json["error"]["code"] == "invalid_email"
    refused = client.put(url, json={"email": "a@example.com", "consent": False})
    assert refused.json["error"]["code"] == "consent_missing"
    given = client.put(url, json={"email": "a@example.com", "consent": True})
    assert given.status_code == 200 and given.json["email"] == "a@example.com"
    assert client.get(url).json["email"] == "a@example.com"

    sign_in(client, "anna")
    called = client.post(f"{API}/desks/1/call-next").json
    assert called["id"] == ticket["id"]
    promised = client.post(
        f"{API}/tickets/{ticket['id']}/follow-ups",
        json={"promise": "Send the decision by post", "due": "2026-03-10"},
    )
    assert promised.status_code == 201
    assert [f["email"] for f in client.get(f"{API}/follow-ups").json["follow_ups"]] == [
        "a@example.com"
    ]
    summary = client.post(
        f"{API}/tickets/{ticket['id']}/summary", json={"text": "Your application is complete."}
    )
    assert summary.status_code == 202
    assert client.get(f"{API}/mail/status").status_code == 403  # supervisors only

    assert sender.send_due() == 3
    summary_mail = mailbox.wait_for(3)[2]
    assert summary_mail["Subject"] == "A001: a summary of your visit"
    body = summary_mail.get_content()
    assert "Your application is complete." in body
    assert "- Send the decision by post (2026-03-10)" in body

    assert client.delete(url).status_code == 204
    assert client.get(url).json == {"email": None}
