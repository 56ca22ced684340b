"""Supervisor alerts: raised from a desk in one tap, acknowledged ("on my way"), escalated when
nobody answers in time, resolved. Also the long-wait alert that comes before anger does."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from frontdesk import events as ev
from frontdesk.queue import errors, rules
from frontdesk.queue.model import Alert, AlertStatus, IncidentReport, Ticket, TicketStatus
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
        ticket = None
        if ticket_id is not None:
            ticket = uow.session.get(Ticket, ticket_id)
            if ticket is None:
                raise errors.UnknownTicket(ticket=ticket_id)
        elif desk is not None:
            # A clerk in trouble presses one button; the visitor at the desk is named for them.
            ticket = uow.session.exec(
                select(Ticket).where(col(Ticket.status).in_(rules.HELD), Ticket.desk == desk)
            ).first()
        alert = Alert(
            desk=desk,
            kind=kind,
            silent=silent,
            raised_by=actor.name,
            raised_at=uow.now,
            ticket_id=ticket.id if ticket else None,
            ticket_number=ticket.number if ticket else None,
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
    """Close an alert. One raised from a desk leaves an incident report behind, prefilled with
    what the alert knows, for the supervisor and the clerk to complete (services/incidents.py).
    The reply names it as `incident_id`."""
    if note is not None and len(note) > 2000:
        raise errors.InvalidInput(field="note")
    with core.unit_of_work() as uow:
        alert = _open_alert(uow, alert_id)
        alert.status = AlertStatus.RESOLVED
        alert.resolved_by, alert.resolved_at = actor.name, uow.now
        if note:
            alert.note = note
        report = None
        if alert.desk is not None:
            report = IncidentReport(
                alert_id=alert.id,
                office_day=rules.office_day(alert.raised_at, core.settings.office.zone),
                occurred_at=alert.raised_at,
                desk=alert.desk,
                ticket_id=alert.ticket_id,
                ticket_number=alert.ticket_number,
                clerk=alert.raised_by,
                kind=alert.kind,
                responder=alert.acknowledged_by or actor.name,
                what_happened=note or "",
                created_by=actor.name,
                created_at=uow.now,
            )
            uow.session.add(report)
            uow.session.flush()
        view = _record(
            uow,
            actor,
            alert,
            "alert.resolved",
            ev.ALERT_RESOLVED,
            extra={"incident_id": report.id if report else None},
        )
        if report is not None:
            uow.log("incident.opened", actor, desk=alert.desk, incident=report.id, alert=alert.id)
        uow.commit()
        return view


def escalate_due(core: Core) -> list[dict]:
    """Escalate every alert nobody acknowledged within the configured time. Safe to run from
    several processes at once: rows another process is escalating are skipped (PostgreSQL), or
    the whole sweep waits its turn (SQLite's BEGIN IMMEDIATE)."""
    with core.unit_of_work() as uow:
        soonest = min(core.settings.escalation_after(k.id) for k in core.settings.alert_kinds)
        deadline = uow.now - timedelta(seconds=min(soonest, core.settings.escalation_seconds))
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
            waited = timedelta(seconds=core.settings.escalation_after(alert.kind))
            if alert.raised_at > uow.now - waited:
                continue
            alert.escalated_at = uow.now
            uow.log("alert.escalated", SYSTEM, desk=alert.desk, alert=alert.id)
            view = alert_view(alert)
            uow.emit(ev.Event(ev.ALERT_ESCALATED, view, ev.ESCALATED_ALERT_ROOMS))
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
                ticket_number=ticket.number,
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
            uow.emit(ev.Event(ev.ALERT_RAISED, view, ev.ALERT_ROOMS))
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
    view = _record(uow, actor, alert, kind, event)
    uow.commit()
    return view


def _record(
    uow: UnitOfWork, actor: Actor, alert: Alert, kind: str, event: str, extra: dict | None = None
) -> dict:
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
    view = alert_view(alert) | (extra or {})
    # Security heard of it once it was escalated, so it hears how it ends too.
    rooms = ev.ESCALATED_ALERT_ROOMS if alert.escalated_at else ev.ALERT_ROOMS
    uow.emit(ev.Event(event, view, rooms))
    return view
