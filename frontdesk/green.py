"""The concurrency model: gevent when the process was started for it, threads otherwise.

A server holds one WebSocket per screen and phone. With threads, each costs a thread and a
hundred idle phones can starve HTTP; with gevent, each costs a greenlet of a few kilobytes.
gevent must patch the standard library before anything else imports it, so the servers
(`python -m frontdesk.server`, gunicorn's gevent worker) patch first thing, and everything else
asks `async_mode()` what the process is running on. In-process tests keep plain threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def patched() -> bool:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("socket")


def async_mode() -> str:
    """Flask-SocketIO's async mode for this process."""
    return "gevent" if patched() else "threading"


def off_event_loop(work: Callable[[], T]) -> T:
    """Run blocking work (a disk flush) in a native thread under gevent, so other greenlets go
    on meanwhile; with threads, just run it."""
    if patched():
        import gevent

        return gevent.get_hub().threadpool.apply(work)
    return work()
