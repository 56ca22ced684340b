"""Two server processes on one PostgreSQL database and one Redis message queue, as an office
that scales out runs them: a call made through one process reaches a display connected to the
other, and the two processes never hand out the same ticket."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import socketio

from tests.support._util import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("quick_websocket_close")]

REPO = Path(__file__).resolve().parents[2]
FRONTDESK = Path(sys.executable).with_name("frontdesk")
WAIT = 20.0


class Server:
    def __init__(self, folder: Path, environment: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (folder / f"server-{self.port}.log").open("w")
        self.process = subprocess.Popen(
            [str(FRONTDESK), "serve", "--port", str(self.port)],
            cwd=folder,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/api/v1/services", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"server on {self.port} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.log.close()


@pytest.fixture
def office(tmp_path, fresh_postgres_database, redis_url) -> Iterator[dict]:
    config = (REPO / "config.toml").read_text(encoding="utf-8")
    for shipped, ours in (
        (
            'database_url = "sqlite:///var/frontdesk.db"',
            f'database_url = "{fresh_postgres_database}"',
        ),
        ('# message_queue_url = "redis://127.0.0.1:6379/0"', f'message_queue_url = "{redis_url}"'),
        ('backend = "file"', 'backend = "none"'),
    ):
        assert shipped in config
        config = config.replace(shipped, ours)
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "FRONTDESK_"))
    }
    environment |= {
        "FRONTDESK_CONFIG": str(tmp_path / "config.toml"),
        "FRONTDESK_SECRET_KEY": "scale-out-test",
    }

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(FRONTDESK), *args],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            input="",
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    run("db", "upgrade")
    tokens = {
        role: run("token", "add", f"test {role}", "--role", role) for role in ("kiosk", "display")
    }
    clerk = subprocess.run(
        [str(FRONTDESK), "user", "add", "anna", "--role", "clerk", "--password-stdin"],
        cwd=tmp_path,
        env=environment,
        input="a long enough password\n",
        text=True,
        capture_output=True,
        timeout=120,
    )
    assert clerk.returncode == 0, clerk.stderr
    servers = [Server(tmp_path, environment), Server(tmp_path, environment)]
    try:
        yield {"servers": servers, **tokens}
    finally:
        for server in servers:
            server.stop()


def test_a_call_through_one_process_reaches_a_display_on_the_other(office):
    first, second = office["servers"]
    calls = []
    display = socketio.Client(reconnection=False)
    display.on("ticket.called", calls.append)
    display.connect(
        first.url, auth={"token": office["display"]}, transports=["websocket"], wait_timeout=WAIT
    )
    try:
        kiosk = {"Authorization": f"Bearer {office['kiosk']}"}
        issued = requests.post(
            f"{first.url}/api/v1/tickets",
            headers=kiosk,
            timeout=WAIT,
            json={"service": "registration", "language": "uk"},
        )
        assert issued.status_code == 201, issued.text
        with requests.Session() as clerk:
            clerk.post(
                f"{second.url}/api/v1/session",
                timeout=WAIT,
                json={"username": "anna", "password": "a long enough password"},
            )
            called = clerk.post(f"{second.url}/api/v1/desks/1/call-next", timeout=WAIT)
        assert called.status_code == 200, called.text
        deadline = time.monotonic() + WAIT
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
        assert calls == [{**calls[0], "number": "A001", "desk": 1, "language": "uk"}]
    finally:
        display.disconnect()


def test_two_processes_issue_distinct_numbers_and_never_call_a_ticket_twice(office):
    first, second = office["servers"]
    kiosk = {"Authorization": f"Bearer {office['kiosk']}"}
    numbers = [
        requests.post(
            f"{server.url}/api/v1/tickets",
            headers=kiosk,
            timeout=WAIT,
            json={"service": "registration", "language": "pl"},
        ).json()["number"]
        for _ in range(10)
        for server in (first, second)
    ]
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 21)]
    called = []
    with requests.Session() as one, requests.Session() as two:
        for session, server in ((one, first), (two, second)):
            session.post(
                f"{server.url}/api/v1/session",
                timeout=WAIT,
                json={"username": "anna", "password": "a long enough password"},
            )
        for _ in range(10):
            for session, server, desk in ((one, first, 1), (two, second, 2)):
                ticket = session.post(
                    f"{server.url}/api/v1/desks/{desk}/call-next", timeout=WAIT
                ).json()
                called.append(ticket["number"])
                session.post(f"{server.url}/api/v1/tickets/{ticket['id']}/finish", timeout=WAIT)
    assert sorted(called) == sorted(numbers)
