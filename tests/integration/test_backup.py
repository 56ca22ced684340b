"""`frontdesk backup` and `frontdesk restore`: a round trip through a running server brings back
the first state; restore refuses a database in use and anything that is not a backup."""

from __future__ import annotations

import sqlite3
import subprocess
import threading

import pytest
import requests

from tests.support.served import OfficeFolder, Server


def frontdesk(office: OfficeFolder, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(office.frontdesk), *args],
        cwd=office.folder,
        env=office.environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def issue(url: str, token: str, service: str = "registration") -> dict:
    response = requests.post(
        f"{url}/api/v1/tickets",
        json={"service": service, "language": "pl", "print": False},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def status(url: str, ticket_id: str) -> int:
    return requests.get(f"{url}/api/v1/tickets/{ticket_id}", timeout=30).status_code


@pytest.fixture
def office(tmp_path) -> OfficeFolder:
    office = OfficeFolder(tmp_path)
    office.run("db", "upgrade")
    return office


def test_a_round_trip_brings_back_the_state_of_the_backup(office):
    kiosk = office.token("kiosk")
    backup = office.folder / "backups" / "monday.db"
    with Server(office) as server:
        before = [issue(server.url, kiosk) for _ in range(3)]
        # Taken while the server is issuing more: the copy is one consistent moment.
        issuing = threading.Thread(target=lambda: [issue(server.url, kiosk) for _ in range(5)])
        issuing.start()
        made = frontdesk(office, "backup", str(backup))
        issuing.join()
        assert made.returncode == 0, made.stderr
        assert "Backed up to" in made.stdout

        after = issue(server.url, kiosk)
        refused = frontdesk(office, "restore", str(backup))
        assert refused.returncode == 1
        assert "in use" in refused.stderr and "--force" in refused.stderr
        assert status(server.url, after["id"]) == 200  # nothing was touched

    restored = frontdesk(office, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "before-restore" in restored.stdout
    assert list(office.folder.glob("office.db.before-restore-*"))

    with Server(office) as server:
        for ticket in before:
            shown = requests.get(f"{server.url}/api/v1/tickets/{ticket['id']}", timeout=30)
            assert shown.status_code == 200
            assert shown.json()["number"] == ticket["number"]
        assert status(server.url, after["id"]) == 404
        # Numbering goes on from the backup's counter: no number is handed out twice.
        numbers = {ticket["number"] for ticket in before}
        copy = sqlite3.connect(backup)
        numbers |= {row[0] for row in copy.execute("SELECT number FROM ticket")}
        copy.close()
        assert issue(server.url, kiosk)["number"] not in numbers


def test_the_backup_is_one_self_contained_consistent_file(office):
    kiosk = office.token("kiosk")
    with Server(office) as server:
        for _ in range(4):
            issue(server.url, kiosk)
        assert frontdesk(office, "backup", str(office.folder / "copy.db")).returncode == 0
    assert not (office.folder / "copy.db-wal").exists()
    copy = sqlite3.connect(office.folder / "copy.db")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("SELECT count(*) FROM ticket").fetchone()[0] == 4
        issued = copy.execute(
            "SELECT count(*) FROM auditevent WHERE kind = 'ticket.issued'"
        ).fetchone()[0]
        assert issued == 4
    finally:
        copy.close()


def test_restore_refuses_what_is_not_a_backup_and_backup_keeps_existing_files(office):
    junk = office.folder / "notes.txt"
    junk.write_text("not a database\n" * 100)
    refused = frontdesk(office, "restore", str(junk))
    assert refused.returncode == 1 and "not a frontdesk database" in refused.stderr
    missing = frontdesk(office, "restore", str(office.folder / "nowhere.db"))
    assert missing.returncode == 1 and "no backup file" in missing.stderr
    assert not (office.folder / "nowhere.db").exists()

    overwrite = frontdesk(office, "backup", str(junk))
    assert overwrite.returncode == 1 and "exists already" in overwrite.stderr
    assert junk.read_text().startswith("not a database")


def test_postgresql_gets_pg_dump_advice(tmp_path):
    office = OfficeFolder(
        tmp_path,
        replace={
            f'"sqlite:///{tmp_path / "office.db"}"': (
                '"postgresql+psycopg://frontdesk:secret@db.example:5432/office"'
            )
        },
    )
    for command in (["backup", "x.dump"], ["restore", "x.dump"]):
        result = frontdesk(office, *command)
        assert result.returncode == 1
        assert "pg_dump --format=custom" in result.stderr and "pg_restore" in result.stderr
        assert "postgresql://frontdesk@db.example:5432/office" in result.stderr
        assert "secret" not in result.stderr
