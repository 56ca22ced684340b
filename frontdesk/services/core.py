"""What every service needs (settings, database, clock, listeners) and the unit of work."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

from sqlmodel import Session

from frontdesk.db import Database
from frontdesk.events import QUEUES_TOUCHED, Broadcaster, Event
from frontdesk.queue.model import AuditEvent
from frontdesk.queue.rules import office_day
from frontdesk.settings import Settings

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


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
        """Hand committed events to every listener. The change is already in the database, so
        a listener that fails (a screen server, a printer) is logged, never raised: the caller
        must not be told that a stored ticket failed and take a second one."""
        for listener in self.listeners:
            try:
                listener.publish(events)
            except Exception:
                log.exception("listener %r failed on committed events", listener)


class UnitOfWork:
    """One writing transaction. Rolls back unless `commit()` is called; publishes the events it
    collected only after the commit, and says which services' queues it touched."""

    def __init__(self, core: Core):
        self.core = core
        self.settings = core.settings
        self.events: list[Event] = []
        self.touched: set[str] = set()
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.now = self.core.clock()
        self.today = office_day(self.now, self.settings.office.zone)
        self._write_turn = self.core.db.write_lock
        self._write_turn.__enter__()
        try:
            self.session = self.core.db.session(write=True)
        except BaseException:
            self._write_turn.__exit__(None, None, None)
            raise
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
            try:
                self.session.close()
            finally:
                self._write_turn.__exit__(None, None, None)
        if self._committed and exc_type is None:
            self._publish()

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def touch(self, *services: str) -> None:
        """Mark services whose queue (length, order, estimate) this change alters."""
        self.touched.update(services)

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
        events = list(self.events)
        if self.touched:
            # Summaries are not built here: the live layer coalesces touches into small deltas,
            # so a burst of changes costs one summary, not one per change.
            events.append(Event(QUEUES_TOUCHED, {}, (), meta={"services": sorted(self.touched)}))
        if events and self.core.listeners:
            self.core.publish(events)
