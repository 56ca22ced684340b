"""kill -9 of `frontdesk serve` in the middle of a load of issues and calls, on SQLite and on
PostgreSQL, then a restart: what the server acknowledged is stored, numbers neither repeat nor
skip, the event log matches the tickets, and a display connected before the crash is whole
again soon after the restart.

Loopback only, bounded: a few kills, each after a few dozen acknowledged tickets (or a time
limit), with kiosks and clerks talking HTTP to the server as the real screens do. Deadlines are
generous; the one timed promise (a display's snapshot within 5 s of the restart) is measured
from the moment the restarted server answers.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests
import socketio
from sqlmodel import select

from frontdesk.db import Database
from frontdesk.queue import rules
from frontdesk.queue.model import AuditEvent, Ticket, TicketStatus
from tests.support.served import OfficeFolder, Server

pytestmark = pytest.mark.usefixtures("quick_websocket_close")

S = TicketStatus
KILLS = 2
TICKETS_BEFORE_KILL = 30  # acknowledged in a round before the kill
ROUND_LIMIT = 60.0  # seconds a round may run before the kill, whatever was acknowledged
PER_KIOSK = 200  # bound on one kiosk's tickets in a round
WAIT = 30.0  # any one HTTP answer, a server start, a thread's end
WHOLE_AGAIN = 5.0  # seconds from the restart to a display's new snapshot
PASSWORD = "a long enough password"
CLERKS = {"anna": 1, "bob": 2}
SERVICES = ("registration", "id_collection")
CALL_KINDS = {"ticket.called", "ticket.called_out_of_order"}


@dataclass
class Acknowledged:
    """What the server answered with success: it must survive any crash after the answer."""

    issued: dict[str, str] = field(default_factory=dict)  # ticket id -> number
    called: dict[str, int] = field(default_factory=dict)  # ticket id -> desk
    finished: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def office(request, tmp_path) -> Iterator[tuple[OfficeFolder, str]]:
    replace = {
        'backend = "file"': 'backend = "none"',
        # The kiosks here issue far faster than a hall's visitors.
        'ticket_issue = "60 per minute"': 'ticket_issue = "100000 per minute"',
    }
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'office.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_database")
        replace['"sqlite:///var/frontdesk.db"'] = f'"{url}"'
    folder = OfficeFolder(tmp_path, replace)
    folder.run("db", "upgrade")
    for name in CLERKS:
        folder.user(name, "clerk", PASSWORD)
    yield folder, url


# The load


def kiosk(url: str, token: str, stop: threading.Event, acked: Acknowledged, index: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with requests.Session() as http:
        for n in range(PER_KIOSK):
            if stop.is_set():
                return
            body = {"service": SERVICES[(n + index) % len(SERVICES)], "language": "pl"}
            try:
                answer = http.post(
                    f"{url}/api/v1/tickets", headers=headers, json=body, timeout=WAIT
                )
            except requests.RequestException:
                return  # the server is gone: the answer never came, so nothing was promised
            assert answer.status_code == 201, answer.text
            with acked.lock:
                acked.issued[answer.json()["id"]] = answer.json()["number"]


def clerk(url: str, name: str, stop: threading.Event, acked: Acknowledged) -> None:
    desk = CLERKS[name]
    with requests.Session() as http:
        try:
            signed = http.post(
                f"{url}/api/v1/session",
                json={"username": name, "password": PASSWORD},
                timeout=WAIT,
            )
            assert signed.status_code == 200, signed.text
            http.headers["X-CSRFToken"] = signed.json()["csrf_token"]
            while not stop.is_set():
                called = http.post(f"{url}/api/v1/desks/{desk}/call-next", timeout=WAIT)
                if called.status_code == 204:
                    time.sleep(0.05)
                    continue
                if called.status_code == 409:  # still holding a visitor called before a crash
                    finish(http, url, held_by(http, url, desk), acked)
                    continue
                assert called.status_code == 200, called.text
                with acked.lock:
                    acked.called[called.json()["id"]] = desk
                finish(http, url, called.json()["id"], acked)
        except requests.RequestException:
            return


def held_by(http: requests.Session, url: str, desk: int) -> str:
    state = http.get(f"{url}/api/v1/state", timeout=WAIT)
    assert state.status_code == 200, state.text
    [held] = [d["ticket_id"] for d in state.json()["desks"] if d["number"] == desk]
    assert held is not None
    return held


def finish(http: requests.Session, url: str, ticket_id: str, acked: Acknowledged) -> None:
    done = http.post(f"{url}/api/v1/tickets/{ticket_id}/finish", timeout=WAIT)
    assert done.status_code == 200, done.text
    with acked.lock:
        acked.finished.add(ticket_id)


def run_until_killed(server: Server, token: str, acked: Acknowledged) -> None:
    """Kiosks and clerks at work; the server is killed while they are, once enough tickets
    were acknowledged in this round."""
    stop = threading.Event()
    failures: list[BaseException] = []

    def guarded(work, *args):
        try:
            work(*args)
        except BaseException as exc:  # reported below, never lost in a thread
            failures.append(exc)

    before = len(acked.issued)
    workers = [
        threading.Thread(target=guarded, args=(kiosk, server.url, token, stop, acked, i))
        for i in range(2)
    ] + [
        threading.Thread(target=guarded, args=(clerk, server.url, name, stop, acked))
        for name in CLERKS
    ]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + ROUND_LIMIT
    while len(acked.issued) - before < TICKETS_BEFORE_KILL and time.monotonic() < deadline:
        if failures or not any(w.is_alive() for w in workers):
            break
        time.sleep(0.02)
    server.kill()
    stop.set()
    for worker in workers:
        worker.join(WAIT)
    assert not any(w.is_alive() for w in workers), "a client hung after the server died"
    assert not failures, failures
    assert len(acked.issued) > before, "nothing was issued before the kill"


# The display


class Display:
    """A hall display's Socket.IO client, retrying every second as a screen would."""

    def __init__(self) -> None:
        self.states: list[tuple[float, dict]] = []
        self.client = socketio.Client(
            reconnection=True,
            reconnection_delay=1,
            reconnection_delay_max=1,
            randomization_factor=0,
        )
        self.client.on("state", lambda state: self.states.append((time.monotonic(), state)))

    def connect(self, url: str, token: str) -> None:
        self.client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=WAIT)

    def snapshot_after(self, moment: float, wait: float) -> tuple[float, dict] | None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            later = [s for s in list(self.states) if s[0] > moment]
            if later:
                return later[0]
            time.sleep(0.02)
        return None


def assert_whole_again(display: Display, killed_at: float, ready_at: float, url: str) -> None:
    got = display.snapshot_after(killed_at, ready_at - time.monotonic() + WHOLE_AGAIN + WAIT)
    assert got is not None, "the display never received a snapshot after the restart"
    arrived, state = got
    assert arrived - ready_at <= WHOLE_AGAIN, (
        f"snapshot {arrived - ready_at:.1f} s after the server answered again"
    )
    assert {"office", "calls", "services", "at"} <= state.keys()
    db = Database(url)
    try:
        with db.session() as session:
            tickets = session.exec(select(Ticket)).all()
    finally:
        db.dispose()
    held = {t.number for t in tickets if t.status in rules.HELD}
    waiting = Counter(t.service for t in tickets if t.status is S.WAITING and not t.target_desk)
    # Nothing changes between the crash and this check: the snapshot is the database's.
    assert {c["number"] for c in state["calls"]} == held
    assert {s["code"]: s["waiting"] for s in state["services"] if s["waiting"]} == dict(waiting)


# The checks


def assert_nothing_lost(url: str, acked: Acknowledged) -> str:
    db = Database(url)
    try:
        with db.session() as session:
            tickets = {t.id: t for t in session.exec(select(Ticket)).all()}
            log = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    finally:
        db.dispose()

    # Every acknowledged ticket is stored, with the number it was given.
    lost = set(acked.issued) - set(tickets)
    assert not lost, f"{len(lost)} acknowledged tickets lost"
    assert {i: tickets[i].number for i in acked.issued} == acked.issued
    for ticket_id, desk in acked.called.items():
        assert tickets[ticket_id].status in (S.CALLED, S.SERVING, S.DONE), ticket_id
        assert tickets[ticket_id].desk == desk
    assert all(tickets[i].status is S.DONE for i in acked.finished)

    # Numbers neither repeat nor skip in a day: a number's counter commits with its ticket.
    numbers = Counter((t.office_day, t.number) for t in tickets.values())
    assert [n for n, times in numbers.items() if times > 1] == []
    by_letter: dict[tuple, list[int]] = {}
    for t in tickets.values():
        by_letter.setdefault((t.office_day, t.number[0]), []).append(t.seq)
    for seqs in by_letter.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))

    # The event log matches the tickets, both ways.
    kinds: dict[str, Counter] = {}
    for entry in log:
        if entry.ticket_id is not None:
            kinds.setdefault(entry.ticket_id, Counter())[entry.kind] += 1
    assert set(kinds) <= set(tickets), "events of tickets that were never stored"
    for ticket_id, ticket in tickets.items():
        seen = kinds.get(ticket_id, Counter())
        assert seen["ticket.issued"] == 1, (ticket.number, seen)
        if ticket.status in (S.CALLED, S.SERVING, S.DONE):
            assert sum(seen[k] for k in CALL_KINDS) >= 1, (ticket.number, seen)
        else:
            assert sum(seen[k] for k in CALL_KINDS) == 0, (ticket.number, seen)
        assert seen["ticket.finished"] == (ticket.status is S.DONE), (ticket.number, seen)
    return (
        f"{len(tickets)} tickets stored, {len(acked.issued)} acknowledged, "
        f"{len(acked.called)} calls and {len(acked.finished)} finishes acknowledged"
    )


def test_kill_9_during_issues_and_calls_loses_nothing_acknowledged(office):
    folder, url = office
    token = folder.token("kiosk")
    display_token = folder.token("display")
    acked = Acknowledged()
    display = Display()
    server = Server(folder)
    port = server.port
    try:
        display.connect(server.url, display_token)
        for _ in range(KILLS):
            run_until_killed(server, token, acked)
            killed_at = time.monotonic()
            server = Server(folder, port=port)
            assert_whole_again(display, killed_at, time.monotonic(), url)
        server.kill()
        summary = assert_nothing_lost(url, acked)
        # Started once more, the office goes on where it stopped.
        server = Server(folder, port=port)
        after = requests.post(
            f"{server.url}/api/v1/tickets",
            headers={"Authorization": f"Bearer {token}"},
            json={"service": "registration", "language": "pl"},
            timeout=WAIT,
        )
        assert after.status_code == 201, after.text
        assert after.json()["number"] not in acked.issued.values()
    finally:
        display.client.disconnect()
        server.stop()
    print(summary)
