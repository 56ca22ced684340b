"""The day's figures for management, read from tickets and the append-only event log."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from statistics import mean

from sqlmodel import select

from frontdesk.queue.model import AuditEvent, Ticket, TicketStatus
from frontdesk.services.core import Core

CALL_KINDS = ("ticket.called", "ticket.called_out_of_order")
COLUMNS = (
    "scope",
    "id",
    "issued",
    "served",
    "no_shows",
    "cancelled",
    "still_waiting",
    "avg_wait_min",
    "max_wait_min",
    "out_of_order_calls",
    "queue_jump_demands",
    "alerts",
)


def daily(core: Core, day: date) -> dict:
    with core.reading() as session:
        tickets = session.exec(select(Ticket).where(Ticket.office_day == day)).all()
        log = session.exec(
            select(AuditEvent).where(AuditEvent.office_day == day).order_by(AuditEvent.id)
        ).all()
    first_call: dict[str, AuditEvent] = {}
    for entry in log:
        if entry.kind in CALL_KINDS and entry.ticket_id not in first_call:
            first_call[entry.ticket_id] = entry

    services = {s.code: _blank() for s in core.settings.services}
    desks = {d.number: _blank() for d in core.settings.desks}
    waits: dict[str, list[float]] = defaultdict(list)
    for ticket in tickets:
        row = services.setdefault(ticket.issued_service, _blank())
        row["issued"] += 1
        row["served"] += ticket.status is TicketStatus.DONE
        row["no_shows"] += ticket.status is TicketStatus.NO_SHOW
        row["cancelled"] += ticket.status is TicketStatus.CANCELLED
        row["still_waiting"] += ticket.status is TicketStatus.WAITING
        call = first_call.get(ticket.id)
        if call is not None:
            waits[ticket.issued_service].append((call.at - ticket.issued_at).total_seconds() / 60)
    for code, row in services.items():
        row["avg_wait_min"] = round(mean(waits[code]), 1) if waits[code] else None
        row["max_wait_min"] = round(max(waits[code]), 1) if waits[code] else None

    for entry in log:
        row = desks.get(entry.desk) if entry.desk is not None else None
        if row is None:
            continue
        if entry.kind == "ticket.finished":
            row["served"] += 1
        elif entry.kind == "ticket.no_show":
            row["no_shows"] += 1
        elif entry.kind == "ticket.called_out_of_order":
            row["out_of_order_calls"] += 1
        elif entry.kind == "queue_jump.demanded":
            row["queue_jump_demands"] += 1
        elif entry.kind == "alert.raised":
            row["alerts"] += 1

    out_of_order = [
        {
            "at": e.at.isoformat(),
            "desk": e.desk,
            "number": e.data.get("number"),
            "due": e.data.get("due"),
            "reason": e.reason,
            "actor": e.actor,
        }
        for e in log
        if e.kind == "ticket.called_out_of_order"
    ]
    alerts = defaultdict(int)
    for entry in log:
        if entry.kind == "alert.raised":
            alerts[entry.data.get("alert_kind", "?")] += 1
    return {
        "date": day.isoformat(),
        "services": [{"service": code, **row} for code, row in services.items()],
        "desks": [{"desk": number, **row} for number, row in desks.items()],
        "out_of_order_calls": out_of_order,
        "alerts_by_kind": dict(alerts),
        "totals": {
            "issued": len(tickets),
            "served": sum(t.status is TicketStatus.DONE for t in tickets),
            "no_shows": sum(t.status is TicketStatus.NO_SHOW for t in tickets),
            "queue_jump_demands": sum(e.kind == "queue_jump.demanded" for e in log),
            "alerts": sum(alerts.values()),
        },
    }


def as_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in report["services"]:
        writer.writerow(["service", row["service"], *(row[c] for c in COLUMNS[2:])])
    for row in report["desks"]:
        writer.writerow(["desk", row["desk"], *(row[c] for c in COLUMNS[2:])])
    return buffer.getvalue()


def _blank() -> dict:
    return {column: 0 for column in COLUMNS[2:]} | {"avg_wait_min": None, "max_wait_min": None}
