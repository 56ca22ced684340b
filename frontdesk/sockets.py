"""Socket.IO: authenticate on connect, join the rooms of the caller's role, send the snapshot.
And the broadcaster that turns committed events into emits."""

from __future__ import annotations

import re
import threading

from flask import current_app, request
from flask_socketio import ConnectionRefusedError as Refused
from flask_socketio import Namespace, SocketIO, emit, join_room

from frontdesk import events as ev
from frontdesk import security
from frontdesk.auth import ISSUERS, STAFF, current_actor
from frontdesk.queue.model import Ticket
from frontdesk.services import notices, staff, views
from frontdesk.services.core import Core

TICKET_ID = re.compile(security.TicketIdConverter.regex)


class SocketIOBroadcaster:
    def __init__(self, socketio: SocketIO):
        self.socketio = socketio

    def publish(self, events: list[ev.Event]) -> None:
        for event in events:
            if not event.rooms:
                continue  # internal (queues.touched): the live summaries handle it
            # One emit to all the rooms: a client in several of them hears the event once.
            # A "local" event is for this process's clients only (each process sends the
            # places of the tickets its own phones follow), not for the message queue.
            self.socketio.emit(
                event.name,
                event.payload,
                to=list(event.rooms),
                ignore_queue=bool(event.meta.get("local")),
            )


class ConnectedDisplays:
    """The hall displays connected to this server process, for staff screens: a dark TV in
    the hall is otherwise noticed only by the visitors who miss their call. With several
    processes each knows its own connections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_sid: dict[str, dict] = {}

    def add(self, sid: str, name: str, at: str) -> None:
        with self._lock:
            self._by_sid[sid] = {"name": name, "since": at, "last_seen": at}

    def seen(self, sid: str, at: str) -> None:
        with self._lock:
            if sid in self._by_sid:
                self._by_sid[sid]["last_seen"] = at

    def remove(self, sid: str) -> bool:
        with self._lock:
            return self._by_sid.pop(sid, None) is not None

    def payload(self) -> dict:
        """One entry per display name: a screen that reloads briefly holds two connections."""
        with self._lock:
            merged: dict[str, dict] = {}
            for entry in self._by_sid.values():
                known = merged.setdefault(entry["name"], {**entry, "connections": 0})
                known["connections"] += 1
                known["since"] = min(known["since"], entry["since"])
                known["last_seen"] = max(known["last_seen"], entry["last_seen"])
        return {"displays": sorted(merged.values(), key=lambda d: d["name"])}


class FrontdeskNamespace(Namespace):
    """The one namespace. A connection without credentials is a member of the public: it can
    follow tickets whose id it holds, and nothing else."""

    @staticmethod
    def core() -> Core:
        return current_app.extensions["frontdesk"]

    def trigger_event(self, event, *args):
        # A hand-made packet can name its event with any JSON value; Flask-SocketIO would fail
        # building a handler name from it. Such an event is ignored like any unknown one.
        if not isinstance(event, str):
            return None
        return super().trigger_event(event, *args)

    def on_connect(self, auth: dict | None = None):
        token = auth.get("token") if isinstance(auth, dict) else None
        header = request.headers.get("Authorization", "")
        if token is None and header.lower().startswith("bearer "):
            # As over HTTP: a wrong token is refused, never taken for a member of the public.
            token = header[7:].strip()
        if token is not None:
            actor = staff.token_actor(self.core(), str(token))
            if actor is None:
                raise Refused({"code": "unauthorized"})
        else:
            actor = current_actor()
        role = actor.role if actor else "public"
        for room in ev.ROOMS_BY_ROLE[role]:
            join_room(room)
        emit(ev.STATE, current_app.extensions["frontdesk.snapshots"].for_role(role))
        with self.core().reading() as session:
            if role in (*STAFF, "display"):
                emit(ev.OFFICE_MESSAGE, notices.current_message(session))
        displays = self.displays()
        if role == "display":
            displays.add(request.sid, actor.name, views.iso(self.core().clock()))
            emit(ev.DISPLAYS_STATUS, displays.payload(), to=ev.STAFF)
        elif role in STAFF:
            emit(ev.DISPLAYS_STATUS, displays.payload())
        printing = current_app.extensions.get("frontdesk.printing")
        if printing is not None and role in ISSUERS:
            # Status is announced only on change, so a screen that connects late is told now.
            status = printing.status_payload()
            if status is not None:
                emit(ev.PRINTER_STATUS, status)

    def on_disconnect(self, reason: object = None):
        displays = self.displays()
        if displays.remove(request.sid):
            emit(ev.DISPLAYS_STATUS, displays.payload(), to=ev.STAFF)

    def on_heartbeat(self, data: object = None):
        """Answered at once: a display that hears nothing back knows its connection is stale
        (a proxy or a sleeping network can keep a dead socket looking open) and reconnects."""
        at = views.iso(self.core().clock())
        self.displays().seen(request.sid, at)
        return {"ok": True, "at": at}

    @staticmethod
    def displays() -> ConnectedDisplays:
        return current_app.extensions.setdefault("frontdesk.displays", ConnectedDisplays())

    def on_follow(self, data: object = None):
        """A phone page follows one ticket: joining its room needs the ticket's secret id."""
        ticket_id = data.get("ticket") if isinstance(data, dict) else None
        # The same shape the HTTP routes accept: nothing else reaches the database (PostgreSQL
        # refuses NUL bytes), and guessing ids costs the same budget as guessing pages.
        if not isinstance(ticket_id, str) or not TICKET_ID.fullmatch(ticket_id):
            return {"ok": False, "error": "invalid_input"}
        if not security.allow_lookup():
            return {"ok": False, "error": "rate_limited"}
        with self.core().reading() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                return {"ok": False, "error": "unknown_ticket"}
            join_room(ev.ticket_room(ticket_id))
            # This process sends this phone its new places from now on.
            current_app.extensions["frontdesk.live"].start()
            return {"ok": True, "ticket": views.ticket_view(self.core(), session, ticket)}
