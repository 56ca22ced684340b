"""A throwaway Redis server for the test session.

Fixture:
  redis_url  session: ``redis://127.0.0.1:PORT/0`` of a private redis-server

No persistence (``--save '' --appendonly no``); its working directory is a
temporary directory removed at the end of the session.
"""

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support._util import INSTALL_HINT, free_port


def _wait_ready(proc: subprocess.Popen, port: int, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with redis.Redis(host="127.0.0.1", port=port, socket_timeout=1) as client:
                if client.ping():
                    return True
        except redis.ConnectionError:
            time.sleep(0.05)
    return False


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).is_file():
        pytest.fail(f"redis-server not found; {INSTALL_HINT}", pytrace=False)
    workdir = Path(tempfile.mkdtemp(prefix="frontdesk-redis-"))
    log = workdir / "redis.log"
    proc = None
    try:
        for _attempt in range(3):  # the free port can be taken before redis binds it
            port = free_port()
            proc = subprocess.Popen(
                [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                 "--appendonly", "no", "--dir", str(workdir), "--logfile", str(log),
                 "--daemonize", "no"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            if _wait_ready(proc, port):
                break
            proc.kill()
            proc.wait()
            proc = None
        if proc is None:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"redis-server did not start:\n{server_log}", pytrace=False)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        if proc is not None:
            proc.terminate()  # SIGTERM: redis exits cleanly (nothing to save)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
