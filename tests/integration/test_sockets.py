"""Live screens: real python-socketio clients over WebSocket to the app served on 127.0.0.1.

Changes are made over HTTP (Flask's test client on the same app, so the same Socket.IO
server broadcasts them). Every wait is bounded. To show that a screen did NOT get an event,
a later change that the screen does get is used as a barrier: one server sends to one
client in order, so anything sent before the barrier has arrived by then.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import socketio
from sqlmodel import select

from frontdesk.queue.model import ApiToken, Ticket
from frontdesk.sweeper import Sweeper
from tests.support.core import office_settings
from tests.support.web import PASSWORD, bearer, sign_in

pytestmark = pytest.mark.usefixtures("quick_websocket_close")

API = "/api/v1"
WAIT = 5.0  # seconds; never reached when things work


@pytest.fixture
def web_settings():
    """Alerts escalate after 5 s (the least the settings allow); no printer."""
    return office_settings(escalation_seconds=5, printer={"backend": "none"})


@dataclass(frozen=True)
class Received:
    name: str
    data: Any
    seen: Any  # what the screen's inspector found when the event arrived


class Screen:
    """A Socket.IO client that keeps every event it receives, in order."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        headers: dict[str, str] | None = None,
        inspect: Callable[[str, Any], Any] | None = None,
    ):
        self._events: list[Received] = []
        self._changed = threading.Condition()
        self._inspect = inspect
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record)
        self.sio.connect(
            url,
            transports=["websocket"],
            auth={"token": token} if token is not None else None,
            headers={**(headers or {}), **({"Cookie": f"session={cookie}"} if cookie else {})},
            wait_timeout=WAIT,
        )
        self.state = self.wait_for("state").data

    def _record(self, name: str, *args: Any) -> None:
        data = args[0] if args else None
        seen = self._inspect(name, data) if self._inspect else None
        with self._changed:
            self._events.append(Received(name, data, seen))
            self._changed.notify_all()

    def wait_for(
        self, name: str, match: Callable[[Any], bool] = lambda data: True, timeout: float = WAIT
    ) -> Received:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event in self._events:
                    if event.name == name and match(event.data):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    got = [e.name for e in self._events]
                    raise AssertionError(f"no matching {name!r} within {timeout}s; got {got}")
                self._changed.wait(remaining)

    def names(self) -> list[str]:
        with self._changed:
            return [e.name for e in self._events]

    def named(self, name: str) -> list[Any]:
        with self._changed:
            return [e.data for e in self._events if e.name == name]

    def call(self, event: str, data: Any) -> Any:
        return self.sio.call(event, data, timeout=WAIT)

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


@pytest.fixture
def screens(live_server) -> Iterator[Callable[..., Screen]]:
    opened: list[Screen] = []

    def open_screen(**kwargs) -> Screen:
        screen = Screen(live_server.url, **kwargs)
        opened.append(screen)
        return screen

    yield open_screen
    for screen in opened:
        screen.close()


@pytest.fixture
def session_cookie(live_server, credentials) -> Callable[[str], str]:
    """Sign in over real HTTP, as the desk page does, and return the session cookie."""

    def sign_in_over_http(username: str) -> str:
        with requests.Session() as http:
            response = http.post(
                f"{live_server.url}{API}/session",
                json={"username": username, "password": PASSWORD},
                timeout=WAIT,
            )
            assert response.status_code == 200, response.text
            return http.cookies["session"]

    return sign_in_over_http


@pytest.fixture
def kiosk(client, credentials):
    def issue(service: str = "ids", language: str = "en") -> dict:
        response = client.post(
            f"{API}/tickets",
            json={"service": service, "language": language},
            headers=bearer(credentials.kiosk_token),
        )
        assert response.status_code == 201, response.json
        return response.json

    return issue


@pytest.fixture
def clerk(app, credentials):
    client = app.test_client()
    sign_in(client, "anna")
    return client


@pytest.fixture
def supervisor_http(app, credentials):
    client = app.test_client()
    sign_in(client, "marek")
    return client


def waiting(service: str, count: int) -> Callable[[dict], bool]:
    """Matches a queue.changed whose `service` queue has `count` people."""
    return lambda data: {s["code"]: s["waiting"] for s in data["services"]}[service] == count


# Snapshots


def test_a_display_gets_a_snapshot_of_calls_and_queues_but_no_desks_or_alerts(
    screens, credentials, kiosk
):
    kiosk()

    display = screens(token=credentials.display_token)

    assert display.state["calls"] == []
    assert {s["code"]: s["waiting"] for s in display.state["services"]}["ids"] == 1
    assert "alerts" not in display.state
    assert "desks" not in display.state


def test_a_signed_in_clerk_gets_desks_and_alerts_in_the_snapshot(session_cookie, screens):
    clerk = screens(cookie=session_cookie("anna"))

    assert clerk.state["alerts"] == []
    assert [d["number"] for d in clerk.state["desks"]] == [1, 2, 3, 4]
    assert "calls" in clerk.state and "services" in clerk.state


def test_a_bad_bearer_header_is_refused_not_taken_for_the_public(live_server):
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            live_server.url,
            transports=["websocket"],
            headers={"Authorization": "Bearer not-a-token"},
            wait_timeout=WAIT,
        )
    assert not client.connected


def test_a_device_token_in_the_bearer_header_connects_as_that_device(
    screens, credentials, kiosk, clerk
):
    display = screens(headers={"Authorization": f"Bearer {credentials.display_token}"})
    kiosk()
    assert clerk.post(f"{API}/desks/2/call-next").status_code == 200

    # Calls go to displays and staff only: hearing one proves the header made it a display.
    assert display.wait_for("ticket.called").data["number"] == "A001"


def test_an_anonymous_screen_gets_the_public_snapshot(screens):
    anonymous = screens()

    assert {s["code"] for s in anonymous.state["services"]} == {"ids", "cars", "cash"}
    assert "alerts" not in anonymous.state


def test_a_screen_that_reconnects_gets_a_fresh_snapshot_with_the_current_call(
    screens, credentials, kiosk, clerk
):
    kiosk()
    first = screens(token=credentials.display_token)
    first.close()
    assert clerk.post(f"{API}/desks/2/call-next").status_code == 200

    again = screens(token=credentials.display_token)

    assert [(c["number"], c["desk"]) for c in again.state["calls"]] == [("A001", 2)]


# Authentication on connect


def test_a_bad_token_on_connect_is_refused(live_server, credentials):
    with pytest.raises(socketio.exceptions.ConnectionError):
        Screen(live_server.url, token="made-up-token")


def test_a_revoked_token_on_connect_is_refused(live_server, credentials, web_core):
    with web_core.db.session(write=True) as session:
        session.exec(select(ApiToken).where(ApiToken.name == "hall display")).one().revoked = True
        session.commit()

    with pytest.raises(socketio.exceptions.ConnectionError):
        Screen(live_server.url, token=credentials.display_token)


# Calls


def test_a_display_hears_a_call_only_once_it_is_committed(
    screens, credentials, kiosk, clerk, web_core
):
    ticket = kiosk(language="uk")

    def status_in_database(name: str, data: Any) -> str | None:
        if name != "ticket.called":
            return None
        # A fresh session, as another process would see the database at this moment.
        with web_core.reading() as session:
            return session.exec(select(Ticket.status).where(Ticket.number == data["number"])).one()

    display = screens(token=credentials.display_token, inspect=status_in_database)

    assert clerk.post(f"{API}/desks/2/call-next").status_code == 200

    call = display.wait_for("ticket.called")
    assert (
        call.data | {"number": "A001", "desk": 2, "service": "ids", "language": "uk"} == call.data
    )
    assert call.seen == "called"
    assert ticket["id"] not in str(call.data), "a display never learns a ticket's secret id"


def test_a_refused_call_sends_nothing_to_the_displays(screens, credentials, kiosk, clerk):
    kiosk()
    kiosk()
    display = screens(token=credentials.display_token)
    assert clerk.post(f"{API}/desks/1/call-next").status_code == 200
    display.wait_for("ticket.called")

    refused = clerk.post(f"{API}/desks/1/call-next")  # desk 1 still holds A001

    assert refused.status_code == 409
    kiosk()  # the barrier
    display.wait_for("queue.changed", waiting("ids", 2))
    assert [call["number"] for call in display.named("ticket.called")] == ["A001"]


def test_a_recall_is_announced_to_displays_again(screens, credentials, kiosk, clerk):
    ticket = kiosk()
    display = screens(token=credentials.display_token)
    clerk.post(f"{API}/desks/1/call-next")

    assert clerk.post(f"{API}/tickets/{ticket['id']}/recall").status_code == 200

    again = display.wait_for("ticket.called", lambda data: data["recalls"] == 1)
    assert (again.data["number"], again.data["desk"]) == ("A001", 1)


def test_staff_hear_issued_tickets_and_queue_changes(session_cookie, screens, kiosk):
    clerk = screens(cookie=session_cookie("anna"))

    ticket = kiosk(service="cars")

    issued = clerk.wait_for("ticket.issued")
    assert (issued.data["id"], issued.data["number"]) == (ticket["id"], "B001")
    clerk.wait_for("queue.changed", waiting("cars", 1))


def test_a_display_does_not_hear_issued_tickets(screens, credentials, kiosk):
    display = screens(token=credentials.display_token)

    kiosk()
    display.wait_for("queue.changed", waiting("ids", 1))

    assert display.named("ticket.issued") == []


# Following one ticket from the phone


def test_an_anonymous_phone_follows_its_ticket_and_hears_its_updates(screens, kiosk, clerk):
    mine = kiosk()
    other = kiosk(service="cars")
    phone = screens()

    ack = phone.call("follow", {"ticket": mine["id"]})

    assert ack["ok"] is True
    assert (ack["ticket"]["id"], ack["ticket"]["position"]) == (mine["id"], 1)
    clerk.post(f"{API}/desks/3/call-next")  # desk 3 calls cars first: the other ticket
    clerk.post(f"{API}/tickets/{other['id']}/finish")
    clerk.post(f"{API}/desks/3/call-next")  # then the phone's own ticket

    update = phone.wait_for("ticket.updated", lambda data: data["status"] == "called")
    assert (update.data["id"], update.data["desk"]) == (mine["id"], 3)
    assert all(u["id"] == mine["id"] for u in phone.named("ticket.updated"))


def test_following_a_ticket_that_does_not_exist_is_refused(screens, kiosk, clerk):
    phone = screens()

    assert phone.call("follow", {"ticket": "made-up-id"}) == {
        "ok": False,
        "error": "unknown_ticket",
    }
    assert phone.call("follow", {"ticket": 42})["ok"] is False
    assert phone.call("follow", "not even a dict")["ok"] is False
    for bad in ("a\x00b", "x" * 2400, "../etc", ""):
        assert phone.call("follow", {"ticket": bad}) == {"ok": False, "error": "invalid_input"}

    kiosk()
    clerk.post(f"{API}/desks/1/call-next")
    phone.wait_for("queue.changed", waiting("ids", 0))
    assert phone.named("ticket.updated") == []


def test_follows_beyond_the_lookup_limit_are_refused_and_join_nothing(app, screens, kiosk, clerk):
    app.extensions["frontdesk.limiter"].reset()
    limit = int(app.extensions["frontdesk"].settings.limits.ticket_lookup.split()[0])
    phone = screens()
    mine = kiosk()
    for _ in range(limit):
        phone.call("follow", {"ticket": "no-such-ticket"})

    assert phone.call("follow", {"ticket": mine["id"]}) == {"ok": False, "error": "rate_limited"}
    clerk.post(f"{API}/desks/1/call-next")
    phone.wait_for("queue.changed", waiting("ids", 0))
    assert phone.named("ticket.updated") == []


# Alerts


def test_a_supervisor_hears_an_alert_raised_acknowledged_and_resolved(
    session_cookie, screens, clerk, supervisor_http
):
    supervisor = screens(cookie=session_cookie("marek"))

    raised = clerk.post(f"{API}/alerts", json={"desk": 2, "kind": "aggression", "silent": True})
    assert raised.status_code == 201, raised.json
    alert_id = raised.json["id"]
    heard = supervisor.wait_for("alert.raised", lambda data: data["id"] == alert_id)
    assert (heard.data["desk"], heard.data["kind"], heard.data["silent"]) == (2, "aggression", True)

    supervisor_http.post(f"{API}/alerts/{alert_id}/ack")
    acked = supervisor.wait_for("alert.acknowledged", lambda data: data["id"] == alert_id)
    assert acked.data["acknowledged_by"] == "marek"

    supervisor_http.post(f"{API}/alerts/{alert_id}/resolve")
    resolved = supervisor.wait_for("alert.resolved", lambda data: data["id"] == alert_id)
    assert resolved.data["status"] == "resolved"


def test_a_display_never_hears_alerts(session_cookie, screens, credentials, clerk, kiosk):
    display = screens(token=credentials.display_token)
    supervisor = screens(cookie=session_cookie("marek"))

    raised = clerk.post(f"{API}/alerts", json={"desk": 1, "kind": "aggression", "silent": False})
    assert raised.status_code == 201, raised.json
    supervisor.wait_for("alert.raised")
    kiosk()  # the barrier: a queue change the display does hear
    display.wait_for("queue.changed", waiting("ids", 1))

    assert [name for name in display.names() if name.startswith("alert.")] == []


def test_a_supervisor_who_connects_later_finds_the_open_alert_in_the_snapshot(
    session_cookie, screens, clerk
):
    raised = clerk.post(f"{API}/alerts", json={"desk": 1, "kind": "aggression", "silent": False})
    assert raised.status_code == 201, raised.json

    supervisor = screens(cookie=session_cookie("marek"))

    assert [a["id"] for a in supervisor.state["alerts"]] == [raised.json["id"]]


def test_an_unanswered_alert_escalates_to_the_supervisors_after_the_configured_time(
    session_cookie, screens, app, clerk, clock, kiosk
):
    supervisor = screens(cookie=session_cookie("marek"))
    raised = clerk.post(f"{API}/alerts", json={"desk": 2, "kind": "aggression", "silent": True})
    assert raised.status_code == 201, raised.json
    alert_id = raised.json["id"]
    sweeper = Sweeper(app)

    clock.advance(seconds=4)
    sweeper.sweep()
    assert supervisor.named("alert.escalated") == [], "not yet: 4 s of 5"
    clock.advance(seconds=1)
    sweeper.sweep()

    escalated = supervisor.wait_for("alert.escalated", lambda data: data["id"] == alert_id)
    assert escalated.data["escalated_at"] == "2026-03-02T08:00:05Z"
    assert escalated.data["status"] == "raised"

    clock.advance(seconds=60)
    sweeper.sweep()  # an alert escalates once, not on every sweep
    kiosk()  # the barrier
    supervisor.wait_for("queue.changed", waiting("ids", 1))
    escalations = {(e["id"], e["escalated_at"]) for e in supervisor.named("alert.escalated")}
    assert escalations == {(alert_id, "2026-03-02T08:00:05Z")}


def test_an_acknowledged_alert_does_not_escalate(
    session_cookie, screens, app, clerk, supervisor_http, clock, kiosk
):
    supervisor = screens(cookie=session_cookie("marek"))
    raised = clerk.post(f"{API}/alerts", json={"desk": 2, "kind": "aggression", "silent": True})
    assert raised.status_code == 201, raised.json
    supervisor_http.post(f"{API}/alerts/{raised.json['id']}/ack")

    clock.advance(seconds=30)
    Sweeper(app).sweep()
    kiosk()  # the barrier
    supervisor.wait_for("queue.changed", waiting("ids", 1))

    assert supervisor.named("alert.escalated") == []


def test_a_visitor_waiting_past_the_threshold_raises_one_long_wait_alert(
    session_cookie, screens, app, kiosk, clock
):
    supervisor = screens(cookie=session_cookie("marek"))
    ticket = kiosk()
    sweeper = Sweeper(app)

    clock.advance(minutes=44)
    sweeper.sweep()
    clock.advance(minutes=1)
    sweeper.sweep()

    alert = supervisor.wait_for("alert.raised", lambda data: data["kind"] == "long_wait")
    assert alert.data["ticket_id"] == ticket["id"]
    assert "A001" in alert.data["note"]
    clock.advance(minutes=10)
    sweeper.sweep()  # one alert per visitor, not one per sweep
    kiosk()  # the barrier
    supervisor.wait_for("queue.changed", waiting("ids", 2))
    assert {a["id"] for a in supervisor.named("alert.raised")} == {alert.data["id"]}


# Each event once


def test_a_clerk_following_a_ticket_hears_each_of_its_updates_once(
    session_cookie, screens, kiosk, clerk
):
    ticket = kiosk()
    desk = screens(cookie=session_cookie("anna"))
    assert desk.call("follow", {"ticket": ticket["id"]})["ok"] is True

    clerk.post(f"{API}/desks/1/call-next")
    desk.wait_for("ticket.updated", lambda data: data["status"] == "called")
    kiosk()  # the barrier
    desk.wait_for("queue.changed", waiting("ids", 1))

    assert len(desk.named("ticket.updated")) == 1


def test_a_supervisor_hears_each_alert_once(session_cookie, screens, clerk, kiosk):
    supervisor = screens(cookie=session_cookie("marek"))

    raised = clerk.post(f"{API}/alerts", json={"desk": 1, "kind": "aggression", "silent": False})
    assert raised.status_code == 201, raised.json
    supervisor.wait_for("alert.raised")
    kiosk()  # the barrier
    supervisor.wait_for("queue.changed", waiting("ids", 1))

    assert len(supervisor.named("alert.raised")) == 1
