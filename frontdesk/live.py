"""Live queue summaries: changes touch queues; screens get small, coalesced updates.

Every issue, call and finish changes queue lengths, estimates and the place of everyone behind.
Sending the whole picture to every screen and phone after each change costs (changes × clients)
messages; a hall of phones at 50 tickets a second would drown the server. So the unit of work
only says which services it touched, and this listener sends, at most once per
`queue_update_seconds`:
  - `queue.changed` to everyone, with only the services that changed;
  - `ticket.position` to each followed waiting ticket whose place or estimate changed, by the
    process the phone is connected to.
The first change after a quiet spell goes out at once; later ones wait for the next round.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask_socketio import SocketIO

from frontdesk import events as ev
from frontdesk.services import views
from frontdesk.services.core import Core

log = logging.getLogger(__name__)


class LiveSummaries:
    def __init__(self, core: Core, socketio: SocketIO, broadcaster: ev.Broadcaster):
        self.core = core
        self.socketio = socketio
        self.broadcaster = broadcaster
        self.interval = core.settings.queue_update_seconds
        # Several server processes share live events through the message queue; changes made
        # by the others are noticed by the event log growing.
        self._shared = core.settings.message_queue_url is not None
        self._seen_change: int | None = None
        self._dirty: set[str] = set()
        self._places: dict[str, dict] = {}
        self._followers: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._running = False
        self._closed = False

    def publish(self, events: list[ev.Event]) -> None:
        touched = [e.meta["services"] for e in events if e.name == ev.QUEUES_TOUCHED]
        if not touched:
            return
        with self._lock:
            for services in touched:
                self._dirty.update(services)
        self.start()
        self._wake.set()

    def start(self) -> None:
        """Run the rounds from now on (the first change or the first phone following starts
        them), in the server's concurrency model: a greenlet under gevent."""
        with self._lock:
            start = not self._running and not self._closed
            self._running = self._running or start
        if start:
            self.socketio.start_background_task(self._run)

    def close(self) -> None:
        self._closed = True
        self._wake.set()

    def _run(self) -> None:
        while True:
            # With several processes, look every round for changes the others made.
            self._wake.wait(self.interval if self._shared else None)
            if self._closed:
                return
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                # The database may be restarting; the next round tries again.
                log.exception("live queue summary failed")
            self.socketio.sleep(self.interval)

    def flush(self) -> None:
        """Send the updates for what changed since the last round: the queue counts of the
        services this process touched to everyone (through the message queue, if any), and
        new places to the phones following tickets on this process only (each process serves
        its own followers, so a place is never sent where nobody listens)."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
        followed = self._followed_tickets()
        with self.core.reading() as session:
            if dirty:
                services = views.services_overview(self.core, session)
                changed = [s for s in services if s["code"] in dirty]
                self.broadcaster.publish(
                    [ev.Event(ev.QUEUE_CHANGED, {"services": changed}, (ev.PUBLIC,))]
                )
            elsewhere = self._shared and self._changed_elsewhere(session)
            # A phone that just followed got its place with the answer, but a change may have
            # slipped in between: it gets the current place in its first round.
            newcomers, self._followers = followed - self._followers, followed
            if not followed:
                self._places = {}
                return
            if not dirty and not elsewhere and not newcomers:
                return
            places = views.waiting_places(self.core, session)
        updates = [
            ev.Event(
                ev.TICKET_POSITION,
                {"id": ticket_id, **place},
                (ev.ticket_room(ticket_id),),
                meta={"local": True},
            )
            for ticket_id, place in places.items()
            if ticket_id in newcomers
            or (ticket_id in followed and place != self._places.get(ticket_id))
        ]
        self._places = places
        if updates:
            self.broadcaster.publish(updates)

    def _changed_elsewhere(self, session) -> bool:
        """Every change writes the event log: a newer entry than last round's means a change,
        made here or by another process."""
        latest = views.latest_change(session)
        changed = self._seen_change is not None and latest != self._seen_change
        self._seen_change = latest
        return changed

    def _followed_tickets(self) -> set[str]:
        """Ids of the tickets a phone connected to this process follows."""
        prefix = ev.ticket_room("")
        rooms = self.socketio.server.manager.rooms.get("/", {})
        return {
            room[len(prefix) :]
            for room, members in list(rooms.items())
            if isinstance(room, str) and room.startswith(prefix) and members
        }


class Snapshots:
    """The `state` snapshot each screen gets on (re)connect, built once per change and role.

    After a server restart every display, kiosk, desk and phone reconnects within seconds; a
    snapshot costs about ten queries, so a thousand reconnects would keep the database busy
    for seconds while calls wait. Any committed change clears the cache, so a screen never gets
    an older picture than the events it hears next. With several processes, changes made by the
    others are not seen here, so every snapshot is built fresh. Entries also age out after
    MAX_AGE_SECONDS, because "open for tickets" follows the clock.
    """

    MAX_AGE_SECONDS = 5.0

    def __init__(self, core: Core, clock: Callable[[], float] = time.monotonic):
        self.core = core
        self.clock = clock
        self._shared = core.settings.message_queue_url is not None
        self._cache: dict[str, tuple[float, dict]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def publish(self, events: list[ev.Event]) -> None:
        if events:
            with self._lock:
                self._generation += 1
                self._cache.clear()

    def for_role(self, role: str) -> dict:
        now = self.clock()
        with self._lock:
            generation = self._generation
            cached = self._cache.get(role)
        if cached is not None and now - cached[0] < self.MAX_AGE_SECONDS:
            return cached[1]
        with self.core.reading() as session:
            state = views.snapshot(self.core, session, role)
        with self._lock:
            # A change committed while this one was being built: keep it out of the cache.
            if not self._shared and generation == self._generation:
                self._cache[role] = (now, state)
        return state
