"""Socket.IO: authenticate on connect, join the rooms of the caller's role, send the snapshot.
And the broadcaster that turns committed events into emits."""

from __future__ import annotations

import re

from flask import current_app
from flask_socketio import ConnectionRefusedError as Refused
from flask_socketio import Namespace, SocketIO, emit, join_room

from frontdesk import events as ev
from frontdesk import security
from frontdesk.auth import ISSUERS, current_actor
from frontdesk.queue.model import Ticket
from frontdesk.services import staff, views
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
            self.socketio.emit(event.name, event.payload, to=list(event.rooms))


class FrontdeskNamespace(Namespace):
    """The one namespace. A connection without credentials is a member of the public: it can
    follow tickets whose id it holds, and nothing else."""

    @staticmethod
    def core() -> Core:
        return current_app.extensions["frontdesk"]

    def on_connect(self, auth: dict | None = None):
        token = auth.get("token") if isinstance(auth, dict) else None
        if token is not None:
            actor = staff.token_actor(self.core(), str(token))
            if actor is None:
                raise Refused({"code": "unauthorized"})
        else:
            actor = current_actor()
        role = actor.role if actor else "public"
        for room in ev.ROOMS_BY_ROLE[role]:
            join_room(room)
        with self.core().reading() as session:
            emit(ev.STATE, views.snapshot(self.core(), session, role))
        printing = current_app.extensions.get("frontdesk.printing")
        if printing is not None and role in ISSUERS:
            # Status is announced only on change, so a screen that connects late is told now.
            status = printing.status_payload()
            if status is not None:
                emit(ev.PRINTER_STATUS, status)

    def on_follow(self, data: object):
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
            return {"ok": True, "ticket": views.ticket_view(self.core(), session, ticket)}
