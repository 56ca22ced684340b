"""Timed duties of the server: escalate unanswered alerts, flag long waits, erase personal data
past retention_days, write SQLite's log back into the database file."""

from __future__ import annotations

import threading
import time

from flask import Flask

from frontdesk import green
from frontdesk.services import alerts, privacy
from frontdesk.services.core import SYSTEM

INTERVAL_SECONDS = 5
# The purge works by office day, so once an hour is on time; it is also run at start.
PURGE_SECONDS = 3600


class Sweeper:
    def __init__(self, app: Flask, interval: float = INTERVAL_SECONDS):
        self.app = app
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._purged_at: float | None = None

    def start(self) -> None:
        self.app.extensions["frontdesk"].db.checkpoint_in_background()
        self._thread = threading.Thread(target=self._run, name="frontdesk-sweeper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def sweep(self) -> None:
        core = self.app.extensions["frontdesk"]
        green.off_event_loop(core.db.checkpoint)
        with self.app.app_context():
            alerts.escalate_due(core)
            alerts.raise_long_wait_alerts(core)
            if self._purged_at is None or time.monotonic() - self._purged_at >= PURGE_SECONDS:
                privacy.purge(core, SYSTEM)
                self._purged_at = time.monotonic()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep()
            except Exception:
                # One failed sweep (e.g. the database restarting) must not end the duty.
                self.app.logger.exception("sweep failed; trying again shortly")
