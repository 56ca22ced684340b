"""Incident reports: what happened at a desk, documented for an internal inquiry or the
authorities. Each one is opened, prefilled, when a desk's alert is resolved
(services/alerts.resolve); the supervisor and the clerk complete it.

Who may read and complete which report is decided here and nowhere else (READ_SCOPE): a clerk's
account of an aggressive visitor is sensitive, so every role sees only what it has to.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import false
from sqlmodel import col, select

from frontdesk.queue import errors, rules
from frontdesk.queue.model import IncidentReport
from frontdesk.services.core import Actor, Core
from frontdesk.services.views import iso

TEXT_FIELDS = {
    "what_happened": 4000,
    "what_was_said": 4000,
    "witnesses": 2000,
    "actions_taken": 4000,
}
FLAG_FIELDS = ("police_called", "medical_called")

# role -> (which reports it may read, whether it may add to them). "all", or the report's
# field that must name the reader: the clerk reads the reports of their own desk's alerts,
# the guard those they answered. Roles not listed read none.
READ_SCOPE: dict[str, tuple[str, bool]] = {
    "admin": ("all", True),
    "supervisor": ("all", True),
    "clerk": ("clerk", True),
    "security": ("responder", False),
}

CSV_COLUMNS = (
    "id",
    "date",
    "time",
    "desk",
    "ticket",
    "clerk",
    "kind",
    "responder",
    "what_happened",
    "what_was_said",
    "witnesses",
    "actions_taken",
    "police_called",
    "medical_called",
    "created_by",
    "updated_by",
    "updated_at",
)


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    desk: int | None = None
    kind: str | None = None
    clerk: str | None = None


def may_read(actor: Actor, report: IncidentReport) -> bool:
    scope = READ_SCOPE.get(actor.role)
    if scope is None:
        return False
    field = scope[0]
    return field == "all" or getattr(report, field) == actor.name


def may_edit(actor: Actor, report: IncidentReport) -> bool:
    return may_read(actor, report) and READ_SCOPE[actor.role][1]


def listing(core: Core, actor: Actor, filters: Filters = Filters()) -> list[dict]:
    scope = READ_SCOPE.get(actor.role)
    statement = select(IncidentReport).order_by(col(IncidentReport.occurred_at).desc())
    if scope is None:
        statement = statement.where(false())
    elif scope[0] != "all":
        statement = statement.where(getattr(IncidentReport, scope[0]) == actor.name)
    if filters.since is not None:
        statement = statement.where(IncidentReport.office_day >= filters.since)
    if filters.until is not None:
        statement = statement.where(IncidentReport.office_day <= filters.until)
    if filters.desk is not None:
        statement = statement.where(IncidentReport.desk == filters.desk)
    if filters.kind:
        statement = statement.where(IncidentReport.kind == filters.kind)
    if filters.clerk:
        statement = statement.where(IncidentReport.clerk == filters.clerk)
    with core.reading() as session:
        return [report_view(core, actor, r) for r in session.exec(statement).all()]


def get(core: Core, actor: Actor, report_id: int) -> dict:
    with core.reading() as session:
        report = session.get(IncidentReport, report_id)
        # A report the caller may not read is as absent as one that does not exist: its
        # existence alone says something happened at someone's desk.
        if report is None or not may_read(actor, report):
            raise errors.UnknownIncident(incident=report_id)
        return report_view(core, actor, report)


def update(core: Core, actor: Actor, report_id: int, changes: dict) -> dict:
    """Complete a report. Only the fields given change; each change is logged by field name
    (the text itself stays in the report, not in the append-only log)."""
    for name, value in changes.items():
        if name in TEXT_FIELDS:
            if not isinstance(value, str) or len(value) > TEXT_FIELDS[name]:
                raise errors.InvalidInput(field=name)
        elif name in FLAG_FIELDS:
            if not isinstance(value, bool):
                raise errors.InvalidInput(field=name)
        else:
            raise errors.InvalidInput(field=name)
    with core.unit_of_work() as uow:
        report = uow.session.get(IncidentReport, report_id)
        if report is None or not may_read(actor, report):
            raise errors.UnknownIncident(incident=report_id)
        if not may_edit(actor, report):
            raise errors.IncidentReadOnly(incident=report_id)
        changed = sorted(n for n, v in changes.items() if getattr(report, n) != v)
        for name in changed:
            setattr(report, name, changes[name])
        if changed:
            report.updated_by, report.updated_at = actor.name, uow.now
            uow.log("incident.updated", actor, desk=report.desk, incident=report.id, fields=changed)
        uow.session.add(report)
        uow.session.flush()
        view = report_view(core, actor, report)
        uow.commit()
    return view


def report_view(core: Core, actor: Actor, report: IncidentReport) -> dict:
    local = rules.local_time(report.occurred_at, core.settings.office.zone)
    return {
        "id": report.id,
        "alert_id": report.alert_id,
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "occurred_at": iso(report.occurred_at),
        "desk": report.desk,
        "ticket_id": report.ticket_id,
        "ticket_number": report.ticket_number,
        "clerk": report.clerk,
        "kind": report.kind,
        "responder": report.responder,
        **{name: getattr(report, name) for name in (*TEXT_FIELDS, *FLAG_FIELDS)},
        "created_by": report.created_by,
        "created_at": iso(report.created_at),
        "updated_by": report.updated_by,
        "updated_at": iso(report.updated_at),
        "may_edit": may_edit(actor, report),
    }


def as_csv(reports: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for r in reports:
        writer.writerow(
            [
                r["id"],
                r["date"],
                r["time"],
                r["desk"],
                r["ticket_number"] or "",
                r["clerk"],
                r["kind"],
                r["responder"] or "",
                *(_cell(r[name]) for name in TEXT_FIELDS),
                *("yes" if r[name] else "no" for name in FLAG_FIELDS),
                r["created_by"],
                r["updated_by"] or "",
                r["updated_at"] or "",
            ]
        )
    return buffer.getvalue()


def _cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: a visitor's words
    # quoted in a report must stay words.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
