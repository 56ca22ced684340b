"""Alerts as the supervisor's tablet and building security hear them, and the incident reports
they leave behind: who may read and complete which report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from frontdesk import events as ev
from frontdesk.queue import errors
from frontdesk.services import alerts, desks, incidents, tickets
from frontdesk.services.core import Actor
from tests.support.core import CLERK, KIOSK, SMALL_OFFICE, SUPERVISOR, office_settings

GUARD = Actor("jan", "security")
OTHER_CLERK = Actor("ewa", "clerk")
ADMIN = Actor("ola", "admin")


def serve_one(core, desk: int = 1) -> dict:
    tickets.issue_ticket(core, KIOSK, service="ids", language="uk")
    desks.open_desk(core, CLERK, desk)
    return tickets.call_next(core, CLERK, desk)


def resolved_report(core, clerk: Actor = CLERK, desk: int = 1) -> dict:
    raised = alerts.raise_alert(core, clerk, desk=desk, kind="aggression")
    alerts.acknowledge(core, GUARD, raised["id"])
    closed = alerts.resolve(core, SUPERVISOR, raised["id"])
    return incidents.get(core, SUPERVISOR, closed["incident_id"])


def test_an_alert_from_a_desk_names_the_visitor_at_that_desk(core):
    called = serve_one(core)
    raised = alerts.raise_alert(core, CLERK, desk=1, kind="aggression", silent=True)
    assert (raised["ticket_id"], raised["ticket_number"]) == (called["id"], "A001")
    assert raised["raised_by"] == "anna"


def test_an_alert_from_an_empty_desk_names_no_ticket(core):
    raised = alerts.raise_alert(core, CLERK, desk=2, kind="aggression")
    assert raised["ticket_id"] is None and raised["ticket_number"] is None


def test_security_hears_an_alert_only_once_it_is_escalated_and_then_how_it_ends(
    core, clock, recorder
):
    raised = alerts.raise_alert(core, CLERK, desk=1, kind="aggression")
    [event] = recorder.named(ev.ALERT_RAISED)
    assert ev.SECURITY not in event.rooms and ev.STAFF in event.rooms

    clock.advance(seconds=core.settings.escalation_seconds)
    [escalated] = alerts.escalate_due(core)
    assert escalated["id"] == raised["id"]
    [event] = recorder.named(ev.ALERT_ESCALATED)
    assert {ev.SUPERVISORS, ev.SECURITY} <= set(event.rooms)

    acknowledged = alerts.acknowledge(core, GUARD, raised["id"])
    assert acknowledged["acknowledged_by"] == "jan"
    [event] = recorder.named(ev.ALERT_ACKNOWLEDGED)
    assert ev.SECURITY in event.rooms and ev.STAFF in event.rooms


def test_a_kind_can_escalate_sooner_than_the_office_default(clock, recorder, sqlite_url):
    from frontdesk.db import Database
    from frontdesk.services.core import Core

    kinds = [
        {**SMALL_OFFICE["alert_kinds"][0]},
        {"id": "medical", "names": SMALL_OFFICE["alert_kinds"][0]["names"]},
        SMALL_OFFICE["alert_kinds"][1],
    ]
    kinds[1]["escalation_seconds"] = 10
    settings = office_settings(alert_kinds=kinds, escalation_seconds=60)
    db = Database(sqlite_url)
    db.create_all()
    core = Core(settings=settings, db=db, clock=clock, listeners=[recorder])
    try:
        medical = alerts.raise_alert(core, CLERK, desk=1, kind="medical")
        aggression = alerts.raise_alert(core, CLERK, desk=2, kind="aggression")
        clock.advance(seconds=10)
        assert [a["id"] for a in alerts.escalate_due(core)] == [medical["id"]]
        clock.advance(seconds=50)
        assert [a["id"] for a in alerts.escalate_due(core)] == [aggression["id"]]
        assert alerts.escalate_due(core) == []
    finally:
        db.dispose()


def test_resolving_a_desk_alert_opens_a_report_prefilled_from_the_alert(core, clock):
    serve_one(core, desk=1)
    raised = alerts.raise_alert(core, CLERK, desk=1, kind="aggression")
    alerts.acknowledge(core, SUPERVISOR, raised["id"])
    clock.advance(minutes=5)
    closed = alerts.resolve(core, SUPERVISOR, raised["id"], note="Shouting, calmed down.")

    report = incidents.get(core, SUPERVISOR, closed["incident_id"])
    # 08:00 UTC on 2 March is 09:00 in Warsaw: the report speaks the office's time.
    assert (report["date"], report["time"]) == ("2026-03-02", "09:00")
    assert (report["desk"], report["ticket_number"], report["clerk"]) == (1, "A001", "anna")
    assert (report["kind"], report["responder"]) == ("aggression", "marek")
    assert report["what_happened"] == "Shouting, calmed down."
    assert report["police_called"] is False and report["alert_id"] == raised["id"]


def test_a_long_wait_alert_leaves_no_incident_report(core, clock):
    tickets.issue_ticket(core, KIOSK, service="ids", language="pl")
    clock.advance(minutes=core.settings.long_wait_minutes + 1)
    [alert] = alerts.raise_long_wait_alerts(core)
    assert alert["ticket_number"] == "A001"
    assert alerts.resolve(core, SUPERVISOR, alert["id"])["incident_id"] is None


# (who reads, the report's clerk, the report's responder) -> may read, may complete
MATRIX = [
    (ADMIN, True, True),
    (SUPERVISOR, True, True),
    (CLERK, True, True),  # the report's own clerk
    (OTHER_CLERK, False, False),
    (GUARD, True, False),  # the guard who answered the alert
    (Actor("piotr", "security"), False, False),
    (Actor("hall display", "display"), False, False),
    (Actor("booking system", "integration"), False, False),
    (KIOSK, False, False),
]


@pytest.mark.parametrize(("reader", "reads", "completes"), MATRIX, ids=lambda a: str(a))
def test_the_role_matrix_says_who_may_read_and_complete_a_report(core, reader, reads, completes):
    report = resolved_report(core)
    listed = [r["id"] for r in incidents.listing(core, reader)]
    assert listed == ([report["id"]] if reads else [])
    if reads:
        assert incidents.get(core, reader, report["id"])["may_edit"] is completes
    else:
        # Indistinguishable from a report that does not exist.
        with pytest.raises(errors.UnknownIncident):
            incidents.get(core, reader, report["id"])
    change = {"witnesses": "Pani z kolejki"}
    if completes:
        assert incidents.update(core, reader, report["id"], change)["witnesses"] == "Pani z kolejki"
    else:
        with pytest.raises((errors.UnknownIncident, errors.IncidentReadOnly)):
            incidents.update(core, reader, report["id"], change)
        assert incidents.get(core, SUPERVISOR, report["id"])["witnesses"] == ""


def test_completing_a_report_logs_which_fields_changed_and_refuses_unknown_ones(core):
    report = resolved_report(core)
    updated = incidents.update(
        core,
        CLERK,
        report["id"],
        {"what_was_said": "Threats", "police_called": True, "witnesses": ""},
    )
    assert updated["police_called"] is True and updated["updated_by"] == "anna"
    with pytest.raises(errors.InvalidInput):
        incidents.update(core, CLERK, report["id"], {"clerk": "someone else"})
    with pytest.raises(errors.InvalidInput):
        incidents.update(core, CLERK, report["id"], {"police_called": "yes"})


def test_reports_are_filtered_by_day_desk_kind_and_clerk(core, clock):
    first = resolved_report(core, CLERK, desk=1)
    clock.advance(days=1)
    second = resolved_report(core, OTHER_CLERK, desk=2)
    ids = lambda **f: [r["id"] for r in incidents.listing(core, SUPERVISOR, incidents.Filters(**f))]  # noqa: E731
    day_one = clock.now.date() - timedelta(days=1)
    assert ids() == [second["id"], first["id"]]
    assert ids(until=day_one) == [first["id"]]
    assert ids(since=clock.now.date()) == [second["id"]]
    assert ids(desk=2) == [second["id"]]
    assert ids(clerk="anna") == [first["id"]]
    assert ids(kind="medical") == []


def test_the_csv_keeps_a_visitors_words_from_running_as_a_formula(core):
    report = resolved_report(core)
    incidents.update(core, SUPERVISOR, report["id"], {"what_was_said": "=HYPERLINK(1)"})
    rows = list(csv.DictReader(io.StringIO(incidents.as_csv(incidents.listing(core, SUPERVISOR)))))
    assert rows[0]["what_was_said"] == "'=HYPERLINK(1)"
    assert (rows[0]["desk"], rows[0]["clerk"], rows[0]["police_called"]) == ("1", "anna", "no")
