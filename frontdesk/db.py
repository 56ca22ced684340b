"""Engine and sessions, with the locking each database needs for a fair, atomic queue.

SQLite: WAL with a busy timeout, and every writing transaction starts with BEGIN IMMEDIATE, so
writers queue for the lock at the start instead of failing half-way. PostgreSQL: the services
lock rows with FOR UPDATE (SKIP LOCKED where desks compete for the next ticket).
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager, closing, nullcontext
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

WRITE_OPTION = "frontdesk_write"
DEFAULT_POOL_SIZE = 10
POOL_TIMEOUT = 30


def make_engine(
    url: str, pool_size: int = DEFAULT_POOL_SIZE, checkpoints: dict | None = None
) -> Engine:
    """`pool_size` connections kept open, as many more under a burst; a request that finds
    none free waits (cooperatively under gevent) up to POOL_TIMEOUT_SECONDS."""
    parsed = make_url(url)
    pool = {"pool_size": pool_size, "max_overflow": pool_size, "pool_timeout": POOL_TIMEOUT}
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **pool)
    in_memory = not parsed.database or parsed.database == ":memory:"
    if not in_memory:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        **({} if in_memory else pool),
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        # Take transaction control from the sqlite3 module so we can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        if checkpoints is not None and checkpoints.get("manual"):
            # The server checkpoints from a native thread (Database.checkpoint): SQLite's own
            # checkpoint would run inside a commit and wait for the disk with every greenlet.
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Database:
    def __init__(self, url: str, pool_size: int = DEFAULT_POOL_SIZE):
        self.url = url
        self._checkpoints: dict = {"manual": False}
        self.engine = make_engine(url, pool_size, self._checkpoints)
        # SQLite has one writer at a time. Writers of this process take turns here, without
        # polling: under gevent a writer waiting in SQLite's busy handler would block every
        # greenlet, including the one holding the lock. Other processes still meet
        # busy_timeout. PostgreSQL locks rows and needs none.
        self.write_lock: AbstractContextManager = (
            threading.Lock() if self.dialect == "sqlite" else nullcontext()
        )

    def checkpoint_in_background(self) -> None:
        """From now on this process writes the SQLite log back into the database file only when
        `checkpoint` is called (the server does so every few seconds, off the event loop)."""
        if self.dialect != "sqlite" or not self.engine.url.database:
            return
        self._checkpoints["manual"] = True
        self.engine.dispose()  # connections opened from now on leave checkpoints to us

    def checkpoint(self) -> None:
        """Copy the SQLite write-ahead log into the database file, with the disk flush that
        entails, on a connection of its own; readers and writers go on meanwhile (PASSIVE)."""
        if not self._checkpoints["manual"]:
            return
        with closing(sqlite3.connect(self.engine.url.database, timeout=30)) as connection:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, write: bool = False) -> Session:
        session = Session(self.engine, expire_on_commit=False)
        if write:
            session.connection(execution_options={WRITE_OPTION: True})
        return session

    def create_all(self) -> None:
        """For tests and throwaway databases; real ones are built by `frontdesk db upgrade`."""
        import frontdesk.queue.model  # noqa: F401  (registers the tables)

        SQLModel.metadata.create_all(self.engine)
        with self.engine.begin() as connection:
            for statement in append_only_guard(self.dialect):
                connection.exec_driver_sql(statement)

    def dispose(self) -> None:
        self.engine.dispose()


def append_only_guard(dialect: str) -> list[str]:
    """Triggers that make the database itself refuse to change or delete event-log rows, so
    the audit trail holds even against a mistaken query or a hand-edited database."""
    message = "the event log is append-only"
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION frontdesk_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$",
            "DROP TRIGGER IF EXISTS auditevent_append_only ON auditevent",
            "CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditevent "
            "FOR EACH ROW EXECUTE FUNCTION frontdesk_append_only()",
        ]
    return [
        f"CREATE TRIGGER IF NOT EXISTS auditevent_no_{action.lower()} BEFORE {action} ON "
        f"auditevent BEGIN SELECT RAISE(ABORT, '{message}'); END"
        for action in ("UPDATE", "DELETE")
    ]
