"""Fixtures for the web layer: an app on a per-test SQLite database, a test client, staff and
device credentials, and a real server on 127.0.0.1 for Socket.IO clients and the browser."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import websocket
from werkzeug.serving import make_server

from frontdesk import green
from frontdesk.app import create_app
from frontdesk.db import Database
from frontdesk.services import staff
from frontdesk.services.core import Actor, Core
from tests.support.core import office_settings

ADMIN = Actor("test-admin", "admin")
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Credentials:
    kiosk_token: str
    display_token: str
    integration_token: str


def make_web_app(core: Core, **config):
    app = create_app(core=core, TESTING=True, SECRET_KEY="test-secret", **config)
    return app


@pytest.fixture
def web_settings(tmp_path):
    """The small office, printing to a file in the test's folder (a test may override)."""
    return office_settings(printer={"backend": "file", "path": str(tmp_path / "printer.bin")})


@pytest.fixture
def web_core(web_settings, clock, sqlite_url) -> Iterator[Core]:
    db = Database(sqlite_url)
    db.create_all()
    yield Core(settings=web_settings, db=db, clock=clock)
    db.dispose()


@pytest.fixture
def app(web_core):
    app = make_web_app(web_core)
    yield app
    app.extensions["frontdesk.live"].close()
    printing = app.extensions.get("frontdesk.printing")
    if printing is not None:
        printing.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def credentials(web_core) -> Credentials:
    """Staff accounts clerk `anna`, supervisor `marek`, admin `ola` (password PASSWORD), and
    one token per device role."""
    for name, role in (("anna", "clerk"), ("marek", "supervisor"), ("ola", "admin")):
        staff.add_user(web_core, ADMIN, name, role, PASSWORD)
    return Credentials(
        kiosk_token=staff.add_token(web_core, ADMIN, "hall kiosk", "kiosk"),
        display_token=staff.add_token(web_core, ADMIN, "hall display", "display"),
        integration_token=staff.add_token(web_core, ADMIN, "booking system", "integration"),
    )


def sign_in(client, username: str) -> None:
    """Signs the test client in; from then on it sends the session's CSRF token with every
    request, as the pages do."""
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.json
    client.environ_base["HTTP_X_CSRFTOKEN"] = response.json["csrf_token"]


def page_token(client, path: str = "/login") -> str:
    """The CSRF token a page gives its scripts and forms, as a browser would read it."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found, f"{path} carries no CSRF token"
    return found[1]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class LiveServer:
    """The app served on 127.0.0.1 (WebSocket included) as the process runs: by gevent's WSGI
    server when the test run is patched for gevent (tests/gevent_run.py), as `frontdesk serve`
    serves; otherwise by a threaded werkzeug server."""

    def __init__(self, app):
        self.app = app
        if green.patched():
            from gevent.pywsgi import WSGIServer

            self.server = WSGIServer(("127.0.0.1", 0), app, log=None)
            self.server.init_socket()
            port = self.server.server_port
        else:
            self.server = make_server("127.0.0.1", 0, app, threaded=True)
            port = self.server.server_port
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> LiveServer:
        if green.patched():
            self.server.start()
        else:
            self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        live = self.app.extensions.get("frontdesk.live")
        if live is not None:
            live.close()
        if green.patched():
            self.server.stop(timeout=5)
            return
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def quick_websocket_close(monkeypatch):
    """websocket-client waits up to 3 s for the server's closing frame, which the client's own
    read loop usually takes first; half a second is plenty on loopback."""
    close = websocket.WebSocket.close
    monkeypatch.setattr(
        websocket.WebSocket,
        "close",
        lambda self, *args, timeout=0.5, **kwargs: close(self, *args, timeout=timeout, **kwargs),
    )
