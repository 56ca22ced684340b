"""Live queue summaries: which updates a burst of changes turns into, and that the places pushed
to phones are the places the API gives."""

from __future__ import annotations

import threading
import time

import pytest
import socketio
from sqlalchemy import event
from sqlmodel import select

from frontdesk import events as ev
from frontdesk.live import LiveSummaries, Snapshots
from frontdesk.queue.model import Ticket, TicketStatus
from frontdesk.services import desks, tickets, views
from frontdesk.services.core import Core
from tests.support.core import CLERK, KIOSK


class Runner:
    """What LiveSummaries needs from Flask-SocketIO: background tasks (real threads; `manual`
    starts none, so a test flushes by hand) and a real python-socketio server whose rooms say
    who follows which ticket."""

    def __init__(self, manual: bool = False):
        self.manual = manual
        self.server = socketio.Server(async_mode="threading")

    def start_background_task(self, target):
        if not self.manual:
            threading.Thread(target=target, daemon=True).start()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def follow(self, ticket_id: str) -> None:
        """A phone connects and joins the ticket's room, as `follow` makes it do."""
        sid = self.server.manager.connect(f"eio-{ticket_id}", "/")
        self.server.manager.enter_room(sid, "/", ev.ticket_room(ticket_id))


def issue(core: Core, service: str = "ids", **options) -> dict:
    options.setdefault("language", "pl")
    return tickets.issue_ticket(core, KIOSK, service=service, **options)


@pytest.fixture
def runner() -> Runner:
    return Runner(manual=True)


@pytest.fixture
def live(core, recorder, runner):
    summaries = LiveSummaries(core, runner, recorder)
    core.listeners.append(summaries)
    yield summaries
    summaries.close()


def sent(recorder, name: str) -> list[dict]:
    return [e.payload for e in recorder.named(name)]


def test_a_burst_of_changes_becomes_one_update_with_only_the_services_touched(core, recorder, live):
    for _ in range(5):
        issue(core, "ids")
    issue(core, "cars")

    live.flush()

    [change] = sent(recorder, ev.QUEUE_CHANGED)
    assert {s["code"]: s["waiting"] for s in change["services"]} == {"ids": 5, "cars": 1}


def test_a_round_with_no_change_sends_nothing(core, recorder, live):
    issue(core)
    live.flush()
    recorder.events.clear()

    live.flush()

    assert recorder.events == []


def test_a_followed_ticket_is_sent_its_new_place_in_its_own_room(core, recorder, live, runner):
    issue(core)
    second = issue(core)
    issue(core)
    runner.follow(second["id"])
    live.flush()
    recorder.events.clear()

    tickets.call_next(core, CLERK, 2)
    live.flush()

    positions = recorder.named(ev.TICKET_POSITION)
    # The third moved too, but nobody follows it: nothing is sent for it.
    assert [(e.rooms, e.payload["position"]) for e in positions] == [
        ((ev.ticket_room(second["id"]),), 1)
    ]


def test_an_unchanged_place_is_not_sent_again(core, recorder, live, runner):
    first = issue(core)
    issue(core)
    runner.follow(first["id"])
    live.flush()
    recorder.events.clear()

    issue(core)  # behind both: their places stay
    live.flush()

    assert recorder.named(ev.TICKET_POSITION) == []


def test_with_several_processes_a_change_made_by_another_reaches_this_ones_followers(
    settings, core, recorder, runner
):
    """The other process's change is not published here; the event log growing tells."""
    shared_settings = settings.model_copy(update={"message_queue_url": "redis://127.0.0.1:1/0"})
    here = Core(settings=shared_settings, db=core.db, clock=core.clock, listeners=[recorder])
    elsewhere = Core(settings=shared_settings, db=core.db, clock=core.clock)
    summaries = LiveSummaries(here, runner, recorder)
    here.listeners.append(summaries)
    issue(here)
    mine = issue(here)
    runner.follow(mine["id"])
    summaries.flush()
    recorder.events.clear()

    tickets.call_next(elsewhere, CLERK, 2)
    summaries.flush()

    [position] = recorder.named(ev.TICKET_POSITION)
    assert (position.payload["id"], position.payload["position"]) == (mine["id"], 1)
    assert position.meta["local"] is True  # for this process's phones, not the message queue
    assert recorder.named(ev.QUEUE_CHANGED) == []  # the other process announces its change
    summaries.close()


def test_the_places_pushed_are_those_the_api_gives_for_every_waiting_ticket(core, clock):
    """Two services, a priority, a transfer to a named desk, open desks and calls: for every
    waiting ticket the pushed place equals ticket_view's."""
    for index in range(12):
        service = ("ids", "cars", "ids")[index % 3]
        priority = "card" if index % 5 == 4 else None
        issue(core, service, priority=priority)
        clock.advance(minutes=1)
    desks.open_desk(core, CLERK, 1)
    called = tickets.call_next(core, CLERK, 1)
    tickets.finish(core, CLERK, called["id"])
    with core.reading() as session:
        waiting = session.exec(select(Ticket).where(Ticket.status == TicketStatus.WAITING)).all()
    tickets.transfer(core, CLERK, waiting[-1].id, desk=3)

    with core.reading() as session:
        places = views.waiting_places(core, session)
        rows = session.exec(select(Ticket).where(Ticket.status == TicketStatus.WAITING)).all()
        views_of = {t.id: (t, views.ticket_view(core, session, t)) for t in rows}

    assert places.keys() == views_of.keys() and len(places) == 11
    for ticket_id, place in places.items():
        ticket, view = views_of[ticket_id]
        assert place["service"] == ticket.service
        # Every figure pushed (place, people ahead, estimates) is the API's figure.
        assert {k: v for k, v in place.items() if k != "service"} == {
            k: view[k] for k in place if k != "service"
        }


def test_updates_run_by_themselves_and_coalesce(core, recorder):
    summaries = LiveSummaries(core, Runner(), recorder)
    core.listeners.append(summaries)
    try:
        for _ in range(30):
            issue(core)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            changes = sent(recorder, ev.QUEUE_CHANGED)
            if changes and changes[-1]["services"][0]["waiting"] == 30:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(
                f"no update showing 30 waiting: {sent(recorder, ev.QUEUE_CHANGED)}"
            )
        assert len(sent(recorder, ev.QUEUE_CHANGED)) < 30
    finally:
        summaries.close()


def test_a_listener_that_fails_does_not_turn_a_stored_ticket_into_an_error(core, recorder):
    class Broken:
        def publish(self, events):
            raise RuntimeError("screen server down")

    core.listeners.insert(0, Broken())

    ticket = issue(core)

    with core.reading() as session:
        assert session.get(Ticket, ticket["id"]) is not None
    assert [e.payload["id"] for e in recorder.named(ev.TICKET_ISSUED)] == [ticket["id"]]


# Snapshots on (re)connect


class Ticking:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def count_queries(core: Core) -> list[str]:
    seen: list[str] = []
    event.listen(core.db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_a_reconnect_storm_builds_the_snapshot_once(core):
    snapshots = Snapshots(core)
    issue(core)
    queries = count_queries(core)

    states = [snapshots.for_role("display") for _ in range(50)]

    built_once = len(queries)
    assert built_once > 0
    assert all(s == states[0] for s in states)
    snapshots.for_role("display")
    assert len(queries) == built_once


def test_a_change_is_in_the_next_snapshot(core):
    snapshots = Snapshots(core)
    core.listeners.insert(0, snapshots)
    before = snapshots.for_role("display")

    issue(core)

    after = snapshots.for_role("display")
    waiting = {s["code"]: s["waiting"] for s in after["services"]}
    assert waiting["ids"] == 1 and before != after


def test_staff_and_the_public_get_their_own_snapshots(core):
    snapshots = Snapshots(core)
    assert "alerts" in snapshots.for_role("supervisor")
    assert "alerts" not in snapshots.for_role("public")


def test_a_snapshot_ages_out(core):
    ticking = Ticking()
    snapshots = Snapshots(core, clock=ticking)
    snapshots.for_role("display")
    queries = count_queries(core)

    ticking.now += Snapshots.MAX_AGE_SECONDS + 1
    snapshots.for_role("display")

    assert queries


def test_with_several_processes_every_snapshot_is_built_fresh(settings, core):
    shared = Core(
        settings=settings.model_copy(update={"message_queue_url": "redis://127.0.0.1:1/0"}),
        db=core.db,
        clock=core.clock,
    )
    snapshots = Snapshots(shared)
    snapshots.for_role("display")
    queries = count_queries(core)

    snapshots.for_role("display")

    assert queries
