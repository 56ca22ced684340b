"""Supervisor alerts: raised from a desk in one tap, acknowledged ("on my way"), escalated when
nobody answers in time, resolved. Also the long-wait alert that comes before anger does."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from frontdesk import events as ev
from frontdesk.queue import errors
from frontdesk.queue.model import Alert, AlertStatus, Ticket, TicketStatus
from frontdesk.services.core import SYSTEM, Actor, Core, UnitOfWork
from frontdesk.services.tickets import desk_config
from frontdesk.services.views import alert_view

LONG_WAIT_KIND = "long_wait"


def raise_alert(
    core: Core,
    actor: Actor,
    *,
    desk: int | None,
    kind: str,
    silent: bool = False,
    ticket_id: str | None = None,
    note: str | None = None,
) -> dict:
    if kind not in {k.id for k in core.settings.alert_kinds}:
        raise errors.UnknownAlertKind(kind=kind)
    if desk is not None:
        desk_config(core, desk)
    if note is not None and len(note) > 2000:
        raise errors.InvalidInput(field="note")
    with core.unit_of_work() as uow:
        if ticket_id is not None and uow.session.get(Ticket, ticket_id) is None:
            raise errors.UnknownTicket(ticket=ticket_id)
        alert = Alert(
            desk=desk,
            kind=kind,
            silent=silent,
            raised_by=actor.name,
            raised_at=uow.now,
            ticket_id=ticket_id,
            note=note,
        )
        return _commit(uow, actor, alert, "alert.raised", ev.ALERT_RAISED)


def acknowledge(core: Core, actor: Actor, alert_id: int) -> dict:
    with core.unit_of_work() as uow:
        alert = _open_alert(uow, alert_id)
        if alert.status is AlertStatus.RAISED:
            alert.status = AlertStatus.ACKNOWLEDGED
            alert.acknowledged_by, alert.acknowledged_at = actor.name, uow.now
        return _commit(uow, actor, alert, "alert.acknowledged", ev.ALERT_ACKNOWLEDGED)


def resolve(core: Core, actor: Actor, alert_id: int, note: str | None = None) -> dict:
    if note is not None and len(note) > 2000:
        raise errors.InvalidInput(field="note")
    with core.unit_of_work() as uow:
        alert = _open_alert(uow, alert_id)
        alert.status = AlertStatus.RESOLVED
        alert.resolved_by, alert.resolved_at = actor.name, uow.now
        if note:
            alert.note = note
        return _commit(uow, actor, alert, "alert.resolved", ev.ALERT_RESOLVED)


def escalate_due(core: Core) -> list[dict]:
    """Escalate every alert nobody acknowledged within the configured time. Safe to run from
    several processes at once: rows another process is escalating are skipped (PostgreSQL), or
    the whole sweep waits its turn (SQLite's BEGIN IMMEDIATE)."""
    with core.unit_of_work() as uow:
        deadline = uow.now - timedelta(seconds=core.settings.escalation_seconds)
        due = uow.session.exec(
            select(Alert)
            .where(
                Alert.status == AlertStatus.RAISED,
                col(Alert.escalated_at).is_(None),
                Alert.raised_at <= deadline,
            )
            .with_for_update(skip_locked=True)
        ).all()
        escalated = []
        for alert in due:
            alert.escalated_at = uow.now
            uow.log("alert.escalated", SYSTEM, desk=alert.desk, alert=alert.id)
            view = alert_view(alert)
            uow.emit(ev.Event(ev.ALERT_ESCALATED, view, (ev.SUPERVISORS, ev.STAFF)))
            escalated.append(view)
        uow.commit()
    return escalated


def raise_long_wait_alerts(core: Core) -> list[dict]:
    """One alert per visitor who has waited past the threshold, so staff can speak to them
    before the wait turns into anger."""
    with core.unit_of_work() as uow:
        threshold = uow.now - timedelta(minutes=core.settings.long_wait_minutes)
        waiting = uow.session.exec(
            select(Ticket)
            .where(
                Ticket.status == TicketStatus.WAITING,
                Ticket.issued_at <= threshold,
                # Rendered as the partial index's own predicate, so the planners use it.
                ~col(Ticket.long_wait_alerted),
            )
            .with_for_update(skip_locked=True)
        ).all()
        raised = []
        for ticket in waiting:
            ticket.long_wait_alerted = True
            alert = Alert(
                desk=None,
                kind=LONG_WAIT_KIND,
                raised_by=SYSTEM.name,
                raised_at=uow.now,
                ticket_id=ticket.id,
                note=f"{ticket.number} ({ticket.service})",
            )
            uow.session.add(alert)
            uow.session.flush()
            uow.log(
                "alert.raised",
                SYSTEM,
                ticket_id=ticket.id,
                service=ticket.service,
                alert=alert.id,
                alert_kind=LONG_WAIT_KIND,
            )
            view = alert_view(alert)
            uow.emit(ev.Event(ev.ALERT_RAISED, view, (ev.SUPERVISORS, ev.STAFF)))
            raised.append(view)
        uow.commit()
    return raised


def _open_alert(uow: UnitOfWork, alert_id: int) -> Alert:
    statement = select(Alert).where(Alert.id == alert_id)
    if uow.session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    alert = uow.session.exec(statement).first()
    if alert is None:
        raise errors.UnknownAlert(alert=alert_id)
    if alert.status is AlertStatus.RESOLVED:
        raise errors.AlertAlreadyClosed(alert=alert_id)
    return alert


def _commit(uow: UnitOfWork, actor: Actor, alert: Alert, kind: str, event: str) -> dict:
    uow.session.add(alert)
    uow.session.flush()
    uow.log(
        kind,
        actor,
        desk=alert.desk,
        ticket_id=alert.ticket_id,
        alert=alert.id,
        alert_kind=alert.kind,
        silent=alert.silent,
    )
    view = alert_view(alert)
    uow.emit(ev.Event(event, view, (ev.SUPERVISORS, ev.STAFF)))
    uow.commit()
    return view
