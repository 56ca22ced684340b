"""Races: desks pressing call-next and kiosks issuing tickets at the same instant.

Threads share one Core (as the threads of one server process do); processes ('spawn') each
build their own Core on the same database URL (as several server processes do). Both run on a
SQLite file and on PostgreSQL. Every loop is bounded in count and in time.
"""

from __future__ import annotations

import copy
import multiprocessing
import queue
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from frontdesk.db import Database
from frontdesk.queue import errors
from frontdesk.queue.model import AuditEvent, Ticket, TicketCounter, TicketStatus
from frontdesk.services import tickets
from frontdesk.services.core import Actor, Core
from frontdesk.settings import parse
from tests.support.core import KIOSK, SMALL_OFFICE, FakeClock

S = TicketStatus
TICKETS = 200
DESKS = 8
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TIME_LIMIT = 120.0  # seconds for any one race, far above what it takes

RACE_OFFICE: dict = copy.deepcopy(SMALL_OFFICE)
RACE_OFFICE["desks"] = [
    {"number": n, "name": f"Desk {n}", "services": ["ids"]} for n in range(1, DESKS + 1)
]


def race_core(url: str) -> Core:
    return Core(settings=parse(RACE_OFFICE), db=Database(url), clock=FakeClock(NOW))


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(request, tmp_path) -> str:
    """A new, empty database with the tables, on SQLite (a file) or on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_database")
    db = Database(url)
    db.create_all()
    db.dispose()
    return url


# The work one desk or one kiosk does, the same in a thread and in a process.


def issue_many(core: Core, count: int, start: threading.Barrier, deadline: float) -> list[dict]:
    start.wait(timeout=TIME_LIMIT)
    issued = []
    for _ in range(count):
        assert time.monotonic() < deadline, "issuing took too long"
        view = tickets.issue_ticket(core, KIOSK, service="ids", language="pl")
        issued.append({"id": view["id"], "number": view["number"]})
    return issued


def desk_loop(core: Core, desk: int, start: threading.Barrier, deadline: float) -> list[str]:
    """Call-next and finish until nobody waits (the API's 204); the ids this desk called."""
    clerk = Actor(f"clerk-{desk}", "clerk")
    start.wait(timeout=TIME_LIMIT)
    called_ids: list[str] = []
    for _ in range(TICKETS + 1):  # no desk can call more tickets than there are
        assert time.monotonic() < deadline, f"desk {desk} still calling at the time limit"
        called = tickets.call_next(core, clerk, desk)
        if called is None:
            return called_ids
        assert called["desk"] == desk and called["status"] == "called"
        called_ids.append(called["id"])
        tickets.finish(core, clerk, called["id"])
    raise AssertionError(f"desk {desk} called more tickets than were issued")


def in_threads(work, count: int) -> list:
    """Run work(index, barrier, deadline) in `count` threads released at once; their results."""
    barrier = threading.Barrier(count)
    deadline = time.monotonic() + TIME_LIMIT
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(work, i, barrier, deadline) for i in range(count)]
        return [f.result(timeout=TIME_LIMIT) for f in futures]


def process_worker(url, office, role, index, count, barrier, results) -> None:
    """One process: its own Core on the shared database; issues or calls, reports back."""
    db = Database(url)
    core = Core(settings=parse(office), db=db, clock=FakeClock(NOW))
    deadline = time.monotonic() + TIME_LIMIT
    try:
        if role == "issue":
            done = issue_many(core, count, barrier, deadline)
        else:
            done = desk_loop(core, index + 1, barrier, deadline)
        results.put((index, done, None))
    except BaseException as exc:  # report, never hang the parent
        results.put((index, None, repr(exc)))
    finally:
        db.dispose()


def in_processes(url: str, role: str, count: int, per_worker: int = 0) -> list:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(count)
    results = context.Queue()
    workers = [
        context.Process(
            target=process_worker,
            args=(url, RACE_OFFICE, role, i, per_worker, barrier, results),
            daemon=True,
        )
        for i in range(count)
    ]
    for worker in workers:
        worker.start()
    collected: dict[int, list] = {}
    failures = []
    try:
        deadline = time.monotonic() + TIME_LIMIT + 60  # spawning takes a few seconds
        while len(collected) + len(failures) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"only {len(collected)} of {count} processes reported in time")
            try:
                index, done, error = results.get(timeout=remaining)
            except queue.Empty:
                continue
            if error:
                failures.append(f"process {index}: {error}")
            else:
                collected[index] = done
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
                worker.join(timeout=10)
        results.close()
        results.join_thread()
    assert not failures, failures
    return [collected[i] for i in range(count)]


# Checks


def assert_contiguous_numbers(url: str, issued: list[list[dict]]) -> None:
    numbers = [t["number"] for batch in issued for t in batch]
    assert len(numbers) == TICKETS
    duplicates = [n for n, times in Counter(numbers).items() if times > 1]
    assert duplicates == [], f"numbers given twice: {duplicates}"
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, TICKETS + 1)]
    # Each kiosk saw its own numbers rise.
    for batch in issued:
        seqs = [int(t["number"][1:]) for t in batch]
        assert seqs == sorted(seqs)
    db = Database(url)
    try:
        with db.session() as session:
            counter = session.exec(select(TicketCounter)).one()
            stored = session.exec(select(Ticket.number)).all()
    finally:
        db.dispose()
    assert counter.last_seq == TICKETS
    assert sorted(stored) == sorted(numbers)


def issue_upfront(url: str) -> set[str]:
    core = race_core(url)
    try:
        return {
            tickets.issue_ticket(core, KIOSK, service="ids", language="pl")["id"]
            for _ in range(TICKETS)
        }
    finally:
        core.db.dispose()


def assert_each_ticket_called_once(url: str, issued: set[str], per_desk: list[list[str]]) -> str:
    called = [ticket_id for desk in per_desk for ticket_id in desk]
    duplicates = [t for t, times in Counter(called).items() if times > 1]
    lost = issued - set(called)
    assert duplicates == [], f"{len(duplicates)} tickets called by two desks"
    assert lost == set(), f"{len(lost)} tickets never called"
    assert len(called) == len(issued) == TICKETS
    db = Database(url)
    try:
        with db.session() as session:
            statuses = Counter(session.exec(select(Ticket.status)).all())
            calls = session.exec(
                select(AuditEvent.ticket_id, AuditEvent.desk).where(
                    AuditEvent.kind == "ticket.called"
                )
            ).all()
            held = session.exec(
                select(Ticket).where(col(Ticket.status).in_((S.CALLED, S.SERVING)))
            ).all()
    finally:
        db.dispose()
    assert statuses == {S.DONE: TICKETS}
    assert held == []
    # The audit log agrees: one call per ticket, by the desk that reported it.
    assert len(calls) == TICKETS
    by_desk = {t: desk + 1 for desk, ids in enumerate(per_desk) for t in ids}
    assert dict(calls) == by_desk
    # How the calls fell among the desks (printed with -s). SQLite hands its write lock out
    # unfairly, so there one desk may take most; PostgreSQL spreads them evenly.
    shares = [len(ids) for ids in per_desk]
    return f"{DESKS} desks x {TICKETS} tickets: 0 duplicates, 0 lost, per desk {shares}"


# Threads


def test_kiosks_in_threads_issuing_at_once_get_contiguous_unique_numbers(database_url):
    core = race_core(database_url)
    per_kiosk = TICKETS // DESKS
    try:
        issued = in_threads(
            lambda i, barrier, deadline: issue_many(core, per_kiosk, barrier, deadline), DESKS
        )
    finally:
        core.db.dispose()
    assert_contiguous_numbers(database_url, issued)


def test_daily_cap_holds_when_kiosks_issue_at_once(database_url):
    core = race_core(database_url)  # the cash desk gives out 3 tickets a day
    cap = core.settings.service("cash").daily_cap

    def kiosk(i, barrier, deadline):
        barrier.wait(timeout=TIME_LIMIT)
        numbers, refused = [], 0
        for _ in range(2):
            try:
                numbers.append(
                    tickets.issue_ticket(core, KIOSK, service="cash", language="pl")["number"]
                )
            except errors.ServiceFull:
                refused += 1
        return numbers, refused

    try:
        results = in_threads(kiosk, DESKS)
        with core.db.session() as session:
            counter = session.exec(select(TicketCounter)).one()
            stored = session.exec(select(Ticket.number)).all()
    finally:
        core.db.dispose()
    numbers = sorted(n for got, _ in results for n in got)
    assert numbers == sorted(stored) == [f"K{n:03d}" for n in range(1, cap + 1)]
    assert sum(refused for _, refused in results) == 2 * DESKS - cap
    assert counter.last_seq == cap  # refused tickets used up no numbers


def test_desks_in_threads_pressing_call_next_at_once_never_get_the_same_ticket(database_url):
    issued = issue_upfront(database_url)
    core = race_core(database_url)
    try:
        per_desk = in_threads(
            lambda i, barrier, deadline: desk_loop(core, i + 1, barrier, deadline), DESKS
        )
    finally:
        core.db.dispose()
    summary = assert_each_ticket_called_once(database_url, issued, per_desk)
    print(f"threads, {make_url(database_url).get_backend_name()}:", summary)


# Processes


def test_kiosks_in_processes_issuing_at_once_get_contiguous_unique_numbers(database_url):
    issued = in_processes(database_url, "issue", DESKS, per_worker=TICKETS // DESKS)
    assert_contiguous_numbers(database_url, issued)


def test_desks_in_processes_pressing_call_next_at_once_never_get_the_same_ticket(database_url):
    issued = issue_upfront(database_url)
    per_desk = in_processes(database_url, "call", DESKS)
    summary = assert_each_ticket_called_once(database_url, issued, per_desk)
    print(f"processes, {make_url(database_url).get_backend_name()}:", summary)


# The lock is what makes it work: the same load without it hands out tickets twice.


def naive_call_next(session_factory, desk: int) -> str | None:
    """What call-next would be without a lock: read the first waiting ticket, then take it."""
    with session_factory() as session:  # READ COMMITTED, PostgreSQL's default
        ticket_id = session.exec(
            select(Ticket.id)
            .where(Ticket.status == S.WAITING)
            .order_by(Ticket.effective_at, Ticket.seq)
            .limit(1)
        ).first()
        if ticket_id is None:
            return None
        session.exec(
            update(Ticket).where(Ticket.id == ticket_id).values(status=S.CALLED, desk=desk)
        )
        session.commit()
        return ticket_id


@pytest.mark.postgres
def test_naive_select_then_update_calls_tickets_twice_on_postgres(fresh_postgres_database):
    url = fresh_postgres_database
    db = Database(url)
    try:
        db.create_all()
        issued = issue_upfront(url)
        with db.engine.connect() as connection:
            assert connection.get_isolation_level() == "READ COMMITTED"

        def naive_desk(i, barrier, deadline):
            barrier.wait(timeout=TIME_LIMIT)
            taken = []
            for _ in range(TICKETS + 1):
                assert time.monotonic() < deadline
                ticket_id = naive_call_next(lambda: Session(db.engine), i + 1)
                if ticket_id is None:
                    return taken
                taken.append(ticket_id)
            return taken

        per_desk = in_threads(naive_desk, DESKS)
    finally:
        db.dispose()
    called = [t for ids in per_desk for t in ids]
    duplicates = sum(times - 1 for times in Counter(called).values() if times > 1)
    print(f"naive select-then-update, {DESKS} threads x {TICKETS}: {duplicates} duplicates")
    assert set(called) == issued
    assert duplicates > 0
