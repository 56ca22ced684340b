"""SQLite checkpoints in a server process: left to a timed duty off the event loop, not run by
SQLite inside a commit where the disk flush would hold up every greenlet."""

from __future__ import annotations

from frontdesk.db import Database
from frontdesk.services import tickets
from frontdesk.services.core import Core
from tests.support.core import KIOSK, office_settings


def autocheckpoint(db: Database) -> int:
    with db.engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()


def test_by_default_sqlite_checkpoints_by_itself(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'office.db'}")
    assert autocheckpoint(db) > 0
    db.dispose()


def test_in_a_server_the_log_reaches_the_database_file_at_each_checkpoint(tmp_path):
    path = tmp_path / "office.db"
    db = Database(f"sqlite:///{path}")
    db.create_all()
    db.checkpoint_in_background()
    core = Core(settings=office_settings(), db=db)
    empty = path.stat().st_size

    for _ in range(60):
        tickets.issue_ticket(core, KIOSK, service="ids", language="pl")

    assert autocheckpoint(db) == 0
    assert path.stat().st_size == empty  # every change still in the write-ahead log
    db.checkpoint()
    assert path.stat().st_size > empty
    db.dispose()
