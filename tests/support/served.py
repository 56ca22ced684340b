"""Real server processes for tests: an office folder with a copy of the shipped config, the
`frontdesk` CLI run against it, and `frontdesk serve` started and stopped as an admin would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support._util import free_port

REPO = Path(__file__).resolve().parents[2]
FRONTDESK = Path(sys.executable).with_name("frontdesk")
START_WAIT = 30.0


class OfficeFolder:
    """A temp folder holding config.toml (the shipped one with `replace` applied) and whatever
    the CLI writes there; `run` is the `frontdesk` command with that config."""

    def __init__(
        self, folder: Path, replace: dict[str, str] | None = None, frontdesk: Path = FRONTDESK
    ):
        self.frontdesk = frontdesk  # another install's command (tests/integration/test_wheel.py)
        config = (REPO / "config.toml").read_text(encoding="utf-8")
        replace = {
            '"sqlite:///var/frontdesk.db"': f'"sqlite:///{folder / "office.db"}"',
            '"var/printer.bin"': f'"{folder / "printer.bin"}"',
            **(replace or {}),
        }
        for shipped, ours in replace.items():
            assert shipped in config, f"the shipped config has no {shipped!r}"
            config = config.replace(shipped, ours)
        self.folder = folder
        self.config = folder / "config.toml"
        self.config.write_text(config, encoding="utf-8")
        self.environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "FRONTDESK_"))
        }
        self.environment |= {
            "FRONTDESK_CONFIG": str(self.config),
            "FRONTDESK_SECRET_KEY": "served-test-secret",
        }

    def run(self, *args: str, stdin: str = "") -> str:
        done = subprocess.run(
            [str(self.frontdesk), *args],
            cwd=self.folder,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=120,
            input=stdin,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def token(self, role: str) -> str:
        return self.run("token", "add", f"test {role}", "--role", role)

    def user(self, name: str, role: str, password: str) -> None:
        self.run("user", "add", name, "--role", role, "--password-stdin", stdin=password + "\n")


class Server:
    """`frontdesk serve` (built-in, or with `--gunicorn`) on a free port of 127.0.0.1, or on
    `port` (a server started again where its clients expect it)."""

    def __init__(self, office: OfficeFolder, *args: str, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = office.folder / f"server-{self.port}.log"
        self.log = self.log_path.open("a")  # a restart on the same port keeps the first log
        self.process = subprocess.Popen(
            [str(office.frontdesk), "serve", "--port", str(self.port), *args],
            cwd=office.folder,
            env=office.environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/api/v1/services", timeout=2).ok:
                    return
            except requests.RequestException:  # not listening yet, or still loading the app
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"server on {self.port} did not start:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """kill -9: no shutdown, no flush, whatever the server was doing."""
        self.process.kill()
        self.process.wait(15)
        self.log.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
