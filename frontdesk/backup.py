"""`frontdesk backup` and `frontdesk restore` for SQLite; PostgreSQL has pg_dump for that.

Both go through SQLite's online backup API rather than copying the file: a copy of a
database in WAL mode taken while the server writes can miss the pages still in the -wal file,
whereas the backup API reads one consistent snapshot and takes SQLite's own locks.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """Refused or failed; the message says why and what to do."""


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(postgres_advice(database_url))
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory database cannot be backed up or restored.")
    return Path(url.database)


def postgres_advice(database_url: str) -> str:
    url = make_url(database_url)
    # The libpq form without the SQLAlchemy driver name and without the password, which
    # pg_dump takes from PGPASSWORD or ~/.pgpass rather than from a command line.
    target = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    ).render_as_string()
    return (
        "The database is PostgreSQL: back it up and restore it with PostgreSQL's own tools,\n"
        f"  pg_dump --format=custom --file=BACKUP.dump '{target}'\n"
        f"  pg_restore --clean --if-exists --single-transaction --dbname='{target}' BACKUP.dump\n"
        "pg_dump takes a consistent snapshot while the server runs; stop the server before "
        "pg_restore."
    )


def backup(database_url: str, target: Path) -> dict:
    """Copy the database to `target` (a new file), consistent even while the server writes."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"There is no database at {source_path}.")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = _connect(source_path, read_only=True)
    try:
        copy = _connect(target)
        try:
            source.backup(copy)
            # One self-contained file, not a WAL pair: the copy is meant to be moved around.
            copy.execute("PRAGMA journal_mode=DELETE")
            return describe(copy)
        finally:
            copy.close()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        source.close()


def restore(database_url: str, backup_file: Path, *, force: bool = False) -> dict:
    """Replace the database's content with `backup_file`'s.

    Refused while any other process (a server, another command) has the database open, unless
    `force`; the content it replaces is kept beside it first, as `<name>.before-restore-<time>`.
    """
    target_path = sqlite_path(database_url)
    if not backup_file.is_file():
        raise BackupError(f"There is no backup file at {backup_file}.")
    source = _connect(backup_file, read_only=True)
    try:
        content = _checked_backup(source, backup_file)
        target = _connect(target_path)
        try:
            if not force:
                _take_sole_use(target, target_path)
            kept = None
            if target_path.stat().st_size > 0:
                kept = target_path.with_name(
                    f"{target_path.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}"
                )
                keep = _connect(kept)
                try:
                    target.backup(keep)
                    keep.execute("PRAGMA journal_mode=DELETE")
                finally:
                    keep.close()
            source.backup(target)
            return content | {"kept": kept}
        finally:
            target.close()
    finally:
        source.close()


def describe(connection: sqlite3.Connection) -> dict:
    """What a database holds, for the command's report."""
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    tickets = connection.execute("SELECT count(*) FROM ticket").fetchone()[0]
    events = connection.execute("SELECT count(*) FROM auditevent").fetchone()[0]
    return {"revision": revision[0] if revision else None, "tickets": tickets, "events": events}


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        # mode=ro: a mistyped path must not create an empty database.
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    return sqlite3.connect(path, timeout=30)


def _checked_backup(source: sqlite3.Connection, path: Path) -> dict:
    """Refuse to restore anything that is not a whole frontdesk database."""
    try:
        check = source.execute("PRAGMA integrity_check").fetchone()[0]
        content = describe(source)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a frontdesk database ({exc}).") from None
    if check != "ok":
        raise BackupError(f"{path} is damaged: {check}")
    return content


def _take_sole_use(connection: sqlite3.Connection, path: Path) -> None:
    """Hold the database exclusively until `connection` closes, or refuse.

    Every connection to a database in WAL mode keeps a shared lock on the file while it is
    open, and a running server keeps its pool's connections open; so an exclusive lock is
    granted only when no server or other command is using the database. In EXCLUSIVE locking
    mode the lock stays after the transaction, so nothing can start in between."""
    connection.execute("PRAGMA busy_timeout=0")
    connection.execute("PRAGMA locking_mode=EXCLUSIVE")
    try:
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("COMMIT")
    except sqlite3.OperationalError:
        raise BackupError(
            f"{path} is in use (a frontdesk server or command has it open). Stop the server "
            "and run restore again, or add --force to restore under it and restart it after."
        ) from None
    connection.execute("PRAGMA busy_timeout=30000")
