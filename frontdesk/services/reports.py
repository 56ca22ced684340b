"""The day's figures for management, read from tickets and the append-only event log."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from statistics import mean

from sqlmodel import col, select

from frontdesk.queue import rules
from frontdesk.queue.model import AuditEvent, Ticket, TicketStatus
from frontdesk.services.core import Core
from frontdesk.services.views import HELD, iso

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


def board(core: Core) -> dict:
    """What the supervisor's live board shows beyond the snapshot: each service's longest wait,
    the visitors past long_wait_minutes, each held visitor's time at the desk, and today's
    out-of-order calls and queue-jump demands. One office day, read from its indexes."""
    now = core.clock()
    zone = core.settings.office.zone
    today = rules.office_day(now, zone)
    with core.reading() as session:
        waiting = session.exec(
            select(Ticket.number, Ticket.service, Ticket.issued_at).where(
                Ticket.office_day == today, Ticket.status == TicketStatus.WAITING
            )
        ).all()
        held = session.exec(
            select(
                Ticket.desk, Ticket.number, Ticket.status, Ticket.called_at, Ticket.started_at
            ).where(Ticket.office_day == today, col(Ticket.status).in_(HELD))
        ).all()
        logged = session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.office_day == today,
                col(AuditEvent.kind).in_(("ticket.called_out_of_order", "queue_jump.demanded")),
            )
            .order_by(col(AuditEvent.at).desc())
        ).all()

    def minutes(since) -> int:
        return int((now - since).total_seconds() // 60)

    longest: dict[str, int] = {}
    long_waits = []
    for number, service, issued_at in waiting:
        waited = minutes(issued_at)
        longest[service] = max(longest.get(service, 0), waited)
        if waited >= core.settings.long_wait_minutes:
            long_waits.append({"number": number, "service": service, "minutes": waited})
    long_waits.sort(key=lambda t: -t["minutes"])

    def local(at) -> str:
        return rules.local_time(at, zone).strftime("%H:%M")

    return {
        "at": iso(now),
        "services": [
            {"code": s.code, "longest_wait_minutes": longest.get(s.code)}
            for s in core.settings.services
        ],
        "long_waits": long_waits,
        "desks": [
            {
                "number": desk,
                "ticket": number,
                "status": status.value,
                "minutes": minutes(started_at or called_at) if (started_at or called_at) else 0,
            }
            for desk, number, status, called_at, started_at in held
        ],
        "out_of_order_calls": [
            {
                "time": local(e.at),
                "desk": e.desk,
                "number": e.data.get("number"),
                "reason": e.reason,
                "actor": e.actor,
            }
            for e in logged
            if e.kind == "ticket.called_out_of_order"
        ],
        "queue_jump_demands": [
            {"time": local(e.at), "desk": e.desk, "actor": e.actor, "note": e.data.get("note")}
            for e in logged
            if e.kind == "queue_jump.demanded"
        ],
    }


def summary(core: Core, since: date, until: date) -> dict:
    """Figures for a day or a range of days, from the event log alone: a day replayed from the
    Warsaw data is reported like a day lived. Waits run from issue to the first call, service
    times from the start (or the call, when nobody pressed start) to the finish."""
    zone = core.settings.office.zone
    with core.reading() as session:
        log = session.exec(
            select(AuditEvent)
            .where(AuditEvent.office_day >= since, AuditEvent.office_day <= until)
            .order_by(col(AuditEvent.id))
        ).all()
    issued: dict[str, AuditEvent] = {}
    called: dict[str, AuditEvent] = {}
    started: dict[str, AuditEvent] = {}
    hours: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    service_times: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_desk: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    reasons: dict[str, int] = defaultdict(int)
    for e in log:
        ticket = e.ticket_id
        if e.kind == "ticket.issued" and ticket:
            issued[ticket] = e
            hours[e.service or "?"][rules.local_time(e.at, zone).hour] += 1
            counts[e.service or "?"]["issued"] += 1
        elif e.kind in CALL_KINDS and ticket and ticket not in called:
            called[ticket] = e
        elif e.kind == "ticket.started" and ticket:
            started.setdefault(ticket, e)
        elif e.kind == "ticket.finished" and ticket:
            begun = started.get(ticket) or called.get(ticket)
            service = (issued.get(ticket) or e).service or "?"
            counts[service]["served"] += 1
            if begun is not None:
                service_times[service].append((e.at - begun.at).total_seconds() / 60)
            if e.desk is not None:
                per_desk[e.desk]["served"] += 1
        elif e.kind == "ticket.no_show" and ticket:
            counts[(issued.get(ticket) or e).service or "?"]["no_shows"] += 1
        elif e.kind == "ticket.transferred" and ticket:
            counts[(issued.get(ticket) or e).service or "?"]["transfers"] += 1
        if e.kind == "ticket.called_out_of_order":
            reasons[e.reason or "?"] += 1
        if e.desk is None:
            continue
        if e.kind == "ticket.called_out_of_order":
            per_desk[e.desk]["out_of_order_calls"] += 1
        elif e.kind == "queue_jump.demanded":
            per_desk[e.desk]["queue_jump_demands"] += 1
        elif e.kind == "alert.raised":
            per_desk[e.desk]["alerts"] += 1
        elif e.kind == "incident.opened":
            per_desk[e.desk]["incidents"] += 1
    waits: dict[str, list[float]] = defaultdict(list)
    for ticket, call in called.items():
        if ticket in issued:
            waits[issued[ticket].service or "?"].append(
                (call.at - issued[ticket].at).total_seconds() / 60
            )

    codes = [s.code for s in core.settings.services]
    codes += sorted(set(counts) - set(codes))
    desks = [d.number for d in core.settings.desks]
    desks += sorted(set(per_desk) - set(desks))
    desk_fields = ("served", "out_of_order_calls", "queue_jump_demands", "alerts", "incidents")
    return {
        "from": since.isoformat(),
        "to": until.isoformat(),
        "services": [
            {
                "service": code,
                "issued": counts[code]["issued"],
                "served": counts[code]["served"],
                "no_shows": counts[code]["no_shows"],
                "transfers": counts[code]["transfers"],
                "wait_median_min": _percentile(waits[code], 50),
                "wait_p90_min": _percentile(waits[code], 90),
                "service_median_min": _percentile(service_times[code], 50),
                "by_hour": {str(h): n for h, n in sorted(hours[code].items())},
            }
            for code in codes
        ],
        "desks": [{"desk": d, **{f: per_desk[d][f] for f in desk_fields}} for d in desks],
        "out_of_order_by_reason": dict(sorted(reasons.items())),
        "totals": {
            "issued": sum(c["issued"] for c in counts.values()),
            "served": sum(c["served"] for c in counts.values()),
            "no_shows": sum(c["no_shows"] for c in counts.values()),
            "transfers": sum(c["transfers"] for c in counts.values()),
            "queue_jump_demands": sum(r["queue_jump_demands"] for r in per_desk.values()),
            "alerts": sum(e.kind == "alert.raised" for e in log),
            "incidents": sum(e.kind == "incident.opened" for e in log),
        },
    }


SUMMARY_COLUMNS = (
    "service",
    "issued",
    "served",
    "no_shows",
    "transfers",
    "wait_median_min",
    "wait_p90_min",
    "service_median_min",
)


def summary_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["from", "to", *SUMMARY_COLUMNS])
    for row in report["services"]:
        writer.writerow([report["from"], report["to"], *(row[c] for c in SUMMARY_COLUMNS)])
    writer.writerow([])
    desk_columns = (
        "desk",
        "served",
        "out_of_order_calls",
        "queue_jump_demands",
        "alerts",
        "incidents",
    )
    writer.writerow(desk_columns)
    for row in report["desks"]:
        writer.writerow([row[c] for c in desk_columns])
    return buffer.getvalue()


def _percentile(values: list[float], percent: int) -> float | None:
    """Nearest-rank percentile, so every figure is a wait somebody actually had."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))
    return round(ordered[rank - 1], 1)
