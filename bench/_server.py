"""Shared by the load benchmarks: a throwaway office (config, database, tokens, clerks), the
server as a subprocess (`frontdesk serve`, or any command), its memory, PostgreSQL and Redis
in a temporary directory, and the percentile table.

Everything listens on 127.0.0.1 and is stopped by the context managers that start it.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FRONTDESK = str(BIN / "frontdesk")
SECRET = "bench-secret-key-" + "0" * 32
CLERK_PASSWORD = "bench-password-1"


def raise_nofile() -> int:
    """Raise this process's open-file limit to its hard limit (1,000+ sockets need it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the office ---------------------------------------------------------------------------


def write_config(
    directory: Path, *, database_url: str | None = None, message_queue_url: str | None = None
) -> Path:
    """The demo config.toml with its database in `directory`, no printer, every service's
    daily cap at the maximum the settings allow (999), so a bounded run never hits it, and
    no per-kiosk limit on issuing."""
    text = (ROOT / "config.toml").read_text()
    database_url = database_url or f"sqlite:///{directory}/frontdesk.db"
    text, n = re.subn(r"^database_url = .*$", f'database_url = "{database_url}"', text, flags=re.M)
    assert n == 1, "config.toml: database_url not found"
    text = re.sub(r"^#? ?message_queue_url = .*$", "", text, flags=re.M)
    if message_queue_url:
        text = text.replace(
            f'database_url = "{database_url}"',
            f'database_url = "{database_url}"\nmessage_queue_url = "{message_queue_url}"',
        )
    text, n = re.subn(r'^backend = ".*?"', 'backend = "none"', text, flags=re.M)
    assert n == 1, "config.toml: printer backend not found"
    text = re.sub(r"^daily_cap = \d+", "daily_cap = 999", text, flags=re.M)
    # One kiosk token issues the whole load: lift its per-token rate limit.
    text, n = re.subn(
        r'^ticket_issue = ".*?"', 'ticket_issue = "100000 per minute"', text, flags=re.M
    )
    assert n == 1, "config.toml: [limits] ticket_issue not found"
    path = directory / "config.toml"
    path.write_text(text)
    return path


def services_and_desks(config: Path) -> tuple[list[str], dict[int, list[str]]]:
    """Service codes, and desk number -> the services it serves."""
    import tomllib

    data = tomllib.loads(config.read_text())
    return [s["code"] for s in data["services"]], {
        d["number"]: d["services"] for d in data["desks"]
    }


def server_env(config: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(FRONTDESK_CONFIG=str(config), FRONTDESK_SECRET_KEY=SECRET, PYTHONUNBUFFERED="1")
    env.pop("FLASK_APP", None)
    return env


def _cli(config: Path, *args: str, stdin: str | None = None) -> str:
    out = subprocess.run(
        [FRONTDESK, *args],
        env=server_env(config),
        input=stdin,
        capture_output=True,
        text=True,
        cwd=config.parent,
    )
    if out.returncode != 0:
        raise RuntimeError(f"frontdesk {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout.strip()


@dataclass
class Office:
    config: Path
    kiosk_token: str
    display_token: str
    clerks: dict[int, str]  # desk number -> clerk username (password CLERK_PASSWORD)
    services: list[str] = field(default_factory=list)
    desks: dict[int, list[str]] = field(default_factory=dict)


def prepare_office(config: Path, clerk_desks: list[int] | None = None) -> Office:
    """Create the schema, a kiosk and a display token, and one clerk per desk (by the CLI)."""
    _cli(config, "db", "upgrade")
    kiosk = _cli(config, "token", "add", "bench kiosk", "--role", "kiosk").splitlines()[-1]
    display = _cli(config, "token", "add", "bench display", "--role", "display").splitlines()[-1]
    clerks = {}
    for desk in clerk_desks or []:
        name = f"bench-clerk-{desk}"
        _cli(
            config, "user", "add", name, "--role", "clerk", "--password-stdin", stdin=CLERK_PASSWORD
        )
        clerks[desk] = name
    services, desks = services_and_desks(config)
    return Office(config, kiosk, display, clerks, services, desks)


# --- server processes ---------------------------------------------------------------------


def _preexec() -> None:
    raise_nofile()


class Server:
    """A server subprocess in its own process group, its output in a log file."""

    def __init__(self, command: list[str], port: int, env: dict[str, str], log: Path, cwd: Path):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self._log_file = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_preexec,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, path: str = "/api/v1/services", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                if requests.get(self.url + path, timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not answering after {timeout} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self._log_file.flush()
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def rss_mb(self) -> float:
        return tree_rss_mb(self.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log_file.close()


def frontdesk_server(config: Path, port: int, *, gunicorn: bool = False) -> Server:
    command = [FRONTDESK, "serve", "--host", "127.0.0.1", "--port", str(port)]
    if gunicorn:
        command.append("--gunicorn")
    log = config.parent / f"server-{port}.log"
    return Server(command, port, server_env(config), log, config.parent)


@contextlib.contextmanager
def running(servers: list[Server]) -> Iterator[list[Server]]:
    try:
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in parentheses may hold spaces: the fields follow the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def tree_rss_mb(pid: int) -> float:
    """VmRSS of a process and all its descendants, in MB (10^6 bytes)."""
    total_kb = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
        todo.extend(_children(current))
    return total_kb * 1024 / 1e6


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a process and its live descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            continue
        todo.extend(_children(current))
    return total / ticks


# --- PostgreSQL and Redis, the way the test session starts them ---------------------------


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A private PostgreSQL server (trust auth, fsync off) with database `frontdesk`;
    yields its SQLAlchemy URL. Uses the test suite's helpers to find and run the binaries."""
    sys.path.insert(0, str(ROOT))
    from tests.support import postgres as pg

    bindir = pg._bindir()
    prefix: list[str] = []
    # Its own mkdtemp: PostgreSQL runs as another user, who must reach the directory.
    workdir = Path(tempfile.mkdtemp(prefix="frontdesk-bench-pg-"))
    if os.geteuid() == 0:
        pg._ensure_server_user()
        shutil.chown(workdir, pg.SERVER_USER, pg.SERVER_USER)
        prefix = ["runuser", "-u", pg.SERVER_USER, "--"]
    data, log = workdir / "data", workdir / "server.log"
    pg._run(
        [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
         "-E", "UTF8", "--no-locale", "--no-sync"],
        prefix,
    )  # fmt: skip
    port = free_port()
    with open(data / "postgresql.auto.conf", "a") as conf:
        conf.write(
            f"listen_addresses = '127.0.0.1'\nport = {port}\n"
            f"unix_socket_directories = '{workdir}'\nmax_connections = 200\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        )
    pg._run(
        [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"],
        prefix,
    )
    try:
        with pg._connect(port) as conn:
            conn.execute("CREATE DATABASE frontdesk")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/frontdesk"
    finally:
        pg._run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], prefix)
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    sys.path.insert(0, str(ROOT))
    from tests.support import redis as rs

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(workdir), "--logfile", str(workdir / "redis.log"),
         "--daemonize", "no"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        if not rs._wait_ready(proc, port):
            raise RuntimeError("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def tempdir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- figures ------------------------------------------------------------------------------


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def git_head() -> str:
    out = subprocess.run(
        ["git", "log", "-1", "--format=%h %s"], cwd=ROOT, capture_output=True, text=True
    )
    head = out.stdout.strip()[:60]
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "frontdesk", "gunicorn.conf.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return head + (" + uncommitted server changes" if dirty else "")
