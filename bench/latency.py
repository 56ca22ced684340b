"""Issue and call-next latency, at the service layer and through HTTP on 127.0.0.1.

    .venv/bin/python bench/latency.py [--tickets 400] [--postgres URL]

Prints p50/p95/p99 and max in milliseconds. The load is bounded: --tickets issues, then the
same number of call-next/finish pairs, spread over the desks that serve the service.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from frontdesk.app import create_app  # noqa: E402
from frontdesk.db import Database  # noqa: E402
from frontdesk.events import RecordingBroadcaster  # noqa: E402
from frontdesk.services import staff, tickets  # noqa: E402
from frontdesk.services.core import Actor, Core  # noqa: E402
from frontdesk.settings import load  # noqa: E402

KIOSK = Actor("bench-kiosk", "kiosk")
CLERK = Actor("bench-clerk", "clerk")
ROOT = Path(__file__).resolve().parent.parent


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100)
    return (
        f"p50 {q[49]:7.2f}  p95 {q[94]:7.2f}  p99 {q[98]:7.2f}  max {ordered[-1]:7.2f}"
        f"  (n={len(ordered)})"
    )


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def service_layer(core: Core, count: int) -> None:
    desks = [d.number for d in core.settings.desks if "registration" in d.services]
    issue_ms = [
        timed(lambda: tickets.issue_ticket(core, KIOSK, service="registration", language="pl"))[0]
        for _ in range(count)
    ]
    call_ms = []
    for i in range(count):
        ms, view = timed(lambda i=i: tickets.call_next(core, CLERK, desks[i % len(desks)]))
        call_ms.append(ms)
        tickets.finish(core, CLERK, view["id"])
    print(f"  issue_ticket      {percentiles(issue_ms)}")
    print(f"  call_next         {percentiles(call_ms)}")


def over_http(core: Core, count: int) -> None:
    app = create_app(core=core, SECRET_KEY="bench")
    token = staff.add_token(core, Actor("bench", "admin"), "bench kiosk", "kiosk")
    staff.add_user(core, Actor("bench", "admin"), "bench-clerk-http", "clerk", "bench-password")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/api/v1"
    kiosk = requests.Session()
    kiosk.headers["Authorization"] = f"Bearer {token}"
    clerk = requests.Session()
    clerk.post(
        f"{base}/session", json={"username": "bench-clerk-http", "password": "bench-password"}
    ).raise_for_status()
    desks = [d.number for d in core.settings.desks if "registration" in d.services]
    try:
        issue_ms = []
        for _ in range(count):
            ms, response = timed(
                lambda: kiosk.post(
                    f"{base}/tickets", json={"service": "registration", "language": "pl"}
                )
            )
            assert response.status_code == 201, response.text
            issue_ms.append(ms)
        call_ms = []
        for i in range(count):
            ms, response = timed(
                lambda i=i: clerk.post(f"{base}/desks/{desks[i % len(desks)]}/call-next")
            )
            assert response.status_code == 200, response.text
            call_ms.append(ms)
            clerk.post(f"{base}/tickets/{response.json()['id']}/finish").raise_for_status()
        print(f"  POST /tickets     {percentiles(issue_ms)}")
        print(f"  POST call-next    {percentiles(call_ms)}")
    finally:
        server.shutdown()
        server.server_close()
        printing = app.extensions.get("frontdesk.printing")
        if printing:
            printing.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--postgres", help="also measure on this PostgreSQL database URL")
    args = parser.parse_args()
    base = load(ROOT / "config.toml")
    with tempfile.TemporaryDirectory() as tmp:
        settings = base.model_copy(
            update={
                "printer": base.printer.model_copy(update={"backend": "none"}),
            }
        )
        targets = [("SQLite (WAL, BEGIN IMMEDIATE)", f"sqlite:///{tmp}/bench.db")]
        if args.postgres:
            targets.append(("PostgreSQL (SKIP LOCKED)", args.postgres))
        for label, url in targets:
            for layer, run in (("service layer", service_layer), ("HTTP on 127.0.0.1", over_http)):
                db = Database(url)
                db.create_all()
                print(f"{label}, {layer}, {args.tickets} tickets, latency in ms:")
                # A listener makes the service layer pay for the live-screen summary too.
                run(
                    Core(settings=settings, db=db, listeners=[RecordingBroadcaster()]), args.tickets
                )
                db.dispose()
                _reset(url)


def _reset(url: str) -> None:
    from sqlmodel import SQLModel

    db = Database(url)
    SQLModel.metadata.drop_all(db.engine)
    db.dispose()


if __name__ == "__main__":
    main()
