"""Two clerks (or one clerk in two browser tabs) pressing call-next at the same desk at the same
instant: exactly one gets a visitor, the other is told the desk is busy (the same clerk) or
taken (a colleague: one clerk per open desk), on SQLite and on PostgreSQL.

Each press is held, once it has claimed the desk, until the other press has claimed it too or a
few seconds have passed: the widest window two presses can have. The desk's lock must keep the
second press out of that window; without it, both find the desk free and call a ticket each.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import col, func, select

from frontdesk.db import Database
from frontdesk.queue import errors, rules
from frontdesk.queue.model import AuditEvent, DeskState, Ticket
from frontdesk.services import desks, tickets
from frontdesk.services.core import Actor, Core
from tests.support.core import KIOSK, FakeClock, office_settings

ANNA = Actor("anna", "clerk")
BOB = Actor("bob", "clerk")
DESK = 2
# Long enough for a press the lock lets through to reach the meeting point on a slow machine;
# a press the lock holds back never reaches it, and the first one goes on after this long.
MEETING_SECONDS = 3.0
TIME_LIMIT = 60.0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def core(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'desks.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_database")
    db = Database(url)
    db.create_all()
    yield Core(settings=office_settings(), db=db, clock=FakeClock())
    db.dispose()


def held_at(core: Core, desk: int) -> list[str]:
    with core.reading() as session:
        return list(
            session.exec(
                select(Ticket.number).where(
                    Ticket.desk == desk, col(Ticket.status).in_(tuple(rules.HELD))
                )
            ).all()
        )


def calls_logged(core: Core) -> int:
    with core.reading() as session:
        return session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "ticket.called")
        ).one()


@pytest.mark.parametrize(
    ("opened_by", "presses", "refusal"),
    [
        (ANNA, (ANNA, BOB), "taken"),  # the desk's clerk and a colleague
        (ANNA, (ANNA, ANNA), "busy"),  # one clerk, two tabs
        (None, (ANNA, BOB), "taken"),  # a closed desk, claimed by both at once
    ],
    ids=["clerk-and-colleague", "two-tabs", "closed-desk"],
)
def test_two_presses_of_call_next_at_one_desk_call_one_visitor(
    core, monkeypatch, opened_by, presses, refusal
):
    for _ in range(3):
        tickets.issue_ticket(core, KIOSK, service="ids", language="pl")
    if opened_by is not None:
        desks.open_desk(core, opened_by, DESK)

    meeting = threading.Barrier(len(presses))
    check_free = tickets.ensure_desk_free

    def meet_then_check(uow, desk_number):
        # Broken: the other press is held by the desk's lock (or has been and gone).
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait(timeout=MEETING_SECONDS)
        check_free(uow, desk_number)

    monkeypatch.setattr(tickets, "ensure_desk_free", meet_then_check)

    def press(actor: Actor) -> str:
        try:
            called = tickets.call_next(core, actor, DESK)
        except errors.DeskBusy:
            return "busy"
        except errors.DeskTaken:
            return "taken"
        return called["number"] if called else "nobody"

    with ThreadPoolExecutor(max_workers=len(presses)) as pool:
        futures = [pool.submit(press, actor) for actor in presses]
        outcomes = sorted(f.result(timeout=TIME_LIMIT) for f in futures)
    monkeypatch.undo()

    assert outcomes == ["A001", refusal], outcomes
    assert held_at(core, DESK) == ["A001"]
    assert calls_logged(core) == 1
    with core.reading() as session:
        state = session.get(DeskState, DESK)
    assert state.open and state.clerk in {a.name for a in presses}
