"""Tickets the kiosk issues come out of a real network receipt printer ("port 9100").

A small TCP server on 127.0.0.1 plays the printer and keeps the bytes of each connection; the
app is configured to print to it. Tickets are issued over HTTP; printer status reaches staff
screens through a real Socket.IO client. Every wait is bounded.
"""

from __future__ import annotations

import queue
import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest
import socketio

from tests.support.core import office_settings
from tests.support.web import bearer, sign_in

pytestmark = pytest.mark.usefixtures("quick_websocket_close")

API = "/api/v1"
WAIT = 5.0  # seconds; never reached when things work
QR_STORE = b"\x1d(k"  # GS ( k: the printer draws the QR code from the text that follows
FULL_CUT = b"\x1dV\x00"  # GS V 0


class RawPrinter:
    """A network receipt printer: every connection's bytes, in arrival order. The print
    queue also connects without sending (to probe); those connections are not jobs."""

    def __init__(self) -> None:
        jobs: queue.Queue[bytes] = queue.Queue()

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                chunks = []
                while chunk := self.request.recv(65536):
                    chunks.append(chunk)
                if chunks:
                    jobs.put(b"".join(chunks))

        self.jobs = jobs
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def next_job(self, timeout: float = WAIT) -> bytes:
        try:
            return self.jobs.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"nothing printed within {timeout}s") from None

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(WAIT)


@pytest.fixture
def printer_port(request) -> Iterator[int]:
    """The port of a working printer, or (param "down") a port where nothing listens: the
    socket is bound, so the port stays reserved, but not listening, so connections are
    refused at once."""
    if getattr(request, "param", None) == "down":
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as reserved:
            reserved.bind(("127.0.0.1", 0))
            yield reserved.getsockname()[1]
        return
    printer = RawPrinter()
    request.node.printer = printer
    yield printer.port
    printer.close()


@pytest.fixture
def printer(request, printer_port) -> RawPrinter:
    return request.node.printer


@pytest.fixture
def web_settings(printer_port):
    return office_settings(
        printer={
            "backend": "network",
            "host": "127.0.0.1",
            "port": printer_port,
            "timeout_seconds": 1,
            # These tests read the ticket's text from the bytes; the raster mode has its own.
            "mode": "text",
        }
    )


@pytest.fixture
def clerk(app, credentials):
    client = app.test_client()
    sign_in(client, "anna")
    return client


def issue(client, headers: dict | None = None, **extra) -> dict:
    body = {"service": "ids", "language": "pl"} | extra
    response = client.post(f"{API}/tickets", json=body, headers=headers or {})
    assert response.status_code == 201, response.json
    return response.json


# Printing


def test_a_ticket_issued_at_the_kiosk_is_printed_with_its_number_qr_code_and_a_cut(
    client, credentials, printer
):
    ticket = issue(client, bearer(credentials.kiosk_token))

    job = printer.next_job()

    assert b"A001" in job
    assert QR_STORE in job
    assert ticket["status_url"].encode() in job
    assert job.endswith(FULL_CUT)


def test_the_printed_ticket_is_in_the_visitors_language(client, credentials, printer):
    issue(client, bearer(credentials.kiosk_token), language="en")

    job = printer.next_job()

    # The test office names its services "IDs" in English and "IDs (pl)" in Polish.
    assert b"IDs" in job
    assert b"IDs (pl)" not in job


def test_tickets_are_printed_one_job_each_in_the_order_they_were_issued(
    client, credentials, printer
):
    kiosk = bearer(credentials.kiosk_token)
    numbers = [issue(client, kiosk)["number"] for _ in range(3)]

    jobs = [printer.next_job() for _ in numbers]

    assert numbers == ["A001", "A002", "A003"]
    for number, job in zip(numbers, jobs, strict=True):
        assert number.encode() in job
        assert job.count(FULL_CUT) == 1


def test_a_ticket_issued_by_staff_is_not_printed_unless_asked(client, clerk, credentials, printer):
    issue(clerk)  # A001: a clerk issuing at the desk hands no paper over
    issue(client, bearer(credentials.kiosk_token))  # A002

    # One worker prints in issue order: had A001 been printed, it would come first.
    job = printer.next_job()
    assert b"A002" in job
    assert b"A001" not in job


def test_a_ticket_issued_by_staff_with_print_true_is_printed(clerk, printer):
    ticket = issue(clerk, print=True)

    job = printer.next_job()

    assert ticket["number"].encode() in job


def test_a_kiosk_may_ask_not_to_print(client, credentials, printer):
    kiosk = bearer(credentials.kiosk_token)
    issue(client, kiosk, print=False)  # A001: e.g. the visitor chose the phone page only
    issue(client, kiosk)  # A002

    job = printer.next_job()
    assert b"A002" in job
    assert b"A001" not in job


# A printer that is down


def _wait(events: queue.Queue[dict], match) -> dict:
    deadline = time.monotonic() + WAIT
    seen = []
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=remaining)
        except queue.Empty:
            break
        seen.append(event)
        if match(event):
            return event
    raise AssertionError(f"no matching event within {WAIT}s; saw {seen}")


class StatusScreen:
    """A Socket.IO client that keeps the `printer.status` events it hears."""

    def __init__(self, url: str, **connect):
        self.statuses: queue.Queue[dict] = queue.Queue()
        self.queues: queue.Queue[dict] = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("printer.status", self.statuses.put)
        self.sio.on("queue.changed", self.queues.put)
        self.snapshots: queue.Queue[dict] = queue.Queue()
        self.sio.on("state", self.snapshots.put)
        self.sio.connect(url, transports=["websocket"], wait_timeout=WAIT, **connect)

    def wait_for(self, **expected) -> dict:
        """The first printer.status with these values."""
        return _wait(
            self.statuses, lambda status: all(status.get(k) == v for k, v in expected.items())
        )

    def wait_for_queue(self, service: str, waiting: int) -> dict:
        """The first queue.changed where `service` has `waiting` people."""
        return _wait(
            self.queues,
            lambda data: {s["code"]: s["waiting"] for s in data["services"]}[service] == waiting,
        )

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


@pytest.fixture
def screens(live_server) -> Iterator:
    opened: list[StatusScreen] = []

    def open_screen(**connect) -> StatusScreen:
        screen = StatusScreen(live_server.url, **connect)
        opened.append(screen)
        return screen

    yield open_screen
    for screen in opened:
        screen.close()


def staff_cookie(client) -> str:
    sign_in(client, "anna")
    return client.get_cookie("session").value


@pytest.mark.parametrize("printer_port", ["down"], indirect=True)
def test_with_the_printer_down_the_kiosk_still_issues_at_once_and_staff_are_told(
    client, app, credentials, live_server, screens
):
    desk = app.test_client()
    staff = screens(headers={"Cookie": f"session={staff_cookie(desk)}"})
    kiosk_screen = screens(auth={"token": credentials.kiosk_token})

    started = time.monotonic()
    ticket = issue(client, bearer(credentials.kiosk_token))
    elapsed = time.monotonic() - started

    # The print queue tries 3 times, 0.5 s apart, before giving up: a request that waited for
    # the printer would take at least 1 s.
    assert elapsed < 0.9, f"issuing took {elapsed:.2f}s: it waited for the printer"
    failed = staff.wait_for(online=False, failed_job=ticket["id"])
    assert failed["message"]
    kiosk_screen.wait_for(online=False, failed_job=ticket["id"])
    assert client.get(f"{API}/tickets/{ticket['id']}").json["status"] == "waiting"


@pytest.mark.parametrize("printer_port", ["down"], indirect=True)
def test_a_display_is_not_told_about_the_printer(client, credentials, live_server, screens):
    staff_client = client.application.test_client()
    staff = screens(headers={"Cookie": f"session={staff_cookie(staff_client)}"})
    display = screens(auth={"token": credentials.display_token})

    ticket = issue(client, bearer(credentials.kiosk_token))
    staff.wait_for(failed_job=ticket["id"])
    issue(staff_client)  # the barrier: a queue change the display does hear, sent later
    display.wait_for_queue("ids", 2)

    assert display.statuses.empty()


@pytest.mark.parametrize("printer_port", ["down"], indirect=True)
def test_a_staff_screen_that_connects_while_the_printer_is_down_is_told_at_once(
    client, app, credentials, screens
):
    printing = app.extensions["frontdesk.printing"]
    deadline = time.monotonic() + WAIT
    while printing.last_status is None and time.monotonic() < deadline:
        time.sleep(0.02)  # the print queue probes the printer when the app starts
    assert printing.last_status is not None and not printing.last_status.online

    desk = app.test_client()
    staff = screens(headers={"Cookie": f"session={staff_cookie(desk)}"})
    snapshot = _wait(staff.snapshots, lambda state: True)
    issue(desk)  # the barrier: nothing printed, but a queue change staff hear
    staff.wait_for_queue("ids", 1)

    told = [s["online"] for s in list(staff.statuses.queue)]
    assert snapshot.get("printer", {}).get("online") is False or told == [False]
