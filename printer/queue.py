"""Send tickets to the printer off the request thread, with bounded retries.

A kiosk request must answer in milliseconds even when the printer is off, out of paper or
slow to time out, so printing happens on one daemon worker thread. One thread also means
jobs reach the printer one at a time, in the order they were issued. Plain threading (no
asyncio) because the server runs Flask-SocketIO in threading mode.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .backends import PrinterUnavailable, TicketPrinter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrinterStatus:
    """What the staff screens show about the printer."""

    online: bool
    message: str
    pending: int  # jobs submitted and not yet printed or given up
    last_job_id: str | None  # the most recent job that printed
    failed_job_id: str | None  # the job given up on, in the report about that failure


StatusCallback = Callable[[PrinterStatus], None]


class PrintQueue:
    """A FIFO of print jobs drained by one daemon thread.

    `on_status` is called on the worker thread, only when the printer goes online or
    offline (including the first time it becomes known) and when a job is given up on.
    """

    def __init__(
        self,
        printer: TicketPrinter,
        on_status: StatusCallback | None = None,
        *,
        tries: int = 3,
        backoff: float = 0.5,
        recheck_interval: float | None = 5.0,
    ) -> None:
        """`tries` counts attempts per job, `backoff` seconds apart: a fixed, short wait,
        because a ticket printed a minute late is no use to the visitor holding it.
        While offline and idle, the printer is probed every `recheck_interval` seconds
        so the staff see it come back without printing a ticket (None: only the next
        job tells).
        """
        if tries < 1:
            raise ValueError("tries must be at least 1")
        if backoff < 0:
            raise ValueError("backoff must not be negative")
        if recheck_interval is not None and recheck_interval <= 0:
            raise ValueError("recheck_interval must be positive or None")
        self._printer = printer
        self._on_status = on_status
        self._tries = tries
        self._backoff = backoff
        self._recheck_interval = recheck_interval
        # Unbounded, so put() never blocks; None is queued by close(), after every job.
        self._jobs: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self._stopping = threading.Event()  # cuts a backoff short and stops retrying
        self._lock = threading.Lock()  # guards the fields below
        self._closed = False
        self._pending = 0
        self._online: bool | None = None  # None until the first probe or job says
        self._last_job_id: str | None = None
        self._last_status: PrinterStatus | None = None
        self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    @property
    def last_status(self) -> PrinterStatus | None:
        """The latest status reported through `on_status`, or None before the first."""
        with self._lock:
            return self._last_status

    def start(self) -> None:
        """Start the worker; it first probes the printer so its state is known early."""
        with self._lock:
            if self._closed:
                raise RuntimeError("print queue is closed")
            if not self._thread.is_alive() and self._thread.ident is None:
                self._thread.start()

    def submit(self, job_id: str, data: bytes) -> None:
        """Queue one rendered ticket; returns at once, whatever the printer is doing."""
        with self._lock:
            if self._closed:
                raise RuntimeError("print queue is closed")
            self._pending += 1
            self._jobs.put((job_id, bytes(data)))

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting jobs and wait up to `timeout` s for the worker to finish.

        Jobs already submitted still get one attempt each (no retries), so a restart
        does not silently swallow the tickets of visitors standing at the kiosk.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._stopping.set()
            self._jobs.put(None)
        # The callback runs on the worker; joining itself would raise.
        if self._thread.ident is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        self._recheck()
        while True:
            # Block indefinitely while online; wake up to re-probe while offline.
            with self._lock:
                wait = self._recheck_interval if self._online is False else None
            try:
                item = self._jobs.get(timeout=wait)
            except queue.Empty:
                self._recheck()
                continue
            if item is None:
                return
            self._print(*item)

    def _print(self, job_id: str, data: bytes) -> None:
        for attempt in range(1, self._tries + 1):
            try:
                self._printer.send(data)
            except PrinterUnavailable as exc:
                error = exc.message
            except Exception as exc:  # a bug in a backend must not kill the worker
                log.exception("printer backend failed on job %s", job_id)
                error = f"printer error: {exc!r}"
            else:
                self._finish(job_id, online=True, message="printer ready")
                return
            log.warning("job %s attempt %d/%d failed: %s", job_id, attempt, self._tries, error)
            if attempt == self._tries or self._stopping.wait(self._backoff):
                break
        self._finish(job_id, online=False, message=error, failed=True)

    def _finish(self, job_id: str, *, online: bool, message: str, failed: bool = False) -> None:
        with self._lock:
            self._pending -= 1
            if not failed:
                self._last_job_id = job_id
            changed = self._online is not online
            self._online = online
            status = self._status(message, failed_job_id=job_id if failed else None)
        if changed or failed:
            self._report(status)

    def _recheck(self) -> None:
        try:
            reachable = self._printer.probe()
        except Exception:  # same reasoning as in _print
            log.exception("printer probe failed")
            reachable = False
        with self._lock:
            if self._online is reachable:
                return
            self._online = reachable
            message = "printer ready" if reachable else f"printer not reachable: {self._printer!r}"
            status = self._status(message, failed_job_id=None)
        self._report(status)

    def _status(self, message: str, *, failed_job_id: str | None) -> PrinterStatus:
        # Caller holds the lock.
        assert self._online is not None
        return PrinterStatus(
            online=self._online,
            message=message,
            pending=self._pending,
            last_job_id=self._last_job_id,
            failed_job_id=failed_job_id,
        )

    def _report(self, status: PrinterStatus) -> None:
        with self._lock:
            self._last_status = status
        if self._on_status is None:
            return
        try:
            self._on_status(status)
        except Exception:  # a broken listener must not stop the printing
            log.exception("printer status callback failed")
