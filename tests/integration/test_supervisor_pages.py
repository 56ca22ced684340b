"""The supervisor's pages through HTTP: who may open which, the incident report form, the
reports page's figures and CSV, and the board's read model."""

from __future__ import annotations

import csv
import io

import pytest

from frontdesk.services import alerts, desks, staff, tickets
from frontdesk.services.core import Actor
from tests.support.core import CLERK, KIOSK, SUPERVISOR
from tests.support.web import ADMIN, PASSWORD, page_token, sign_in


@pytest.fixture
def guard(web_core, credentials):
    staff.add_user(web_core, ADMIN, "jan", "security", PASSWORD)
    return Actor("jan", "security")


def incident(web_core, clerk=CLERK, responder=SUPERVISOR) -> int:
    raised = alerts.raise_alert(web_core, clerk, desk=1, kind="aggression")
    alerts.acknowledge(web_core, responder, raised["id"])
    return alerts.resolve(web_core, SUPERVISOR, raised["id"])["incident_id"]


@pytest.mark.parametrize(
    ("user", "board", "reports", "incidents"),
    [
        ("marek", 200, 200, 200),
        ("ola", 200, 200, 200),
        ("anna", 403, 403, 200),
        ("jan", 200, 403, 200),
    ],
)
def test_each_role_opens_only_its_supervisor_pages(client, guard, user, board, reports, incidents):
    sign_in(client, user)
    assert client.get("/supervisor").status_code == board
    assert client.get("/supervisor/reports").status_code == reports
    assert client.get("/supervisor/incidents").status_code == incidents


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    for path in ("/supervisor", "/supervisor/incidents", "/supervisor/reports"):
        assert client.get(path).status_code == 302


def test_the_clerk_completes_their_report_through_the_form_and_another_clerk_cannot_see_it(
    client, web_core, credentials
):
    staff.add_user(web_core, ADMIN, "ewa", "clerk", PASSWORD)
    report = incident(web_core)
    sign_in(client, "anna")
    page = client.get(f"/supervisor/incidents/{report}").get_data(as_text=True)
    assert 'name="what_was_said"' in page and "anna" in page
    token = page_token(client, f"/supervisor/incidents/{report}")
    saved = client.post(
        f"/supervisor/incidents/{report}",
        data={
            "csrf_token": token,
            "what_happened": "Shouted and threw the form.",
            "what_was_said": "",
            "witnesses": "Desk 2",
            "actions_taken": "Supervisor spoke to him.",
            "police_called": "yes",
        },
    )
    assert saved.status_code == 302
    got = client.get(f"/api/v1/incidents/{report}").json
    assert got["police_called"] is True and got["medical_called"] is False
    assert got["what_happened"] == "Shouted and threw the form." and got["updated_by"] == "anna"

    other = client.application.test_client()
    sign_in(other, "ewa")
    assert other.get(f"/supervisor/incidents/{report}").status_code == 404
    assert other.get(f"/api/v1/incidents/{report}").status_code == 404
    assert other.get("/api/v1/incidents").json == {"incidents": []}


def test_security_reads_the_report_of_an_alert_they_answered_but_cannot_change_it(
    client, web_core, guard
):
    report = incident(web_core, responder=guard)
    sign_in(client, "jan")
    assert client.get(f"/api/v1/incidents/{report}").json["may_edit"] is False
    refused = client.patch(f"/api/v1/incidents/{report}", json={"witnesses": "me"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "incident_read_only"
    assert client.get("/api/v1/board").status_code == 403


def test_incidents_export_as_csv_with_filters(client, web_core, credentials):
    incident(web_core)
    sign_in(client, "marek")
    response = client.get(
        "/api/v1/incidents?desk=1&kind=aggression", headers={"Accept": "text/csv"}
    )
    assert response.mimetype == "text/csv"
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert (row["desk"], row["kind"], row["clerk"]) == ("1", "aggression", "anna")
    assert client.get("/api/v1/incidents?desk=2").json == {"incidents": []}
    assert client.get("/api/v1/incidents?from=yesterday").status_code == 400
    assert client.get("/supervisor/incidents?format=csv").mimetype == "text/csv"


def test_the_reports_page_draws_its_charts_and_matches_the_days_events(
    client, web_core, clock, credentials
):
    desks.open_desk(web_core, CLERK, 1)
    first = tickets.issue_ticket(web_core, KIOSK, service="ids", language="pl")
    tickets.issue_ticket(web_core, KIOSK, service="ids", language="pl")
    clock.advance(minutes=10)
    tickets.call_next(web_core, CLERK, 1)
    tickets.start(web_core, CLERK, first["id"])
    clock.advance(minutes=4)
    tickets.finish(web_core, CLERK, first["id"])
    clock.advance(minutes=10)
    second = tickets.call_next(web_core, CLERK, 1)
    tickets.no_show(web_core, CLERK, second["id"])
    incident(web_core)

    sign_in(client, "marek")
    page = client.get("/supervisor/reports?from=2026-03-02").get_data(as_text=True)
    assert (
        page.count("<svg") == 4 and "<script" not in page.split("<main", 1)[1].split("</main>")[0]
    )
    figures = client.get("/supervisor/reports?from=2026-03-02&format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(figures)))
    ids = next(r for r in rows if len(r) > 2 and r[2] == "ids")
    # issued 2, served 1, no-shows 1, waits 10 and 24 minutes, one visit of 4 minutes
    assert ids[3:] == ["2", "1", "1", "0", "10.0", "24.0", "4.0"]
    assert client.get("/supervisor/reports?from=2026-03-05&to=2026-03-01").status_code == 200


def test_the_board_gives_longest_waits_and_who_has_waited_too_long(
    client, web_core, clock, credentials
):
    tickets.issue_ticket(web_core, KIOSK, service="cars", language="pl")
    clock.advance(minutes=web_core.settings.long_wait_minutes + 2)
    sign_in(client, "marek")
    board = client.get("/api/v1/board").json
    cars = next(s for s in board["services"] if s["code"] == "cars")
    assert cars["longest_wait_minutes"] == web_core.settings.long_wait_minutes + 2
    assert board["long_waits"] == [
        {"number": "B001", "service": "cars", "minutes": web_core.settings.long_wait_minutes + 2}
    ]
