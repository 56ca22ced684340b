"""A served frontdesk killed with kill -9 loses no message: one committed but not yet sent
goes out after the restart, and one sent whose answer was lost is sent again with the same
Message-ID."""

from __future__ import annotations

import time

import requests

from tests.support.served import OfficeFolder, Server
from tests.support.smtp import Mailbox

API = "/api/v1"


def office_with_mail(tmp_path, mailbox: Mailbox) -> OfficeFolder:
    return OfficeFolder(
        tmp_path,
        {
            '# host = "smtp.example.gov.pl"': 'host = "127.0.0.1"',
            "port = 587": f"port = {mailbox.port}",
            'security = "starttls"': 'security = "none"',
            "near_people_ahead = 3": "near_people_ahead = 3\ntimeout_seconds = 1",
        },
    )


def give_address(server: Server, kiosk: str) -> str:
    auth = {"Authorization": f"Bearer {kiosk}"}
    ticket = requests.post(
        f"{server.url}{API}/tickets",
        json={"service": "registration", "language": "uk", "needs": ["email_only"], "print": False},
        headers=auth,
        timeout=10,
    ).json()
    given = requests.put(
        f"{server.url}{API}/tickets/{ticket['id']}/contact",
        json={"email": "olena@example.com", "consent": True},
        timeout=10,
    )
    assert given.status_code == 200, given.text
    return ticket["number"]


def test_a_message_committed_before_a_crash_goes_out_after_the_restart(tmp_path):
    mailbox = Mailbox()  # not listening yet: the server cannot send
    office = office_with_mail(tmp_path, mailbox)
    office.run("db", "upgrade")
    kiosk = office.token("kiosk")
    server = Server(office)
    try:
        number = give_address(server, kiosk)
        server.kill()
        mailbox.start()
        server = Server(office, port=server.port)
        [arrived] = mailbox.wait_for(1, timeout=30)
        assert arrived["Subject"] == f"Ваш талон {number}"
    finally:
        server.stop()
        mailbox.stop()


def test_a_message_whose_answer_was_lost_in_a_crash_is_resent_with_the_same_message_id(
    tmp_path,
):
    mailbox = Mailbox().start()
    mailbox.holding.set()  # the server stores the message but its answer never comes
    office = office_with_mail(tmp_path, mailbox)
    office.run("db", "upgrade")
    kiosk = office.token("kiosk")
    server = Server(office)
    try:
        give_address(server, kiosk)
        mailbox.wait_for(1)
        server.kill()
        mailbox.holding.clear()
        time.sleep(0.2)
        server = Server(office, port=server.port)
        first, again = mailbox.wait_for(2, timeout=40)
        assert first["Message-ID"] == again["Message-ID"]
        assert first.get_content() == again.get_content()
    finally:
        server.stop()
        mailbox.stop()
