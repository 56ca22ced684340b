"""Live events: their names, who receives them (rooms), and the port that sends them.

Services record events while they work; the unit of work hands them to the broadcaster only
after the transaction has committed, so no screen ever shows a change that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

# Event names, as clients subscribe to them.
STATE = "state"
TICKET_ISSUED = "ticket.issued"
TICKET_CALLED = "ticket.called"
TICKET_UPDATED = "ticket.updated"
QUEUE_CHANGED = "queue.changed"
TICKET_POSITION = "ticket.position"
DESK_CHANGED = "desk.changed"
ALERT_RAISED = "alert.raised"
ALERT_ACKNOWLEDGED = "alert.acknowledged"
ALERT_ESCALATED = "alert.escalated"
ALERT_RESOLVED = "alert.resolved"
PRINTER_STATUS = "printer.status"
OFFICE_MESSAGE = "office.message"  # the line a supervisor sets for the hall displays
DISPLAYS_STATUS = "displays.status"  # which hall displays are connected, for staff
# Whether messages to visitors are going out; to supervisors, on every change of that.
MAIL_STATUS = "mail.status"
# Internal: a change wrote a message to the outbox, so the sender should look now.
MAIL_QUEUED = "mail.queued"
# Sent by a display, answered at once: a display whose heartbeat goes unanswered reconnects.
HEARTBEAT = "heartbeat"

# Internal: a change touched these services' queues (meta["services"]). Never broadcast as
# is; the live summaries coalesce it into queue.changed and ticket.position (frontdesk/live.py).
QUEUES_TOUCHED = "queues.touched"

# Rooms. A connection joins the rooms of its role when it authenticates.
STAFF = "staff"  # clerks, supervisors, admins
SUPERVISORS = "supervisors"  # supervisors and admins
SECURITY = "security"  # building security: escalated alerts only
DISPLAYS = "displays"
KIOSKS = "kiosks"
PUBLIC = "public"  # anyone: phones following a ticket, integrations


def ticket_room(ticket_id: str) -> str:
    """The phone page of one ticket; joined by whoever holds the ticket's unguessable id."""
    return f"ticket:{ticket_id}"


ROOMS_BY_ROLE: dict[str, tuple[str, ...]] = {
    "clerk": (STAFF, PUBLIC),
    "supervisor": (STAFF, SUPERVISORS, PUBLIC),
    "admin": (STAFF, SUPERVISORS, PUBLIC),
    "security": (SECURITY, PUBLIC),
    "display": (DISPLAYS, PUBLIC),
    "kiosk": (KIOSKS, PUBLIC),
    "integration": (PUBLIC,),
    "public": (PUBLIC,),
}


# Who hears an alert: everyone on staff (the desk that raised it learns who is coming), and
# security once nobody answered in time.
ALERT_ROOMS = (SUPERVISORS, STAFF)
ESCALATED_ALERT_ROOMS = (SUPERVISORS, STAFF, SECURITY)


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any]
    rooms: tuple[str, ...]
    # Facts for in-process listeners (the ticket printer) that are never broadcast.
    meta: dict[str, Any] = field(default_factory=dict, compare=False)


class Broadcaster(Protocol):
    def publish(self, events: list[Event]) -> None: ...


class NullBroadcaster:
    def publish(self, events: list[Event]) -> None:
        pass


class RecordingBroadcaster:
    """Keeps what was published; for tests and the replay tool."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, events: list[Event]) -> None:
        self.events.extend(events)

    def named(self, name: str) -> list[Event]:
        return [e for e in self.events if e.name == name]
