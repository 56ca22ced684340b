"""The `frontdesk` command, run as an IT admin runs it: a real process, a config file found
through FRONTDESK_CONFIG, a database in a temporary folder. What the commands write is then
checked through the app itself (sign-in, bearer tokens)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import socketio

from frontdesk.app import create_app
from frontdesk.settings import load
from tests.support._util import free_port

REPO = Path(__file__).resolve().parents[2]
SHIPPED_CONFIG = REPO / "config.toml"
FRONTDESK = Path(sys.executable).with_name("frontdesk")
TABLES = {"ticket", "ticketcounter", "deskstate", "alert", "auditevent", "user", "apitoken"}
PASSWORD = "a long enough password"


@dataclass(frozen=True)
class Office:
    """A copy of the shipped config that keeps its database and printer in a temp folder."""

    folder: Path
    config: Path
    database: Path

    def run(self, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("FLASK_", "FRONTDESK_"))
        }
        environment |= {
            "FRONTDESK_CONFIG": str(self.config),
            "FRONTDESK_SECRET_KEY": "cli-test-secret",
            **env,
        }
        return subprocess.run(
            [str(FRONTDESK), *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=self.folder,
            env=environment,
            timeout=120,
        )

    def query(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.database) as connection:
            return connection.execute(sql).fetchall()


@pytest.fixture
def office(tmp_path) -> Office:
    database = tmp_path / "office.db"
    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    text = text.replace('"sqlite:///var/frontdesk.db"', f'"sqlite:///{database}"')
    text = text.replace('"var/printer.bin"', f'"{tmp_path / "printer.bin"}"')
    assert str(database) in text and "printer.bin" in text, "the shipped config changed shape"
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    return Office(tmp_path, config, database)


@pytest.fixture
def migrated(office) -> Office:
    result = office.run("db", "upgrade")
    assert result.returncode == 0, result.stderr
    return office


@pytest.fixture
def office_app(migrated, monkeypatch) -> Iterator:
    """The app on the CLI's database, as `frontdesk serve` would build it."""
    monkeypatch.setenv("FRONTDESK_SECRET_KEY", "cli-test-secret")
    app = create_app(load(migrated.config), TESTING=True)
    yield app
    printing = app.extensions.get("frontdesk.printing")
    if printing is not None:
        printing.close()
    app.extensions["frontdesk"].db.dispose()


def signs_in(app, username: str, password: str) -> bool:
    response = app.test_client().post(
        "/api/v1/session", json={"username": username, "password": password}
    )
    assert response.status_code in (200, 401), response.json
    return response.status_code == 200


# config check


def test_config_check_accepts_the_shipped_config(office):
    result = office.run("config", "check", str(SHIPPED_CONFIG))

    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    assert "7 services" in result.stdout


def test_config_check_without_a_path_checks_the_file_frontdesk_config_names(office):
    result = office.run("config", "check")

    assert result.returncode == 0, result.stderr
    assert str(office.config) in result.stdout


def test_config_check_lists_every_problem_of_a_broken_config_key_by_key(office):
    text = office.config.read_text(encoding="utf-8")
    for old, new in (
        ("recall_limit = 2", "recal_limit = 2"),  # a misspelt key
        ('letter = "B"', 'letter = "bb"'),  # the second service's letter
        ('timezone = "Europe/Warsaw"', 'timezone = "Europe/Atlantis"'),
        ('services = ["driving_licences"]', 'services = ["driving_licenses"]'),  # desk 6
    ):
        assert old in text, f"the shipped config no longer has {old!r}"
        text = text.replace(old, new, 1)
    broken = office.folder / "broken.toml"
    broken.write_text(text, encoding="utf-8")

    result = office.run("config", "check", str(broken))

    assert result.returncode == 1
    problems = result.stderr
    assert "4 problem" in problems
    assert re.search(r"^\s*- recal_limit: .*unknown key", problems, re.M), problems
    assert re.search(r"^\s*- services\[1\]\.letter: .*'bb'", problems, re.M), problems
    assert re.search(r"^\s*- office\.timezone: .*Europe/Atlantis", problems, re.M), problems
    assert re.search(r"^\s*- desks\[5\]\.services: .*driving_licenses", problems, re.M), problems
    assert "OK" not in result.stdout


def test_config_check_of_a_missing_file_says_it_cannot_be_read(office):
    result = office.run("config", "check", str(office.folder / "nowhere.toml"))

    assert result.returncode == 1
    assert "nowhere.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_command_that_needs_the_app_refuses_a_broken_config_without_a_traceback(office):
    office.config.write_text("[office]\nname = 'x'\n", encoding="utf-8")

    result = office.run("db", "upgrade")

    assert result.returncode == 1
    assert "services" in result.stderr
    assert "Traceback" not in result.stderr
    assert not office.database.exists()


# db upgrade


def test_db_upgrade_creates_the_tables(office):
    result = office.run("db", "upgrade")

    assert result.returncode == 0, result.stderr
    tables = {name for (name,) in office.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables >= TABLES | {"alembic_version"}


def test_db_upgrade_twice_changes_nothing(migrated):
    revision = migrated.query("SELECT version_num FROM alembic_version")

    result = migrated.run("db", "upgrade")

    assert result.returncode == 0, result.stderr
    assert migrated.query("SELECT version_num FROM alembic_version") == revision


# user add


def test_user_add_with_password_stdin_creates_a_clerk_who_can_sign_in(migrated, office_app):
    result = migrated.run(
        "user", "add", "bozena", "--role", "clerk", "--password-stdin", stdin=PASSWORD + "\n"
    )

    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert migrated.query("SELECT username, lower(role) FROM user") == [("bozena", "clerk")]
    assert signs_in(office_app, "bozena", PASSWORD)
    assert not signs_in(office_app, "bozena", PASSWORD + "x")


def test_user_add_refuses_a_short_password_and_writes_nothing(migrated):
    result = migrated.run(
        "user", "add", "bozena", "--role", "clerk", "--password-stdin", stdin="short\n"
    )

    assert result.returncode != 0
    assert "password" in result.stderr
    assert "Traceback" not in result.stderr
    assert migrated.query("SELECT count(*) FROM user") == [(0,)]
    assert migrated.query("SELECT count(*) FROM auditevent") == [(0,)]


def test_user_add_refuses_a_name_that_is_taken(migrated):
    first = migrated.run(
        "user", "add", "bozena", "--role", "clerk", "--password-stdin", stdin=PASSWORD
    )
    again = migrated.run(
        "user", "add", "bozena", "--role", "admin", "--password-stdin", stdin=PASSWORD
    )

    assert first.returncode == 0, first.stderr
    assert again.returncode != 0
    assert migrated.query("SELECT count(*) FROM user") == [(1,)]


def test_user_add_refuses_a_role_that_is_not_for_staff(migrated):
    result = migrated.run(
        "user", "add", "bozena", "--role", "kiosk", "--password-stdin", stdin=PASSWORD
    )

    assert result.returncode != 0
    assert "kiosk" in result.stderr
    assert migrated.query("SELECT count(*) FROM user") == [(0,)]


# token add


def test_token_add_prints_a_token_once_and_it_authenticates_the_kiosk(migrated, office_app):
    result = migrated.run("token", "add", "hall kiosk", "--role", "kiosk")

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", token), result.stdout
    stored = migrated.query("SELECT name, token_hash FROM apitoken")
    assert len(stored) == 1
    assert token not in repr(stored), "only a hash of the token is kept"

    response = office_app.test_client().post(
        "/api/v1/tickets",
        json={"service": "registration", "language": "pl"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.json
    assert response.json["number"] == "A001"


def test_each_token_add_prints_a_different_token(migrated):
    first = migrated.run("token", "add", "kiosk one", "--role", "kiosk")
    second = migrated.run("token", "add", "kiosk two", "--role", "kiosk")

    assert first.stdout.strip() != second.stdout.strip()


def test_a_display_token_from_the_cli_cannot_issue_tickets(migrated, office_app):
    token = migrated.run("token", "add", "hall display", "--role", "display").stdout.strip()

    response = office_app.test_client().post(
        "/api/v1/tickets",
        json={"service": "registration", "language": "pl"},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 403


# demo


def test_demo_no_serve_prints_every_screens_address_and_three_accounts(office, office_app):
    result = office.run("demo", "--no-serve")

    assert result.returncode == 0, result.stderr
    out = result.stdout
    kiosk = re.search(r"http://127\.0\.0\.1:8000/kiosk\?token=(\S+)", out)
    display = re.search(r"http://127\.0\.0\.1:8000/display\?token=(\S+)", out)
    assert kiosk and display, out
    assert "http://127.0.0.1:8000/desk" in out
    assert "http://127.0.0.1:8000/supervisor" in out
    accounts = dict(
        (name, password)
        for role, name, password in re.findall(
            r"^\s+(clerk|supervisor|admin)\s+(\S+)\s+(\S+)$", out, re.M
        )
    )
    assert set(accounts) == {"demo-clerk", "demo-supervisor", "demo-admin"}, out

    # What it printed works: the accounts sign in and the kiosk address pairs a kiosk.
    for name, password in accounts.items():
        assert signs_in(office_app, name, password), name
    client = office_app.test_client()
    paired = client.get(f"/kiosk?token={kiosk[1]}")
    assert paired.status_code == 302
    assert client.get("/kiosk").status_code == 200


def test_demo_run_twice_gives_new_passwords_and_the_old_ones_stop_working(office, office_app):
    first = office.run("demo", "--no-serve")
    second = office.run("demo", "--no-serve")

    def clerk_password(result) -> str:
        return re.search(r"^\s+clerk\s+demo-clerk\s+(\S+)$", result.stdout, re.M)[1]

    assert second.returncode == 0, second.stderr
    assert clerk_password(first) != clerk_password(second)
    assert signs_in(office_app, "demo-clerk", clerk_password(second))
    assert not signs_in(office_app, "demo-clerk", clerk_password(first))


# Flask's own commands


def test_flask_commands_work_through_frontdesk(office):
    result = office.run("routes")

    assert result.returncode == 0, result.stderr
    assert "/api/v1/tickets" in result.stdout


# serve


@pytest.mark.parametrize("server", [[], ["--gunicorn"]], ids=["built-in", "gunicorn"])
def test_serve_answers_http_and_live_connections(migrated, server):
    port = free_port()
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "FRONTDESK_"))
    }
    environment |= {"FRONTDESK_CONFIG": str(migrated.config), "FRONTDESK_SECRET_KEY": "x" * 32}
    with (migrated.folder / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [str(FRONTDESK), "serve", "--port", str(port), *server],
            cwd=migrated.folder,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    services = requests.get(f"{url}/api/v1/services", timeout=2)
                    break
                except requests.RequestException:  # not listening yet, or still loading
                    assert time.monotonic() < deadline, (migrated.folder / "serve.log").read_text()
                    time.sleep(0.2)
            assert services.status_code == 200
            client = socketio.SimpleClient()
            client.connect(url, transports=["websocket"], wait_timeout=10)
            try:
                name, snapshot = client.receive(timeout=10)
            finally:
                client.disconnect()
            assert name == "state" and snapshot["office"] == "Urząd Dzielnicy Wola"
        finally:
            process.terminate()
            process.wait(15)
