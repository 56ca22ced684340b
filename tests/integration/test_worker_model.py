"""The worker model: gevent in `frontdesk serve` and in gunicorn's gevent worker.

Every screen and phone holds a WebSocket. With one thread per connection, the hundredth idle
phone stopped HTTP for everyone; here hundreds of idle sockets must leave the server answering.
And the database drivers must cooperate with gevent: a PostgreSQL query must not freeze the
process, SQLite writers must take turns without "database is locked"."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest
import requests
import websocket

from tests.support.served import OfficeFolder, Server

IDLE_SOCKETS = 300
# A slow answer on a loaded machine is fine; a server that stopped answering is not.
ANSWER_WITHIN = 15.0


class RawScreen:
    """One Socket.IO connection spoken by hand (Engine.IO 4 over a WebSocket), so a test can
    hold hundreds of them without a thread each."""

    def __init__(self, url: str, token: str | None = None):
        ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(ws_url, timeout=ANSWER_WITHIN)
        opened = self.ws.recv()
        assert opened.startswith("0"), opened
        self.ws.send("40" + (json.dumps({"token": token}) if token else ""))

    def next_event(self) -> tuple[str, dict]:
        while True:
            packet = self.ws.recv()
            if packet == "2":  # the server's ping
                self.ws.send("3")
            elif packet.startswith("42"):
                name, payload = json.loads(packet[2:])
                return name, payload

    def wait_for(self, name: str) -> dict:
        deadline = time.monotonic() + ANSWER_WITHIN
        while time.monotonic() < deadline:
            got, payload = self.next_event()
            if got == name:
                return payload
        raise AssertionError(f"no {name} within {ANSWER_WITHIN} s")

    def close(self) -> None:
        self.ws.close(timeout=0.2)


@pytest.fixture
def office(tmp_path) -> OfficeFolder:
    folder = OfficeFolder(tmp_path, {'backend = "file"': 'backend = "none"'})
    folder.run("db", "upgrade")
    return folder


@pytest.mark.parametrize("server_args", [[], ["--gunicorn"]], ids=["built-in", "gunicorn"])
def test_hundreds_of_idle_sockets_leave_http_answering(office, server_args):
    display, kiosk = office.token("display"), office.token("kiosk")
    with Server(office, *server_args) as server:
        screens = []
        try:
            for index in range(IDLE_SOCKETS):
                # Half anonymous phones, half displays: both kinds hold a connection open.
                screen = RawScreen(server.url, display if index % 2 else None)
                screens.append(screen)
            # Every one of them was served its snapshot, so all are really connected.
            for screen in screens:
                assert "services" in screen.wait_for("state")

            services = requests.get(f"{server.url}/api/v1/services", timeout=ANSWER_WITHIN)
            assert services.status_code == 200
            issued = requests.post(
                f"{server.url}/api/v1/tickets",
                headers={"Authorization": f"Bearer {kiosk}"},
                json={"service": "registration", "language": "pl"},
                timeout=ANSWER_WITHIN,
            )
            assert issued.status_code == 201, issued.text
            # And the live side still reaches the last one to connect.
            change = screens[-1].wait_for("queue.changed")
            waiting = {s["code"]: s["waiting"] for s in change["services"]}
            assert waiting["registration"] == 1
        finally:
            for screen in screens:
                screen.close()


def run_patched(script: str, **env: str) -> subprocess.CompletedProcess:
    """Run a script in a fresh interpreter patched for gevent, as the servers are."""
    prelude = "from gevent import monkey; monkey.patch_all()\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**dict(__import__("os").environ), **env},
    )


@pytest.mark.postgres
def test_a_postgres_query_lets_other_greenlets_run(postgres_url):
    done = run_patched(
        """
        import os, gevent
        from frontdesk.db import Database

        db = Database(os.environ["URL"])
        ticks, finished = [], []

        def slow_query():
            with db.engine.connect() as connection:
                connection.exec_driver_sql("SELECT pg_sleep(1)")
            finished.append(True)

        def ticker():
            while not finished:
                ticks.append(1)
                gevent.sleep(0.02)

        gevent.joinall([gevent.spawn(slow_query), gevent.spawn(ticker)])
        print(len(ticks))
        """,
        URL=postgres_url,
    )
    assert done.returncode == 0, done.stderr
    # A driver that blocked the process would let the ticker run once, before the query.
    assert int(done.stdout) >= 10


def test_sqlite_writers_take_turns_under_gevent(tmp_path):
    done = run_patched(
        """
        import os, gevent
        from frontdesk.db import Database
        from frontdesk.services import tickets
        from frontdesk.services.core import Actor, Core
        from tests.support.core import office_settings

        db = Database(os.environ["URL"])
        db.create_all()

        class Yielding:
            # A listener that gives way, as the Socket.IO broadcaster does under gevent.
            def publish(self, events):
                gevent.sleep(0.001)

        core = Core(settings=office_settings(), db=db, listeners=[Yielding()])
        kiosk = Actor("kiosk", "kiosk")
        numbers, errors = [], []

        def slow_writer():
            # Holds the write transaction while it yields: others must wait their turn.
            with core.unit_of_work() as uow:
                gevent.sleep(0.3)
                uow.commit()

        def issuer():
            for _ in range(5):
                try:
                    ticket = tickets.issue_ticket(core, kiosk, service="ids", language="pl")
                    numbers.append(ticket["number"])
                except Exception as exc:
                    errors.append(repr(exc))

        gevent.joinall([gevent.spawn(slow_writer)] + [gevent.spawn(issuer) for _ in range(40)])
        print(len(numbers), len(set(numbers)), errors[:3])
        """,
        URL=f"sqlite:///{tmp_path / 'office.db'}",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["200", "200"], done.stdout
    assert done.stdout.strip().endswith("[]"), done.stdout
