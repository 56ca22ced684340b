"""Alerts over real Socket.IO connections: who hears a raised and an escalated alert, and the
desk hearing who answered."""

from __future__ import annotations

import pytest
import requests

from frontdesk.services import alerts, staff
from tests.integration.test_sockets import (  # noqa: F401  (fixtures)
    API,
    WAIT,
    screens,  # noqa: F811 (a fixture)
    session_cookie,
    web_settings,
)
from tests.support.web import ADMIN, PASSWORD

pytestmark = pytest.mark.usefixtures("quick_websocket_close")


def post(live_server, username: str, path: str, body: dict | None = None) -> dict:
    with requests.Session() as http:
        signed = http.post(
            f"{live_server.url}{API}/session",
            json={"username": username, "password": PASSWORD},
            timeout=WAIT,
        )
        http.headers["X-CSRFToken"] = signed.json()["csrf_token"]
        response = http.post(f"{live_server.url}{API}{path}", json=body, timeout=WAIT)
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_security_hears_only_escalated_alerts_and_the_desk_hears_who_answered(
    live_server,
    credentials,
    web_core,
    clock,
    screens,  # noqa: F811 (a fixture)
    session_cookie,  # noqa: F811 (a fixture)
):
    staff.add_user(web_core, ADMIN, "jan", "security", PASSWORD)
    desk = screens(cookie=session_cookie("anna"))
    supervisor = screens(cookie=session_cookie("marek"))
    guard = screens(cookie=session_cookie("jan"))
    assert guard.state["alerts"] == [] and "desks" not in guard.state

    raised = post(live_server, "anna", "/alerts", {"desk": 1, "kind": "aggression"})
    supervisor.wait_for("alert.raised", lambda a: a["id"] == raised["id"])
    clock.advance(seconds=web_core.settings.escalation_seconds)
    alerts.escalate_due(web_core)
    escalated = guard.wait_for("alert.escalated").data
    assert escalated["id"] == raised["id"]
    assert "alert.raised" not in guard.names()

    # A guard who reconnects gets the escalated alert in the snapshot.
    again = screens(cookie=session_cookie("jan"))
    assert [a["id"] for a in again.state["alerts"]] == [raised["id"]]

    post(live_server, "jan", f"/alerts/{raised['id']}/ack")
    answered = desk.wait_for("alert.acknowledged").data
    assert (answered["desk"], answered["acknowledged_by"]) == (1, "jan")
    guard.wait_for("alert.acknowledged")
