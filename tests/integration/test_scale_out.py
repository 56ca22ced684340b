"""Two server processes on one PostgreSQL database and one Redis message queue, as an office
that scales out runs them: a call made through one process reaches a display connected to the
other, and the two processes never hand out the same ticket."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
import socketio

from tests.support.served import OfficeFolder, Server

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("quick_websocket_close")]

WAIT = 20.0


@pytest.fixture
def office(tmp_path, fresh_postgres_database, redis_url) -> Iterator[dict]:
    folder = OfficeFolder(
        tmp_path,
        {
            '"sqlite:///var/frontdesk.db"': f'"{fresh_postgres_database}"',
            '# message_queue_url = "redis://127.0.0.1:6379/0"': (
                f'message_queue_url = "{redis_url}"'
            ),
            'backend = "file"': 'backend = "none"',
        },
    )
    folder.run("db", "upgrade")
    tokens = {role: folder.token(role) for role in ("kiosk", "display")}
    folder.user("anna", "clerk", "a long enough password")
    servers = [Server(folder), Server(folder)]
    try:
        yield {"servers": servers, **tokens}
    finally:
        for server in servers:
            server.stop()


def clerk_session(server) -> requests.Session:
    """Clerk anna signed in on one server process, sending the CSRF token as the pages do."""
    session = requests.Session()
    signed = session.post(
        f"{server.url}/api/v1/session",
        timeout=WAIT,
        json={"username": "anna", "password": "a long enough password"},
    )
    assert signed.status_code == 200, signed.text
    session.headers["X-CSRFToken"] = signed.json()["csrf_token"]
    return session


def test_a_call_through_one_process_reaches_a_display_on_the_other(office):
    first, second = office["servers"]
    calls = []
    display = socketio.Client(reconnection=False)
    display.on("ticket.called", calls.append)
    display.connect(
        first.url, auth={"token": office["display"]}, transports=["websocket"], wait_timeout=WAIT
    )
    try:
        kiosk = {"Authorization": f"Bearer {office['kiosk']}"}
        issued = requests.post(
            f"{first.url}/api/v1/tickets",
            headers=kiosk,
            timeout=WAIT,
            json={"service": "registration", "language": "uk"},
        )
        assert issued.status_code == 201, issued.text
        with clerk_session(second) as clerk:
            called = clerk.post(f"{second.url}/api/v1/desks/1/call-next", timeout=WAIT)
        assert called.status_code == 200, called.text
        deadline = time.monotonic() + WAIT
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
        assert calls == [{**calls[0], "number": "A001", "desk": 1, "language": "uk"}]
    finally:
        display.disconnect()


def test_two_processes_issue_distinct_numbers_and_never_call_a_ticket_twice(office):
    first, second = office["servers"]
    kiosk = {"Authorization": f"Bearer {office['kiosk']}"}
    numbers = [
        requests.post(
            f"{server.url}/api/v1/tickets",
            headers=kiosk,
            timeout=WAIT,
            json={"service": "registration", "language": "pl"},
        ).json()["number"]
        for _ in range(10)
        for server in (first, second)
    ]
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 21)]
    called = []
    with clerk_session(first) as one, clerk_session(second) as two:
        for _ in range(10):
            for session, server, desk in ((one, first, 1), (two, second, 2)):
                ticket = session.post(
                    f"{server.url}/api/v1/desks/{desk}/call-next", timeout=WAIT
                ).json()
                called.append(ticket["number"])
                session.post(f"{server.url}/api/v1/tickets/{ticket['id']}/finish", timeout=WAIT)
    assert sorted(called) == sorted(numbers)


def test_a_phone_on_one_process_hears_its_new_place_after_a_call_on_the_other(office):
    first, second = office["servers"]
    kiosk = {"Authorization": f"Bearer {office['kiosk']}"}
    issued = [
        requests.post(
            f"{first.url}/api/v1/tickets",
            headers=kiosk,
            timeout=WAIT,
            json={"service": "registration", "language": "pl"},
        ).json()
        for _ in range(2)
    ]
    places = []
    phone = socketio.Client(reconnection=False)
    phone.on("ticket.position", places.append)
    phone.connect(second.url, transports=["websocket"], wait_timeout=WAIT)
    try:
        ack = phone.call("follow", {"ticket": issued[1]["id"]}, timeout=WAIT)
        assert ack["ok"] and ack["ticket"]["position"] == 2
        with clerk_session(first) as clerk:
            called = clerk.post(f"{first.url}/api/v1/desks/1/call-next", timeout=WAIT)
        assert called.json()["id"] == issued[0]["id"]
        deadline = time.monotonic() + WAIT
        while not any(p["position"] == 1 for p in places) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p for p in places if p["position"] == 1] == [
            {**places[-1], "id": issued[1]["id"], "position": 1, "people_ahead": 0}
        ]
    finally:
        phone.disconnect()
