"""Socket.IO events fuzzed against `frontdesk serve` (gevent, as in production): `follow`,
`heartbeat` and unknown events with random payloads, malformed credentials on connect, and
malformed Socket.IO packets on a raw WebSocket. The server never fails (no traceback in its
log), the fuzzing client is still answered afterwards, and a display connected throughout is
never disconnected and still hears the next call.

Bounded and repeatable: a fixed number of examples, derandomized."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
import requests
import socketio
import websocket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.served import REPO, OfficeFolder, Server

WAIT = 10
FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
ticket_ids = st.text(max_size=80) | st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
payloads = (
    json_values
    | st.binary(max_size=64)
    | st.fixed_dictionaries({"ticket": ticket_ids | json_values})
    | st.fixed_dictionaries({"ticket": ticket_ids}, optional={"extra": json_values})
)
# The client library keeps these names for itself.
RESERVED = {"connect", "connect_error", "disconnect", "message"}
event_names = st.sampled_from(["follow", "heartbeat"]) | st.text(min_size=1, max_size=30).filter(
    lambda name: name not in RESERVED
)


class Bystander:
    """A hall display that must stay connected and keep hearing calls while others fuzz."""

    def __init__(self, url: str, token: str):
        self.calls: list[Any] = []
        self.disconnects = 0
        self.heard = threading.Event()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("ticket.called", self._called)
        self.sio.on("disconnect", self._gone)
        self.sio.connect(url, transports=["websocket"], auth={"token": token}, wait_timeout=WAIT)

    def _called(self, data: Any) -> None:
        self.calls.append(data)
        self.heard.set()

    def _gone(self, *args: Any) -> None:
        self.disconnects += 1


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    office = OfficeFolder(
        tmp_path_factory.mktemp("socket-fuzz"),
        # The follow budget is a limit of its own (tested elsewhere); here it would only turn
        # the fuzz's follows into refusals before they reach the code under test.
        replace={'ticket_lookup = "120 per minute"': 'ticket_lookup = "100000 per minute"'},
    )
    office.run("db", "upgrade")
    office.user("fuzz-clerk", "clerk", "fuzz-test-password")
    kiosk, display = office.token("kiosk"), office.token("display")
    with Server(office) as server:
        bystander = Bystander(server.url, display)
        yield server, kiosk, bystander
        bystander.sio.disconnect()
    ours = [trace for trace in tracebacks(server.log_path.read_text()) if fails_in_our_code(trace)]
    assert not ours, "\n\n".join(ours)


def tracebacks(log: str) -> list[str]:
    return ["Traceback" + part for part in log.split("Traceback")[1:]]


def fails_in_our_code(trace: str) -> bool:
    """Whether the innermost frame is ours, or Flask-SocketIO calling our handlers.

    Malformed packets also make python-socketio and python-engineio log errors of their own
    (an empty packet, an event packet without a list, bytes that are not a packet type): they
    drop that packet or close that one connection, and the other clients are unaffected
    (test_the_display_stayed_connected...)."""
    frames = [line for line in trace.splitlines() if line.lstrip().startswith('File "')]
    if not frames:
        return False
    innermost = frames[-1]
    ours = f'"{REPO}/' in innermost and "site-packages" not in innermost
    return ours or "flask_socketio" in innermost


@pytest.fixture(scope="module")
def client(served):
    server, _, _ = served
    sio = socketio.Client(reconnection=False)
    sio.connect(server.url, transports=["websocket"], wait_timeout=WAIT)
    yield sio
    sio.disconnect()


def still_answered(sio: socketio.Client) -> None:
    assert sio.connected
    answer = sio.call("heartbeat", None, timeout=WAIT)
    assert answer["ok"] is True


@settings(FUZZ, max_examples=150)
@given(name=event_names, payload=payloads)
def test_random_events_never_fail_the_server(served, client, name, payload):
    if name == "follow":
        answer = client.call("follow", payload, timeout=WAIT)
        assert isinstance(answer, dict) and answer["ok"] is False, answer
        assert answer["error"] in ("invalid_input", "unknown_ticket"), answer
    elif name == "heartbeat":
        assert client.call("heartbeat", payload, timeout=WAIT)["ok"] is True
    else:
        client.emit(name, payload)
        still_answered(client)


auth_values = json_values | st.fixed_dictionaries({"token": json_values | st.text(max_size=200)})
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=120).map(
    str.strip
)
FOLLOW_NOTHING = '421["follow",{"ticket":"' + "x" * 22 + '"}]'


def raw_socket(server: Server, headers: list[str] | None = None) -> websocket.WebSocket:
    """A WebSocket speaking Socket.IO by hand: any packet can be sent, and it is quick to open
    and close (the client library takes seconds to give up on a refused connection)."""
    url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, timeout=WAIT, header=headers or [])
    assert ws.recv().startswith("0")  # engine.io open
    return ws


def next_packet(ws: websocket.WebSocket, *prefixes: str) -> str:
    while True:
        packet = ws.recv()
        if packet == "2":  # engine.io ping
            ws.send("3")
        elif isinstance(packet, str) and packet.startswith(prefixes):
            return packet


@settings(FUZZ, max_examples=60)
@given(
    auth=st.none() | auth_values,
    authorization=st.none() | header_values.map(lambda value: "Bearer " + value) | header_values,
    cookie=st.none() | header_values.map(lambda value: "session=" + value),
)
def test_malformed_credentials_on_connect_are_refused_or_public(
    served, auth, authorization, cookie
):
    server, _, _ = served
    headers = [f"Authorization: {authorization}"] if authorization else []
    headers += [f"Cookie: {cookie}"] if cookie else []
    ws = raw_socket(server, headers)
    try:
        ws.send("40" + ("" if auth is None else json.dumps(auth)))
        answer = next_packet(ws, "40", "44")
        if answer.startswith("44"):
            return  # refused: fine, as long as the server stays whole (checked at the end)
        # Whatever it sent, it is at most public: a follow of nothing is refused plainly.
        ws.send(FOLLOW_NOTHING)
        reply = json.loads(next_packet(ws, "431")[3:])
        assert reply == [{"ok": False, "error": "unknown_ticket"}]
    finally:
        ws.close()


packets = st.one_of(
    st.text(max_size=60),
    st.text(max_size=60).map(lambda text: "42" + text),
    json_values.map(lambda value: "42" + json.dumps(value)),
    st.tuples(st.text(max_size=20), json_values).map(lambda p: "42" + json.dumps(list(p))),
    st.integers(0, 9).map(lambda n: f"4{n}"),
    st.binary(max_size=40),
)


@settings(FUZZ, max_examples=40)
@given(frames=st.lists(packets, min_size=1, max_size=5))
def test_malformed_packets_on_a_raw_websocket_close_at_most_that_connection(served, frames):
    server, _, _ = served
    ws = raw_socket(server)
    try:
        ws.send("40")  # join the namespace as a public client
        for frame in frames:
            if isinstance(frame, bytes):
                ws.send_binary(frame)
            else:
                ws.send(frame)
    except (websocket.WebSocketException, OSError):
        pass  # the server may close a connection that speaks nonsense: that one only
    finally:
        ws.close()


def test_the_display_stayed_connected_and_hears_the_next_call(served, client):
    """Runs after the fuzz above (file order): the bystander heard no disconnect."""
    server, kiosk, bystander = served
    still_answered(client)
    assert bystander.sio.connected and bystander.disconnects == 0
    api = f"{server.url}/api/v1"
    requests.post(
        f"{api}/tickets",
        json={"service": "registration", "language": "pl", "print": False},
        headers={"Authorization": f"Bearer {kiosk}"},
        timeout=WAIT,
    ).raise_for_status()
    clerk = requests.Session()
    signed_in = clerk.post(
        f"{api}/session",
        json={"username": "fuzz-clerk", "password": "fuzz-test-password"},
        timeout=WAIT,
    )
    clerk.headers["X-CSRFToken"] = signed_in.json()["csrf_token"]
    clerk.post(f"{api}/desks/1/open", timeout=WAIT).raise_for_status()
    assert clerk.post(f"{api}/desks/1/call-next", timeout=WAIT).status_code == 200
    deadline = time.monotonic() + WAIT
    while not bystander.heard.is_set() and time.monotonic() < deadline:
        bystander.heard.wait(0.2)
    assert bystander.calls and bystander.calls[-1]["desk"] == 1
