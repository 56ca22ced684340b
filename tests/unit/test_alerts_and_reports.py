"""Supervisor alerts (raise, acknowledge, escalate, resolve, long waits), queue-jump demands,
desks and the daily report, at the services level."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time

import pytest
from sqlmodel import select

from frontdesk import events as ev
from frontdesk.queue import errors, estimate
from frontdesk.queue.model import Alert, AuditEvent, Ticket
from frontdesk.services import alerts, desks, reports, tickets
from frontdesk.services.core import Actor
from frontdesk.services.views import accepting_tickets, ticket_view
from tests.support.core import CLERK, KIOSK, SUPERVISOR, office_settings


def audit_kinds(core) -> list[str]:
    with core.reading() as session:
        return [e.kind for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def test_an_alert_is_raised_acknowledged_and_resolved_with_events_for_supervisors(core, recorder):
    raised = alerts.raise_alert(core, CLERK, desk=2, kind="aggression", silent=True)
    acknowledged = alerts.acknowledge(core, SUPERVISOR, raised["id"])
    resolved = alerts.resolve(core, SUPERVISOR, raised["id"], note="Calmed down, served.")

    assert raised["status"] == "raised" and raised["silent"] is True
    assert acknowledged["acknowledged_by"] == "marek"
    assert resolved["status"] == "resolved" and resolved["note"] == "Calmed down, served."
    names = [e.name for e in recorder.events if e.name.startswith("alert.")]
    assert names == [ev.ALERT_RAISED, ev.ALERT_ACKNOWLEDGED, ev.ALERT_RESOLVED]
    assert all(
        ev.SUPERVISORS in e.rooms and ev.DISPLAYS not in e.rooms
        for e in recorder.events
        if e.name.startswith("alert.")
    )
    assert audit_kinds(core) == [
        "alert.raised",
        "alert.acknowledged",
        "alert.resolved",
        "incident.opened",
    ]


def test_a_closed_alert_cannot_be_acknowledged_again(core):
    raised = alerts.raise_alert(core, CLERK, desk=1, kind="aggression")
    alerts.resolve(core, SUPERVISOR, raised["id"])
    with pytest.raises(errors.AlertAlreadyClosed):
        alerts.acknowledge(core, SUPERVISOR, raised["id"])


def test_unknown_alert_kind_or_desk_is_refused_and_nothing_is_written(core):
    with pytest.raises(errors.UnknownAlertKind):
        alerts.raise_alert(core, CLERK, desk=1, kind="fire")
    with pytest.raises(errors.UnknownDesk):
        alerts.raise_alert(core, CLERK, desk=99, kind="aggression")
    assert audit_kinds(core) == []


def test_an_unanswered_alert_escalates_once_after_the_configured_time(core, clock, recorder):
    raised = alerts.raise_alert(core, CLERK, desk=1, kind="aggression")
    clock.advance(seconds=core.settings.escalation_seconds - 1)
    assert alerts.escalate_due(core) == []
    clock.advance(seconds=1)
    [escalated] = alerts.escalate_due(core)
    assert escalated["id"] == raised["id"] and escalated["escalated_at"] is not None
    clock.advance(minutes=5)
    assert alerts.escalate_due(core) == []  # once
    assert len(recorder.named(ev.ALERT_ESCALATED)) == 1


def test_an_acknowledged_alert_does_not_escalate(core, clock):
    raised = alerts.raise_alert(core, CLERK, desk=1, kind="aggression")
    alerts.acknowledge(core, SUPERVISOR, raised["id"])
    clock.advance(minutes=10)
    assert alerts.escalate_due(core) == []


def test_a_long_wait_raises_one_alert_per_visitor(core, clock):
    waiting = tickets.issue_ticket(core, KIOSK, service="ids", language="uk")
    clock.advance(minutes=core.settings.long_wait_minutes - 1)
    assert alerts.raise_long_wait_alerts(core) == []
    clock.advance(minutes=1)
    [alert] = alerts.raise_long_wait_alerts(core)
    assert alert["kind"] == "long_wait" and alert["ticket_id"] == waiting["id"]
    clock.advance(minutes=30)
    assert alerts.raise_long_wait_alerts(core) == []
    with core.reading() as session:
        assert len(session.exec(select(Alert)).all()) == 1


def test_a_queue_jump_demand_is_logged_against_the_desk(core):
    ticket = tickets.issue_ticket(core, KIOSK, service="ids", language="uk")
    logged = desks.log_queue_jump_demand(core, CLERK, 2, ticket_id=ticket["id"], note="loud")
    assert logged["desk"] == 2 and logged["language"] == "uk"
    with core.reading() as session:
        entry = session.exec(select(AuditEvent).where(AuditEvent.kind == "queue_jump.demanded"))
        [entry] = entry.all()
    assert entry.desk == 2 and entry.ticket_id == ticket["id"] and entry.data["note"] == "loud"


def test_the_estimate_counts_the_desks_open_and_a_busy_desk_cannot_close(core):
    def eta(ticket_id: str) -> int:
        with core.reading() as session:
            return ticket_view(core, session, session.get(Ticket, ticket_id))["eta_minutes"]

    for _ in range(3):
        last = tickets.issue_ticket(core, KIOSK, service="cars", language="pl")
    # Before any desk opens, the two desks that serve cars are counted: 10 min / 2 per call.
    two_desks = last["eta_minutes"]
    assert two_desks == round(estimate.CENTRAL * 3 * 10 / 2)
    desks.open_desk(core, CLERK, 1)
    assert eta(last["id"]) == round(estimate.CENTRAL * 3 * 10)  # only one of them is open
    desks.open_desk(core, Actor("bob", "clerk"), 3)
    assert eta(last["id"]) == two_desks
    tickets.call_next(core, CLERK, 1)
    with pytest.raises(errors.DeskBusy):
        desks.close_desk(core, CLERK, 1)


def test_the_daily_report_counts_waits_no_shows_out_of_order_calls_and_demands(core, clock):
    office = core.settings.office.zone
    first = tickets.issue_ticket(core, KIOSK, service="ids", language="pl")
    second = tickets.issue_ticket(core, KIOSK, service="ids", language="pl")
    clock.advance(minutes=10)
    tickets.call_ticket(core, CLERK, second["id"], 2, "appointment")
    tickets.finish(core, CLERK, second["id"])
    clock.advance(minutes=5)
    tickets.call_next(core, Actor("bob", "clerk"), 1)
    tickets.no_show(core, Actor("bob", "clerk"), first["id"])
    desks.log_queue_jump_demand(core, CLERK, 2)
    alerts.raise_alert(core, CLERK, desk=2, kind="aggression")

    report = reports.daily(core, clock().astimezone(office).date())

    ids = next(r for r in report["services"] if r["service"] == "ids")
    assert (ids["issued"], ids["served"], ids["no_shows"]) == (2, 1, 1)
    assert (ids["avg_wait_min"], ids["max_wait_min"]) == (12.5, 15.0)
    desk2 = next(r for r in report["desks"] if r["desk"] == 2)
    assert desk2["out_of_order_calls"] == 1 and desk2["queue_jump_demands"] == 1
    assert desk2["alerts"] == 1 and desk2["served"] == 1
    assert report["out_of_order_calls"][0]["reason"] == "appointment"
    assert report["out_of_order_calls"][0]["due"] == "A001"
    assert report["totals"]["alerts"] == 1

    rows = list(csv.DictReader(io.StringIO(reports.as_csv(report))))
    assert rows[0]["scope"] == "service" and rows[0]["id"] == "ids" and rows[0]["issued"] == "2"


def test_tickets_are_issued_only_within_opening_hours_and_before_the_last_ticket_time():
    settings = office_settings(
        office={
            "name": "Test Office",
            "timezone": "Europe/Warsaw",
            "enforce_hours": True,
            "hours": {"mon": {"opens": "08:00:00", "closes": "16:00:00"}},
        }
    )
    ids = settings.service("ids").model_copy(update={"last_ticket": time(15, 0)})

    def monday(hour: int, minute: int = 0) -> datetime:
        # 2 March 2026 is a Monday; Warsaw is UTC+1 in winter.
        return datetime(2026, 3, 2, hour - 1, minute, tzinfo=UTC)

    assert not accepting_tickets(settings, ids, monday(7, 59), 0)
    assert accepting_tickets(settings, ids, monday(8), 0)
    assert accepting_tickets(settings, ids, monday(15), 0)
    assert not accepting_tickets(settings, ids, monday(15, 1), 0)  # past the last ticket
    assert not accepting_tickets(settings, ids, datetime(2026, 3, 3, 9, tzinfo=UTC), 0)  # Tue
    assert not accepting_tickets(settings, ids, monday(9), ids.daily_cap)
