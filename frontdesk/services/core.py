"""What every service needs (settings, database, clock, listeners) and the unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

from sqlmodel import Session

from frontdesk.db import Database
from frontdesk.events import Broadcaster, Event
from frontdesk.queue.model import AuditEvent
from frontdesk.queue.rules import office_day
from frontdesk.settings import Settings

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """Who asks: a staff member or a device, by name and role."""

    name: str
    role: str

    @property
    def label(self) -> str:
        return f"{self.role}:{self.name}"


SYSTEM = Actor("frontdesk", "system")


@dataclass
class Core:
    settings: Settings
    db: Database
    clock: Clock = utcnow
    listeners: list[Broadcaster] = field(default_factory=list)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.db.session() as session:
            yield session

    def publish(self, events: list[Event]) -> None:
        for listener in self.listeners:
            listener.publish(events)


class UnitOfWork:
    """One writing transaction. Rolls back unless `commit()` is called; publishes the events it
    collected only after the commit, and adds a fresh queue summary when queues changed."""

    def __init__(self, core: Core):
        self.core = core
        self.settings = core.settings
        self.events: list[Event] = []
        self.queue_changed = False
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.now = self.core.clock()
        self.today = office_day(self.now, self.settings.office.zone)
        self.session = self.core.db.session(write=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                self.session.rollback()
        finally:
            self.session.close()
        if self._committed and exc_type is None:
            self._publish()

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def log(
        self,
        kind: str,
        actor: Actor,
        *,
        desk: int | None = None,
        ticket_id: str | None = None,
        service: str | None = None,
        reason: str | None = None,
        **data: object,
    ) -> AuditEvent:
        entry = AuditEvent(
            at=self.now,
            office_day=self.today,
            kind=kind,
            actor=actor.label,
            desk=desk,
            ticket_id=ticket_id,
            service=service,
            reason=reason,
            data=data,
        )
        self.session.add(entry)
        return entry

    def _publish(self) -> None:
        if not self.core.listeners:
            return  # nobody to tell (replays, tools): skip building the queue summary
        events = list(self.events)
        if self.queue_changed:
            from frontdesk.services.views import queue_changed_event

            with self.core.reading() as session:
                events.append(queue_changed_event(self.core, session))
        if events:
            self.core.publish(events)
