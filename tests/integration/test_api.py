"""The JSON API under /api/v1, driven over HTTP (Flask's test client) as an integration would.

Every route of the public contract (shared/API.md) is exercised here for what it answers; who
may call what is in test_auth.py. Refused requests must leave the database as it was.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlmodel import func, select

from frontdesk.queue.model import Alert, AuditEvent, DeskState, Ticket
from tests.support.web import PASSWORD, bearer

API = "/api/v1"
TODAY = "2026-03-02"  # the FakeClock's day


# Helpers


@pytest.fixture
def kiosk(credentials) -> dict:
    return bearer(credentials.kiosk_token)


def signed_in(app, username: str):
    client = app.test_client()
    response = client.post(f"{API}/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.json
    # As the pages do: every write carries the session's CSRF token.
    client.environ_base["HTTP_X_CSRFTOKEN"] = response.json["csrf_token"]
    return client


@pytest.fixture
def clerk(app, credentials):
    return signed_in(app, "anna")


@pytest.fixture
def supervisor(app, credentials):
    return signed_in(app, "marek")


def issue(client, headers: dict | None = None, **body) -> dict:
    body = {"service": "ids", "language": "en"} | body
    response = client.post(f"{API}/tickets", json=body, headers=headers or {})
    assert response.status_code == 201, response.json
    return response.json


def post(client, path: str, status: int = 200, **kwargs):
    response = client.post(f"{API}{path}", **kwargs)
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.json


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.is_json, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def rows(core) -> dict[str, int]:
    """How many tickets, audit entries and alerts the database holds, and which desks are
    open: what a refused request must not change."""
    with core.reading() as session:
        return {
            "tickets": session.exec(select(func.count()).select_from(Ticket)).one(),
            "audit": session.exec(select(func.count()).select_from(AuditEvent)).one(),
            "alerts": session.exec(select(func.count()).select_from(Alert)).one(),
            "open_desks": session.exec(
                select(func.count()).select_from(DeskState).where(DeskState.open)
            ).one(),
        }


def stored(core, ticket_id: str) -> Ticket:
    with core.reading() as session:
        return session.get(Ticket, ticket_id)


# Services and tickets


def test_services_list_code_letter_names_and_the_live_queue_of_each(client, kiosk):
    issue(client, kiosk)
    issue(client, kiosk)

    response = client.get(f"{API}/services")

    assert response.status_code == 200
    services = {s["code"]: s for s in response.json["services"]}
    assert set(services) == {"ids", "cars", "cash"}
    for service in services.values():
        assert {"code", "letter", "names", "open", "waiting", "eta_minutes"} <= set(service)
        assert set(service["names"]) == {"pl", "uk", "en"}
        assert service["open"] is True
        assert isinstance(service["eta_minutes"], int)
    assert services["ids"]["letter"] == "A"
    assert services["ids"]["names"] == {"pl": "IDs (pl)", "uk": "IDs (uk)", "en": "IDs"}
    assert services["ids"]["waiting"] == 2
    assert services["ids"]["eta_minutes"] > 0
    assert services["cars"]["waiting"] == 0
    assert services["cars"]["eta_minutes"] == 0


def test_services_are_public(client):
    assert client.get(f"{API}/services").status_code == 200


def test_a_kiosk_issues_the_first_ticket_of_the_day_as_a001(client, kiosk):
    response = client.post(
        f"{API}/tickets",
        json={"service": "ids", "language": "uk", "needs": ["hearing"], "priority": None},
        headers=kiosk,
    )

    assert response.status_code == 201
    ticket = response.json
    assert ticket["number"] == "A001"
    assert ticket["status"] == "waiting"
    assert ticket["position"] == 1
    assert ticket["people_ahead"] == 0
    assert ticket["eta_minutes"] == 0
    assert ticket["language"] == "uk"
    assert ticket["needs"] == ["hearing"]
    assert len(ticket["id"]) >= 16, "the id is the visitor's key: it must be unguessable"
    assert ticket["status_url"].endswith(f"/t/{ticket['id']}")


def test_later_tickets_count_the_people_ahead_and_numbers_follow_per_letter(client, kiosk):
    first = issue(client, kiosk)
    second = issue(client, kiosk)
    other = issue(client, kiosk, service="cars")

    assert (first["number"], second["number"], other["number"]) == ("A001", "A002", "B001")
    assert (second["position"], second["people_ahead"]) == (2, 1)
    assert second["eta_minutes"] > 0
    assert (other["position"], other["people_ahead"]) == (1, 0)


def test_anyone_holding_the_id_can_read_the_ticket_without_signing_in(client, kiosk, app):
    issued = issue(client, kiosk)

    response = app.test_client().get(f"{API}/tickets/{issued['id']}")

    assert response.status_code == 200
    ticket = response.json
    for key in ("id", "number", "service", "status", "position", "people_ahead", "eta_minutes"):
        assert ticket[key] == issued[key]
    for key in ("desk", "issued_at", "called_at", "status_url"):
        assert key in ticket
    assert ticket["issued_at"] == "2026-03-02T08:00:00Z"
    assert ticket["called_at"] is None


def test_an_unknown_ticket_id_is_404_in_the_error_shape(client):
    assert_error(client.get(f"{API}/tickets/not-a-ticket"), 404, "unknown_ticket")


# Calling


def test_call_next_calls_the_oldest_ticket_then_answers_204_when_nobody_waits(
    client, kiosk, clerk, web_core
):
    issued = issue(client, kiosk)

    called = post(clerk, "/desks/1/call-next")

    assert called["id"] == issued["id"]
    assert called["number"] == "A001"
    assert called["status"] == "called"
    assert called["desk"] == 1
    assert called["called_at"] == "2026-03-02T08:00:00Z"
    assert stored(web_core, issued["id"]).status == "called"

    post(clerk, f"/tickets/{issued['id']}/finish")
    nothing = clerk.post(f"{API}/desks/1/call-next")
    assert nothing.status_code == 204
    assert nothing.get_data() == b""


def test_call_next_on_a_desk_that_does_not_exist_is_404(clerk):
    assert_error(clerk.post(f"{API}/desks/99/call-next"), 404, "unknown_desk")


def test_a_desk_still_serving_someone_cannot_call_the_next(client, kiosk, clerk, web_core):
    issue(client, kiosk)
    issue(client, kiosk)
    post(clerk, "/desks/1/call-next")
    before = rows(web_core)

    assert_error(clerk.post(f"{API}/desks/1/call-next"), 409, "desk_busy")
    assert rows(web_core) == before


def test_an_out_of_order_call_with_a_configured_reason_is_made_and_audited(
    client, kiosk, clerk, web_core
):
    issue(client, kiosk)
    later = issue(client, kiosk)

    called = post(clerk, f"/tickets/{later['id']}/call", json={"desk": 2, "reason": "appointment"})

    assert (called["number"], called["status"], called["desk"]) == ("A002", "called", 2)
    with web_core.reading() as session:
        entry = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "ticket.called_out_of_order")
        ).one()
    assert (entry.ticket_id, entry.reason, entry.desk) == (later["id"], "appointment", 2)
    assert entry.data["due"] == "A001"


def test_an_out_of_order_call_with_an_unknown_reason_is_refused_and_changes_nothing(
    client, kiosk, clerk, web_core
):
    issue(client, kiosk)
    later = issue(client, kiosk)
    before = rows(web_core)

    response = clerk.post(
        f"{API}/tickets/{later['id']}/call", json={"desk": 2, "reason": "friend_of_mine"}
    )

    assert_error(response, 400, "unknown_reason")
    assert rows(web_core) == before
    assert stored(web_core, later["id"]).status == "waiting"


def test_an_out_of_order_call_without_a_reason_is_refused(client, kiosk, clerk, web_core):
    ticket = issue(client, kiosk)
    before = rows(web_core)

    assert_error(
        clerk.post(f"{API}/tickets/{ticket['id']}/call", json={"desk": 2}), 400, "invalid_input"
    )
    assert rows(web_core) == before


# A ticket's life


def test_a_called_number_can_be_recalled_up_to_the_office_limit(client, kiosk, clerk, web_core):
    ticket = issue(client, kiosk)
    post(clerk, "/desks/1/call-next")

    assert post(clerk, f"/tickets/{ticket['id']}/recall")["recalls"] == 1
    assert post(clerk, f"/tickets/{ticket['id']}/recall")["recalls"] == 2
    before = rows(web_core)
    assert_error(clerk.post(f"{API}/tickets/{ticket['id']}/recall"), 409, "recall_limit_reached")
    assert rows(web_core) == before


def test_a_visit_goes_from_called_to_serving_to_done(client, kiosk, clerk):
    ticket = issue(client, kiosk)
    post(clerk, "/desks/1/call-next")

    started = post(clerk, f"/tickets/{ticket['id']}/start")
    assert started["status"] == "serving"
    assert started["started_at"] is not None

    finished = post(clerk, f"/tickets/{ticket['id']}/finish")
    assert finished["status"] == "done"
    assert finished["finished_at"] is not None


def test_a_finished_visit_cannot_be_finished_again_and_nothing_is_logged(
    client, kiosk, clerk, web_core
):
    ticket = issue(client, kiosk)
    post(clerk, "/desks/1/call-next")
    post(clerk, f"/tickets/{ticket['id']}/finish")
    before = rows(web_core)

    assert_error(clerk.post(f"{API}/tickets/{ticket['id']}/finish"), 409, "invalid_transition")
    assert_error(clerk.post(f"{API}/tickets/{ticket['id']}/start"), 409, "invalid_transition")
    assert rows(web_core) == before


def test_a_waiting_ticket_cannot_be_started(client, kiosk, clerk, web_core):
    ticket = issue(client, kiosk)
    before = rows(web_core)

    assert_error(clerk.post(f"{API}/tickets/{ticket['id']}/start"), 409, "invalid_transition")
    assert rows(web_core) == before
    assert stored(web_core, ticket["id"]).status == "waiting"


def test_a_no_show_is_reinstated_at_its_original_place(client, kiosk, clerk, clock):
    absent = issue(client, kiosk)
    clock.advance(minutes=1)
    issue(client, kiosk)
    post(clerk, "/desks/1/call-next")

    assert post(clerk, f"/tickets/{absent['id']}/no-show")["status"] == "no_show"
    clock.advance(minutes=10)
    back = post(clerk, f"/tickets/{absent['id']}/reinstate")

    assert back["status"] == "waiting"
    assert (back["position"], back["people_ahead"]) == (1, 0)
    assert post(clerk, "/desks/1/call-next")["id"] == absent["id"]


def test_a_no_show_cannot_be_reinstated_after_the_window(client, kiosk, clerk, clock, web_core):
    absent = issue(client, kiosk)
    post(clerk, "/desks/1/call-next")
    post(clerk, f"/tickets/{absent['id']}/no-show")
    clock.advance(minutes=31)
    before = rows(web_core)

    assert_error(
        clerk.post(f"{API}/tickets/{absent['id']}/reinstate"), 409, "reinstate_window_passed"
    )
    assert rows(web_core) == before
    assert stored(web_core, absent["id"]).status == "no_show"


@pytest.mark.parametrize("step", [[], ["start"]], ids=["called", "serving"])
def test_a_ticket_a_desk_holds_cannot_be_reinstated(client, kiosk, clerk, web_core, step):
    ticket = issue(client, kiosk)
    post(clerk, "/desks/1/call-next")
    for name in step:
        post(clerk, f"/tickets/{ticket['id']}/{name}")
    before = rows(web_core)

    response = clerk.post(f"{API}/tickets/{ticket['id']}/reinstate")

    assert_error(response, 409, "invalid_transition")
    assert rows(web_core) == before


def test_an_out_of_order_call_cannot_take_a_ticket_another_desk_holds(
    client, kiosk, clerk, web_core
):
    ticket = issue(client, kiosk)
    post(clerk, "/desks/1/call-next")
    colleague = signed_in(client.application, "ola")
    before = rows(web_core)

    response = colleague.post(
        f"{API}/tickets/{ticket['id']}/call", json={"desk": 2, "reason": "appointment"}
    )

    assert 400 <= response.status_code < 500
    assert rows(web_core) == before
    assert stored(web_core, ticket["id"]).desk == 1


def test_a_visitor_transferred_to_another_service_keeps_their_place(client, kiosk, clerk, clock):
    ticket = issue(client, kiosk, service="ids")
    clock.advance(minutes=1)
    issue(client, kiosk, service="cars")
    clock.advance(minutes=1)
    issue(client, kiosk, service="cars")
    # Desk 2 serves only IDs; the visitor turns out to need the car registration.
    assert post(clerk, "/desks/2/call-next")["id"] == ticket["id"]

    moved = post(clerk, f"/tickets/{ticket['id']}/transfer", json={"service": "cars"})

    assert (moved["service"], moved["status"], moved["desk"]) == ("cars", "waiting", None)
    assert (moved["position"], moved["people_ahead"]) == (1, 0)
    assert moved["number"] == "A001", "the visitor keeps the number printed on their ticket"
    # Desk 3 serves cars first: the transferred visitor comes before the cars queue.
    colleague = signed_in(client.application, "ola")
    assert post(colleague, "/desks/3/call-next")["id"] == ticket["id"]


def test_a_visitor_transferred_to_a_named_desk_is_called_there(client, kiosk, clerk):
    ticket = issue(client, kiosk, service="ids")
    issue(client, kiosk, service="ids")
    post(clerk, "/desks/2/call-next")

    moved = post(clerk, f"/tickets/{ticket['id']}/transfer", json={"desk": 1})

    assert (moved["status"], moved["target_desk"], moved["position"]) == ("waiting", 1, 1)
    colleague = signed_in(client.application, "ola")
    assert post(colleague, "/desks/1/call-next")["id"] == ticket["id"]


def test_a_no_show_past_the_reinstate_window_cannot_come_back_by_transfer(
    client, kiosk, clerk, clock, web_core
):
    absent = issue(client, kiosk)
    post(clerk, "/desks/1/call-next")
    post(clerk, f"/tickets/{absent['id']}/no-show")
    clock.advance(minutes=31)
    before = rows(web_core)

    response = clerk.post(f"{API}/tickets/{absent['id']}/transfer", json={"service": "cars"})

    assert response.status_code == 409
    assert rows(web_core) == before
    assert stored(web_core, absent["id"]).status == "no_show"


def test_a_transfer_needs_exactly_one_of_service_or_desk(client, kiosk, clerk, web_core):
    ticket = issue(client, kiosk)
    before = rows(web_core)

    assert_error(
        clerk.post(f"{API}/tickets/{ticket['id']}/transfer", json={}), 400, "invalid_input"
    )
    assert_error(
        clerk.post(f"{API}/tickets/{ticket['id']}/transfer", json={"service": "cars", "desk": 1}),
        400,
        "invalid_input",
    )
    assert_error(
        clerk.post(f"{API}/tickets/{ticket['id']}/transfer", json={"service": "boats"}),
        400,
        "unknown_service",
    )
    assert rows(web_core) == before


def test_a_declared_priority_moves_the_ticket_ahead_and_can_be_verified(
    client, kiosk, clerk, clock
):
    issue(client, kiosk)
    clock.advance(minutes=5)
    ticket = issue(client, kiosk, priority="pregnant")
    assert ticket["priority_status"] == "declared"
    assert ticket["position"] == 1, "a 30-minute boost overtakes a ticket 5 minutes older"

    checked = post(clerk, f"/tickets/{ticket['id']}/verify-priority", json={"accepted": True})

    assert checked["priority_status"] == "verified"
    assert checked["position"] == 1


def test_a_rejected_priority_puts_the_ticket_where_it_would_have_been(client, kiosk, clerk, clock):
    issue(client, kiosk)
    clock.advance(minutes=5)
    ticket = issue(client, kiosk, priority="pregnant")

    checked = post(clerk, f"/tickets/{ticket['id']}/verify-priority", json={"accepted": False})

    assert checked["priority_status"] == "rejected"
    assert (checked["position"], checked["people_ahead"]) == (2, 1)


def test_a_ticket_without_a_priority_has_nothing_to_verify(client, kiosk, clerk, web_core):
    ticket = issue(client, kiosk)
    before = rows(web_core)

    response = clerk.post(f"{API}/tickets/{ticket['id']}/verify-priority", json={"accepted": True})

    assert_error(response, 409, "no_priority_to_verify")
    assert rows(web_core) == before


@pytest.mark.parametrize("accepted", [True, False])
def test_a_priority_is_not_checked_on_a_finished_visit(client, kiosk, clerk, web_core, accepted):
    ticket = issue(client, kiosk, priority="pregnant")
    post(clerk, "/desks/2/call-next")
    post(clerk, f"/tickets/{ticket['id']}/finish")
    before = rows(web_core)

    response = clerk.post(
        f"{API}/tickets/{ticket['id']}/verify-priority", json={"accepted": accepted}
    )

    assert_error(response, 409, "invalid_transition")
    assert rows(web_core) == before
    assert (stored(web_core, ticket["id"]).status.value, stored(web_core, ticket["id"]).desk) == (
        "done",
        2,
    )


def test_a_visitor_can_cancel_their_own_ticket_with_its_id(client, kiosk, app):
    ticket = issue(client, kiosk)

    cancelled = post(app.test_client(), f"/tickets/{ticket['id']}/cancel")

    assert cancelled["status"] == "cancelled"


# Queue-jump demands


def test_a_queue_jump_demand_is_logged_and_answered_with_the_rules_in_the_visitors_language(
    client, kiosk, clerk, web_core
):
    ticket = issue(client, kiosk, language="uk")

    logged = post(
        clerk,
        "/desks/1/queue-jump-demands",
        status=201,
        json={"ticket_id": ticket["id"], "note": "insists on going first"},
    )

    assert (logged["desk"], logged["ticket_id"], logged["language"]) == (1, ticket["id"], "uk")
    rules = {r["priority"]: r for r in logged["rules"]}
    assert set(rules) == {"pregnant", "card"}
    assert rules["pregnant"]["name"] == "Pregnant (uk)"
    assert rules["pregnant"]["explanation"] == "Up to 30 min (uk)"
    assert rules["pregnant"]["boost_minutes"] == 30
    with web_core.reading() as session:
        entry = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "queue_jump.demanded")
        ).one()
    assert (entry.desk, entry.ticket_id) == (1, ticket["id"])


def test_a_queue_jump_demand_without_a_ticket_gets_the_rules_in_the_office_language(clerk):
    logged = post(clerk, "/desks/2/queue-jump-demands", status=201)

    assert logged["ticket_id"] is None
    assert {r["name"] for r in logged["rules"]} == {"Pregnant (pl)", "Card (pl)"}


def test_a_queue_jump_demand_for_an_unknown_ticket_logs_nothing(clerk, web_core):
    before = rows(web_core)

    response = clerk.post(f"{API}/desks/1/queue-jump-demands", json={"ticket_id": "nobody"})

    assert_error(response, 404, "unknown_ticket")
    assert rows(web_core) == before


# Alerts


def test_an_alert_is_raised_acknowledged_and_resolved(clerk, supervisor, web_core, clock):
    raised = post(
        clerk, "/alerts", status=201, json={"desk": 2, "kind": "aggression", "silent": True}
    )

    assert (raised["desk"], raised["kind"], raised["silent"]) == (2, "aggression", True)
    assert (raised["status"], raised["raised_by"]) == ("raised", "anna")
    alert_id = raised["id"]

    clock.advance(seconds=20)
    acked = post(supervisor, f"/alerts/{alert_id}/ack")
    assert (acked["status"], acked["acknowledged_by"]) == ("acknowledged", "marek")
    assert acked["acknowledged_at"] == "2026-03-02T08:00:20Z"

    resolved = post(supervisor, f"/alerts/{alert_id}/resolve", json={"note": "calmed down"})
    assert (resolved["status"], resolved["resolved_by"]) == ("resolved", "marek")
    assert resolved["note"] == "calmed down"

    assert_error(supervisor.post(f"{API}/alerts/{alert_id}/resolve"), 409, "alert_closed")
    with web_core.reading() as session:
        kinds = session.exec(
            select(AuditEvent.kind)
            .where(AuditEvent.kind.startswith("alert."))
            .order_by(AuditEvent.id)
        ).all()
    assert kinds == ["alert.raised", "alert.acknowledged", "alert.resolved"]


def test_the_daily_report_counts_alerts_by_kind_and_by_desk(clerk, supervisor):
    post(clerk, "/alerts", status=201, json={"desk": 2, "kind": "aggression", "silent": True})
    post(clerk, "/alerts", status=201, json={"kind": "long_wait", "note": "A001 waits long"})

    report = supervisor.get(f"{API}/reports/daily?date={TODAY}").json

    assert report["alerts_by_kind"] == {"aggression": 1, "long_wait": 1}
    assert report["totals"]["alerts"] == 2
    assert {row["desk"]: row["alerts"] for row in report["desks"]}[2] == 1


def test_an_alert_of_an_unknown_kind_is_refused_and_nothing_is_stored(clerk, web_core):
    before = rows(web_core)

    response = clerk.post(f"{API}/alerts", json={"desk": 1, "kind": "boredom", "silent": False})

    assert_error(response, 400, "unknown_alert_kind")
    assert rows(web_core) == before


def test_acknowledging_an_unknown_alert_is_404(supervisor):
    assert_error(supervisor.post(f"{API}/alerts/999/ack"), 404, "unknown_alert")


# State and reports


def test_the_state_snapshot_shows_calls_queues_desks_and_alerts_to_staff(
    client, kiosk, clerk, credentials
):
    issue(client, kiosk)
    issue(client, kiosk)
    post(clerk, "/desks/1/call-next")

    staff_view = clerk.get(f"{API}/state")
    display_view = client.get(f"{API}/state", headers=bearer(credentials.display_token))

    assert staff_view.status_code == 200
    state = staff_view.json
    assert [c["number"] for c in state["calls"]] == ["A001"]
    assert state["calls"][0]["desk"] == 1
    assert {s["code"]: s["waiting"] for s in state["services"]}["ids"] == 1
    desks = {d["number"]: d for d in state["desks"]}
    assert (desks[1]["open"], desks[1]["clerk"], desks[1]["ticket"]) == (True, "anna", "A001")
    assert state["alerts"] == []

    assert display_view.status_code == 200
    assert [c["number"] for c in display_view.json["calls"]] == ["A001"]
    assert "alerts" not in display_view.json
    assert "desks" not in display_view.json


def finish_a_day(client, kiosk, clerk, clock) -> None:
    """A001 served, A002 absent, B001 still waiting, one out-of-order call, one demand."""
    served = issue(client, kiosk)
    absent = issue(client, kiosk)
    issue(client, kiosk, service="cars")
    clock.advance(minutes=4)
    post(clerk, "/desks/2/call-next")
    post(clerk, f"/tickets/{served['id']}/start")
    clock.advance(minutes=6)
    post(clerk, f"/tickets/{served['id']}/finish")
    post(clerk, f"/tickets/{absent['id']}/call", json={"desk": 2, "reason": "appointment"})
    post(clerk, f"/tickets/{absent['id']}/no-show")
    post(clerk, "/desks/2/queue-jump-demands", status=201)


def test_the_daily_report_gives_the_days_figures_as_json(client, kiosk, clerk, supervisor, clock):
    finish_a_day(client, kiosk, clerk, clock)

    response = supervisor.get(f"{API}/reports/daily?date={TODAY}")

    assert response.status_code == 200
    report = response.json
    assert report["date"] == TODAY
    assert report["totals"]["issued"] == 3
    assert report["totals"]["served"] == 1
    assert report["totals"]["no_shows"] == 1
    assert report["totals"]["queue_jump_demands"] == 1
    services = {row["service"]: row for row in report["services"]}
    assert (services["ids"]["issued"], services["ids"]["served"]) == (2, 1)
    assert services["ids"]["max_wait_min"] == 10.0
    assert services["cars"]["still_waiting"] == 1
    desks = {row["desk"]: row for row in report["desks"]}
    assert desks[2]["served"] == 1
    assert desks[2]["out_of_order_calls"] == 1
    assert desks[2]["queue_jump_demands"] == 1
    assert [(c["number"], c["reason"]) for c in report["out_of_order_calls"]] == [
        ("A002", "appointment")
    ]


def test_the_daily_report_comes_as_csv_when_asked(client, kiosk, clerk, supervisor, clock):
    finish_a_day(client, kiosk, clerk, clock)

    response = supervisor.get(f"{API}/reports/daily?date={TODAY}", headers={"Accept": "text/csv"})

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert TODAY in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(table[0]) == [
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
    ]
    by_scope = {(row["scope"], row["id"]): row for row in table}
    ids = by_scope[("service", "ids")]
    assert (ids["issued"], ids["served"], ids["no_shows"]) == ("2", "1", "1")
    assert by_scope[("desk", "2")]["out_of_order_calls"] == "1"


def test_the_daily_report_needs_a_valid_date(supervisor):
    assert_error(supervisor.get(f"{API}/reports/daily?date=yesterday"), 400, "invalid_input")
    assert_error(supervisor.get(f"{API}/reports/daily"), 400, "invalid_input")


# The OpenAPI document

CONTRACT_PATHS = {
    ("/session", "post"),
    ("/session", "delete"),
    ("/services", "get"),
    ("/tickets", "post"),
    ("/tickets/{id}", "get"),
    ("/desks/{desk}/call-next", "post"),
    ("/tickets/{id}/call", "post"),
    ("/tickets/{id}/recall", "post"),
    ("/tickets/{id}/start", "post"),
    ("/tickets/{id}/finish", "post"),
    ("/tickets/{id}/no-show", "post"),
    ("/tickets/{id}/reinstate", "post"),
    ("/tickets/{id}/transfer", "post"),
    ("/tickets/{id}/verify-priority", "post"),
    ("/desks/{desk}/queue-jump-demands", "post"),
    ("/alerts", "post"),
    ("/alerts/{id}/ack", "post"),
    ("/alerts/{id}/resolve", "post"),
    ("/state", "get"),
    ("/reports/daily", "get"),
}


def documented(client) -> set[tuple[str, str]]:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": API}]
    return {(path, method) for path, ops in document["paths"].items() for method in ops}


def test_the_openapi_document_lists_every_route_of_the_contract(client):
    assert documented(client) >= CONTRACT_PATHS


def test_the_openapi_document_lists_every_route_the_app_serves(client, app):
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.rule == f"{API}/openapi.json":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + m[1] + "}", rule.rule[len(API) :])
        for name in ("ticket_id", "alert_id", "incident_id"):
            path = path.replace("{" + name + "}", "{id}")
        served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}

    assert served <= documented(client)


# Bad input: always a 4xx in the error shape, and nothing written


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"service": "boats", "language": "en"}, "unknown_service"),
        ({"service": "ids", "language": "de"}, "unknown_language"),
        ({"service": "ids", "language": "english"}, "invalid_input"),
        ({"service": "ids", "language": "en", "needs": ["a_pony"]}, "unknown_need"),
        ({"service": "ids", "language": "en", "priority": "vip"}, "unknown_priority"),
        ({"service": "ids", "language": "en", "colour": "red"}, "invalid_input"),
        ({"service": 7, "language": "en"}, "invalid_input"),
        ({"service": "ids", "language": "en", "needs": "hearing"}, "invalid_input"),
        ({"service": "ids"}, "invalid_input"),
        ({}, "invalid_input"),
    ],
    ids=[
        "unknown service",
        "unserved language",
        "language not a code",
        "unknown need",
        "unknown priority",
        "unknown field",
        "service not a string",
        "needs not a list",
        "no language",
        "empty body",
    ],
)
def test_a_ticket_request_that_cannot_mean_anything_is_refused_and_nothing_is_written(
    client, kiosk, web_core, body, code
):
    before = rows(web_core)

    response = client.post(f"{API}/tickets", json=body, headers=kiosk)

    assert_error(response, 400, code)
    assert rows(web_core) == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("service=ids&language=en", "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ('["ids", "en"]', "application/json"),
        ('{"service": "ids", "language": "en"}', "text/plain"),
        ("", "application/json"),
    ],
    ids=["form", "broken json", "json array", "json as text/plain", "empty"],
)
def test_a_body_that_is_not_a_json_object_is_refused_as_bad_json(
    client, kiosk, web_core, data, content_type
):
    before = rows(web_core)

    response = client.post(
        f"{API}/tickets", data=data, headers=kiosk | {"Content-Type": content_type}
    )

    assert_error(response, 400, "bad_json")
    assert rows(web_core) == before


def test_a_wrong_type_in_a_staff_request_is_refused_naming_the_field(client, kiosk, clerk):
    ticket = issue(client, kiosk)

    error = assert_error(
        clerk.post(
            f"{API}/tickets/{ticket['id']}/call", json={"desk": [2], "reason": "appointment"}
        ),
        400,
        "invalid_input",
    )
    assert "desk" in error["message"]


def test_a_string_where_a_boolean_belongs_is_refused_not_guessed(client, kiosk, clerk, web_core):
    ticket = issue(client, kiosk, priority="pregnant")
    before = rows(web_core)

    response = clerk.post(f"{API}/tickets/{ticket['id']}/verify-priority", json={"accepted": "yes"})

    assert_error(response, 400, "invalid_input")
    assert rows(web_core) == before


def test_an_unknown_desk_in_a_url_is_404_in_the_error_shape(clerk):
    assert_error(clerk.post(f"{API}/desks/42/queue-jump-demands"), 404, "unknown_desk")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/no-such-route", 404),
        ("post", "/desks/one/call-next", 404),
        ("get", "/tickets", 405),
        ("delete", "/services", 405),
    ],
    ids=["unknown path", "desk not a number", "wrong method", "delete services"],
)
def test_a_request_no_route_matches_still_gets_the_error_shape(clerk, method, path, status):
    response = getattr(clerk, method)(f"{API}{path}")

    assert response.status_code == status
    assert response.is_json, response.get_data(as_text=True)[:80]
    assert {"code", "message"} <= set(response.json["error"])


def refusal(client, kiosk, accept: str | None) -> dict:
    """The error for an unknown service, asked for in the language `accept` names."""
    headers = kiosk | ({"Accept-Language": accept} if accept else {})
    response = client.post(
        f"{API}/tickets", json={"service": "boats", "language": "en"}, headers=headers
    )
    return assert_error(response, 400, "unknown_service")


def test_the_error_message_is_in_english_for_an_english_caller(client, kiosk):
    assert refusal(client, kiosk, "en")["message"] == "There is no service called “boats”."


@pytest.mark.parametrize("language", ["pl", "uk"])
def test_the_error_message_is_in_the_callers_language(client, kiosk, language):
    english = refusal(client, kiosk, "en")
    translated = refusal(client, kiosk, f"{language},en;q=0.5")

    assert translated["code"] == english["code"]
    assert translated["message"] != english["message"]
    assert "boats" in translated["message"]


def test_an_error_for_a_caller_who_names_no_language_is_in_the_office_language(client, kiosk):
    assert refusal(client, kiosk, None) == refusal(client, kiosk, "pl")


def test_an_error_for_a_language_the_office_does_not_serve_falls_back_to_the_office_language(
    client, kiosk
):
    assert refusal(client, kiosk, "de-DE,de;q=0.9") == refusal(client, kiosk, "pl")


def test_a_refused_login_writes_nothing(client, credentials, web_core):
    before = rows(web_core)

    response = client.post(f"{API}/session", json={"username": "anna", "password": "guess"})

    assert_error(response, 401, "bad_credentials")
    assert rows(web_core) == before
