"""The print queue against real sockets and files.

`RawPrinterServer` plays a network receipt printer on 127.0.0.1: it takes one connection
at a time, as such printers do, and keeps everything sent on each connection until the
client closes it. Every wait in these tests has a timeout, so a regression fails instead
of hanging.
"""

from __future__ import annotations

import queue
import random
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from printer import (
    FilePrinter,
    NetworkPrinter,
    NullPrinter,
    PrinterStatus,
    PrinterUnavailable,
    PrintQueue,
    TicketPrintout,
    make_printer,
    render,
)

WAIT = 5.0  # seconds; generous for a slow CI machine, never reached when things work

TICKET = TicketPrintout(
    office_name="Urząd Miasta Łódź",
    number="A017",
    service_name="Реєстрація місця проживання",
    issued_at="2026-11-26 09:14",
    lines=("People ahead: 4", "Estimated wait: about 20 min"),
    status_url="https://kolejka.example.pl/t/A017",
    qr_caption="Follow your place in the queue",
    footer="Numbers are called in order. Keep this ticket.",
)


class _ReusableTCPServer(socketserver.TCPServer):
    allow_reuse_address = True  # a test rebinds the port a refused client was pointed at


class RawPrinterServer:
    """A "port 9100" printer: every connection's bytes, in arrival order."""

    def __init__(self, port: int = 0) -> None:
        received: queue.Queue[bytes] = queue.Queue()

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                chunks = []
                while chunk := self.request.recv(65536):
                    chunks.append(chunk)
                received.put(b"".join(chunks))

        self._server = _ReusableTCPServer(("127.0.0.1", port), Handler)
        self.port: int = self._server.server_address[1]
        self.received = received
        # A short poll interval so close() (shutdown) returns quickly.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def next_job(self, timeout: float = WAIT) -> bytes:
        """The next connection that carried data (probes connect and send nothing)."""
        deadline = time.monotonic() + timeout
        while True:
            data = self.received.get(timeout=max(0.0, deadline - time.monotonic()))
            if data:
                return data

    def jobs_so_far(self) -> list[bytes]:
        jobs = []
        while not self.received.empty():
            if data := self.received.get_nowait():
                jobs.append(data)
        return jobs

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(WAIT)


class Statuses:
    """Collects what the queue reports, for waiting on a particular report."""

    def __init__(self) -> None:
        self.seen: queue.Queue[PrinterStatus] = queue.Queue()

    def __call__(self, status: PrinterStatus) -> None:
        self.seen.put(status)

    def wait_for(self, *, timeout: float = WAIT, **expected: object) -> PrinterStatus:
        deadline = time.monotonic() + timeout
        while True:
            status = self.seen.get(timeout=max(0.0, deadline - time.monotonic()))
            if all(getattr(status, name) == value for name, value in expected.items()):
                return status


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening: connecting is refused at once.

    Taken from below the ephemeral range: a client connecting to a closed port inside
    that range can be given the same port as its own source and connect to itself
    (TCP simultaneous open), which would look like a printer that took the job.
    """
    lowest_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in random.sample(range(10_000, lowest_ephemeral), 50):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


@pytest.fixture
def server() -> Iterator[RawPrinterServer]:
    srv = RawPrinterServer()
    yield srv
    srv.close()


def test_network_printer_receives_exactly_the_rendered_ticket(server: RawPrinterServer) -> None:
    data = render(TICKET)
    statuses = Statuses()
    jobs = PrintQueue(NetworkPrinter("127.0.0.1", server.port, timeout=2), statuses)
    jobs.start()
    try:
        assert statuses.wait_for().online  # the start-up probe found the printer
        jobs.submit("A017", data)
        assert server.next_job() == data
        second = render(replace(TICKET, number="A018"))
        jobs.submit("A018", second)
        assert server.next_job() == second
    finally:
        jobs.close(WAIT)
    # Going from online to online is not a change: nothing else was reported.
    assert statuses.seen.empty()
    assert jobs.pending == 0


def test_queue_reports_offline_after_retries_and_recovers_with_next_job() -> None:
    port = closed_port()
    statuses = Statuses()
    jobs = PrintQueue(
        NetworkPrinter("127.0.0.1", port, timeout=1),
        statuses,
        tries=3,
        backoff=0.01,
        recheck_interval=None,  # only the next job may bring it back, to test exactly that
    )
    jobs.start()
    server = None
    try:
        started = time.monotonic()
        jobs.submit("A001", render(TICKET))
        failed = statuses.wait_for(failed_job_id="A001")
        assert time.monotonic() - started >= 2 * 0.01  # two waits between three tries
        assert failed.online is False
        assert f"127.0.0.1:{port}" in failed.message
        assert failed.pending == 0
        assert failed.last_job_id is None

        server = RawPrinterServer(port)  # the printer is switched back on
        data = render(TICKET)
        jobs.submit("A002", data)
        back = statuses.wait_for(online=True)
        assert back.last_job_id == "A002"
        assert back.failed_job_id is None
        assert server.next_job() == data
        assert server.jobs_so_far() == []  # the failed job is not printed late
    finally:
        jobs.close(WAIT)
        if server is not None:
            server.close()


def test_a_job_retried_until_the_printer_answers_is_printed_once() -> None:
    port = closed_port()
    statuses = Statuses()
    # Many quick tries: the job is still being retried when the printer comes up.
    jobs = PrintQueue(
        NetworkPrinter("127.0.0.1", port, timeout=1),
        statuses,
        tries=250,
        backoff=0.02,
        recheck_interval=None,
    )
    jobs.start()
    assert statuses.wait_for(online=False).failed_job_id is None  # start-up probe
    data = render(TICKET)
    jobs.submit("A003", data)
    time.sleep(0.1)  # a few refused attempts
    server = RawPrinterServer(port)
    try:
        back = statuses.wait_for(online=True)
        assert back.last_job_id == "A003"
        assert server.next_job() == data
        assert server.jobs_so_far() == []
    finally:
        jobs.close(WAIT)
        server.close()
    reported = [statuses.seen.get_nowait() for _ in range(statuses.seen.qsize())]
    assert all(s.failed_job_id is None for s in reported)


def test_offline_printer_is_noticed_coming_back_without_a_job() -> None:
    port = closed_port()
    statuses = Statuses()
    jobs = PrintQueue(NetworkPrinter("127.0.0.1", port, timeout=1), statuses, recheck_interval=0.05)
    jobs.start()
    server = None
    try:
        offline = statuses.wait_for()
        assert offline.online is False
        assert str(port) in offline.message
        server = RawPrinterServer(port)
        back = statuses.wait_for()
        assert back.online is True
        assert back.last_job_id is None
    finally:
        jobs.close(WAIT)
        if server is not None:
            server.close()


def test_submit_returns_at_once_while_the_printer_hangs() -> None:
    # A printer that accepts connections but never reads (paper out, say): each job
    # blocks the worker for the whole send timeout, never the caller.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        statuses = Statuses()
        jobs = PrintQueue(
            NetworkPrinter("127.0.0.1", port, timeout=0.5),
            statuses,
            tries=1,
            recheck_interval=None,
        )
        jobs.start()
        big = b"x" * 50_000_000  # more than the socket buffers hold
        try:
            started = time.monotonic()
            jobs.submit("A1", big)
            jobs.submit("A2", big)
            assert time.monotonic() - started < 0.25
            failed = statuses.wait_for(failed_job_id="A1")
            assert failed.online is False
            assert "timed out" in failed.message
        finally:
            jobs.close(WAIT)


def test_submit_after_close_is_refused() -> None:
    jobs = PrintQueue(NullPrinter())
    jobs.start()
    jobs.close(WAIT)
    with pytest.raises(RuntimeError):
        jobs.submit("A001", b"x")


def test_file_printer_appends_jobs_creating_directories(tmp_path: Path) -> None:
    target = tmp_path / "spool" / "today" / "printer.bin"
    printer = FilePrinter(target)
    assert printer.probe()  # the missing directories can be created

    statuses = Statuses()
    jobs = PrintQueue(printer, statuses)
    jobs.start()
    first, second = render(TICKET), b"\x1b@second"
    try:
        assert statuses.wait_for().online
        jobs.submit("A001", first)
        jobs.submit("A002", second)
    finally:
        jobs.close(WAIT)
    assert target.read_bytes() == first + second


def test_file_printer_that_cannot_write_is_unavailable(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "plain-file"
    not_a_dir.write_bytes(b"")
    printer = FilePrinter(not_a_dir / "printer.bin")

    assert not printer.probe()
    with pytest.raises(PrinterUnavailable, match="plain-file"):
        printer.send(b"ticket")


def test_network_printer_probe_and_send_errors(server: RawPrinterServer) -> None:
    assert NetworkPrinter("127.0.0.1", server.port, timeout=1).probe()
    down = NetworkPrinter("127.0.0.1", closed_port(), timeout=1)
    assert not down.probe()
    with pytest.raises(PrinterUnavailable, match="unreachable"):
        down.send(b"ticket")


def test_make_printer_builds_the_configured_backend(tmp_path: Path) -> None:
    options = {"path": str(tmp_path / "p.bin"), "host": "10.0.0.9", "port": 9100, "timeout": 3.0}

    file_printer = make_printer("file", **options)
    network = make_printer("network", **options)
    assert isinstance(file_printer, FilePrinter) and file_printer.path == tmp_path / "p.bin"
    assert isinstance(network, NetworkPrinter)
    assert (network.host, network.port, network.timeout) == ("10.0.0.9", 9100, 3.0)
    assert isinstance(make_printer("none", **options), NullPrinter)
    with pytest.raises(ValueError, match="usb"):
        make_printer("usb", **options)
