"""A throwaway PostgreSQL server for the test session.

Fixtures:
  postgres_url             session: URL of database ``frontdesk_test`` on a private server
  fresh_postgres_database  function: URL of a new, empty database, dropped after the test

The server is initdb'ed into a temporary directory, listens on 127.0.0.1 on a
free port with trust authentication and fsync off (data is disposable), and is
stopped and deleted at the end of the session. PostgreSQL refuses to run as
root, so as root the server runs as the ``postgres`` system user.

Tests using these fixtures get the ``postgres`` marker automatically, so
``-m "not postgres"`` deselects them.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.support._util import INSTALL_HINT, free_port

TEST_DATABASE = "frontdesk_test"
SERVER_USER = "postgres"  # the OS user running the server when we are root


def _bindir() -> Path:
    """Directory holding initdb and pg_ctl (Debian keeps them out of PATH)."""
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(out.stdout.strip())
    # Newest version first: "15" < "16" as strings would break at "9", so sort numerically.
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(versions, key=lambda p: int(Path(p).parent.name), reverse=True)
    for cand in candidates:
        if (Path(cand) / "initdb").is_file() and (Path(cand) / "pg_ctl").is_file():
            return Path(cand)
    pytest.fail(
        f"PostgreSQL server binaries (initdb, pg_ctl) not found; {INSTALL_HINT}", pytrace=False
    )


def _ensure_server_user() -> None:
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:  # the Debian package creates it; be robust if it did not
        subprocess.run(
            ["useradd", "--system", "--shell", "/usr/sbin/nologin", SERVER_USER], check=True
        )


def _run(cmd: list[str], prefix: list[str]) -> None:
    """Run a PostgreSQL tool, failing the session with its output if it fails."""
    out = subprocess.run(prefix + cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        pytest.fail(
            f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout}{out.stderr}", pytrace=False
        )


def _connect(port: int, dbname: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname=dbname, autocommit=True
    )


@pytest.fixture(scope="session")
def _postgres_server() -> Iterator[int]:
    """Start the server; yield its port."""
    bindir = _bindir()
    prefix: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="frontdesk-pg-"))
    if os.geteuid() == 0:
        _ensure_server_user()
        shutil.chown(workdir, SERVER_USER, SERVER_USER)
        prefix = ["runuser", "-u", SERVER_USER, "--"]
    data, log = workdir / "data", workdir / "server.log"
    started = False
    try:
        _run(
            [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
             "-E", "UTF8", "--no-locale", "--no-sync"],
            prefix,
        )  # fmt: skip
        for _attempt in range(3):  # the free port can be taken before the server binds it
            port = free_port()
            with open(data / "postgresql.auto.conf", "a") as conf:
                conf.write(
                    f"listen_addresses = '127.0.0.1'\nport = {port}\n"
                    f"unix_socket_directories = '{workdir}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                )
            cmd = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60"]
            out = subprocess.run(
                prefix + cmd + ["start"], capture_output=True, text=True, stdin=subprocess.DEVNULL
            )
            if out.returncode == 0:
                started = True
                break
        if not started:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(
                f"PostgreSQL did not start:\n{out.stdout}{out.stderr}{server_log}", pytrace=False
            )
        with _connect(port) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEST_DATABASE)))
        yield port
    finally:
        if started:
            _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], prefix)
        shutil.rmtree(workdir, ignore_errors=True)


def _url(port: int, dbname: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{dbname}"


@pytest.fixture(scope="session")
def postgres_url(_postgres_server: int) -> str:
    """SQLAlchemy URL of the session's ``frontdesk_test`` database (shared by tests)."""
    return _url(_postgres_server, TEST_DATABASE)


@pytest.fixture
def fresh_postgres_database(_postgres_server: int) -> Iterator[str]:
    """SQLAlchemy URL of a new empty database for this test only; dropped afterwards
    (WITH (FORCE), so connections the test left open do not block the drop)."""
    name = f"frontdesk_t_{uuid.uuid4().hex[:12]}"
    ident = sql.Identifier(name)
    with _connect(_postgres_server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    try:
        yield _url(_postgres_server, name)
    finally:
        with _connect(_postgres_server) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


_FIXTURES = {"postgres_url", "fresh_postgres_database", "_postgres_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
