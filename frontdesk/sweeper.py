"""Timed duties of the server: escalate unanswered alerts, flag long waits."""

from __future__ import annotations

import threading

from flask import Flask

from frontdesk.services import alerts

INTERVAL_SECONDS = 5


class Sweeper:
    def __init__(self, app: Flask, interval: float = INTERVAL_SECONDS):
        self.app = app
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="frontdesk-sweeper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def sweep(self) -> None:
        core = self.app.extensions["frontdesk"]
        with self.app.app_context():
            alerts.escalate_due(core)
            alerts.raise_long_wait_alerts(core)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep()
            except Exception:
                # One failed sweep (e.g. the database restarting) must not end the duty.
                self.app.logger.exception("sweep failed; trying again shortly")
