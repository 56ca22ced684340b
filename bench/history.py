"""Does the cost of a ticket action grow with the office's history? Service-layer latency of
issue, call-next, finish and the supervisor's state snapshot over 0, 100,000 and 1,000,000
past tickets, on SQLite and PostgreSQL.

    .venv/bin/python bench/history.py [--sizes 0,100000,1000000] [--actions 600]
        [--postgres URL | --no-postgres] [--time-limit 900]

Each history size gets its own database, built by the migrations and filled in one INSERT ...
SELECT per table (past office days of 2,000 tickets: mostly done, some no-show, cancelled or
left waiting, one log entry each, a few resolved alerts). Today starts with a standing queue;
then every step issues one ticket, calls the next at a desk serving it, takes a snapshot and
finishes the call, with a listener attached so the live summary is built after each change.
Steps are interleaved across the sizes, so a noisy neighbour on the machine hits them alike.
Without --postgres, a throwaway server is started on 127.0.0.1 (bench/_server.py); with it,
sibling databases `<name>_history_<size>` are created on that server and dropped afterwards.
Prints p50/p95/p99 per operation and size, and p99(largest)/p99(0).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from latency import KIOSK, percentiles, timed  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from frontdesk import migrate  # noqa: E402
from frontdesk.db import Database  # noqa: E402
from frontdesk.events import RecordingBroadcaster  # noqa: E402
from frontdesk.queue import rules  # noqa: E402
from frontdesk.services import tickets, views  # noqa: E402
from frontdesk.services.core import Actor, Core, utcnow  # noqa: E402
from frontdesk.settings import Settings, load  # noqa: E402

ROOT = HERE.parent
PER_DAY = 2_000  # a busy district office's day
STANDING_QUEUE = 30
OPERATIONS = ("issue_ticket", "call_next", "finish", "snapshot")


def bench_settings() -> Settings:
    base = load(ROOT / "config.toml")
    return base.model_copy(
        update={
            "printer": base.printer.model_copy(update={"backend": "none"}),
            # A bounded run must not meet the daily cap of a small service.
            "services": tuple(s.model_copy(update={"daily_cap": 999}) for s in base.services),
        }
    )


# --- filling the past ------------------------------------------------------------------------


def _case(index: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values))
    return f"(CASE ({index}) % {len(values)} {whens} END)"


def fill_history(url: str, settings: Settings, count: int, today: date) -> float:
    """Past tickets on the office days before `today`, their log entries, counters and a few
    resolved alerts; returns the seconds it took."""
    if count == 0:
        return 0.0
    started = time.perf_counter()
    codes = [s.code for s in settings.services]
    letters = [s.letter for s in settings.services]
    postgres = make_url(url).get_backend_name() == "postgresql"
    # i -> (day back, seq, status); 90% done, 6% no-show, 3% cancelled, 1 in 500 left waiting
    # at closing (already flagged by the long-wait sweep).
    status = (
        "(CASE WHEN i % 500 = 499 THEN 'WAITING' WHEN i % 100 < 90 THEN 'DONE' "
        "WHEN i % 100 < 96 THEN 'NO_SHOW' ELSE 'CANCELLED' END)"
    )
    if postgres:
        rows = f"generate_series(0, {count - 1}) AS g(i)"
        day = f"(DATE '{today}' - (1 + i / {PER_DAY}))"
        at = (
            f"(({day} + TIME '07:00') AT TIME ZONE 'UTC' + (i % {PER_DAY}) * INTERVAL '12 seconds')"
        )
        minutes = "* INTERVAL '1 minute'"
        ident = "'h' || lpad(i::text, 8, '0')"
        number = f"{_case('i', letters)} || lpad((1 + i % {PER_DAY})::text, 4, '0')"
        status_sql, flag, empty = f"{status}::ticketstatus", "(i % 500 = 499)", "'[]'::json"
        prefix = ""
    else:
        rows = "n"
        day = f"date('{today}', '-' || (1 + i / {PER_DAY}) || ' days')"
        at = f"datetime({day}, '+7 hours', '+' || ((i % {PER_DAY}) * 12) || ' seconds')"
        minutes = None
        ident = "printf('h%08d', i)"
        number = f"{_case('i', letters)} || printf('%04d', 1 + i % {PER_DAY})"
        status_sql, flag, empty = status, "(i % 500 = 499)", "'[]'"
        prefix = (
            "WITH RECURSIVE n(i) AS "
            f"(SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {count - 1}) "
        )

    def later(base: str, mins: int) -> str:
        if postgres:
            return f"({base} + {mins} {minutes})"
        return f"datetime({base}, '+{mins} minutes')"

    called = f"(CASE WHEN i % 500 <> 499 AND i % 100 < 96 THEN {later(at, 15)} END)"
    finished = f"(CASE WHEN i % 500 <> 499 AND i % 100 < 90 THEN {later(at, 21)} END)"
    no_show = f"(CASE WHEN i % 500 <> 499 AND i % 100 BETWEEN 90 AND 95 THEN {later(at, 17)} END)"
    service = _case("i", codes)
    insert_tickets = (
        f"{prefix}INSERT INTO ticket (id, office_day, seq, number, service, issued_service, "
        "language, needs, status, issued_at, effective_at, desk, called_at, started_at, "
        "finished_at, no_show_at, recalls, long_wait_alerted) "
        f"SELECT {ident}, {day}, 1 + i % {PER_DAY}, {number}, {service}, {service}, 'pl', "
        f"{empty}, {status_sql}, {at}, {at}, CASE WHEN {called} IS NULL THEN NULL "
        f"ELSE 1 + i % 6 END, {called}, {called}, {finished}, {no_show}, 0, {flag} FROM {rows}"
    )
    data = "'{}'::json" if postgres else "'{}'"
    statements = [
        insert_tickets,
        "INSERT INTO auditevent (at, office_day, kind, actor, ticket_id, service, data) "
        f"SELECT issued_at, office_day, 'ticket.issued', 'kiosk:hall', id, service, {data} "
        "FROM ticket",
        "INSERT INTO ticketcounter (office_day, letter, last_seq) "
        "SELECT office_day, substr(number, 1, 1), max(seq) FROM ticket "
        "GROUP BY office_day, substr(number, 1, 1)",
        # A long-wait alert for each ticket left waiting, resolved the same day.
        "INSERT INTO alert (kind, silent, status, raised_by, raised_at, ticket_id, resolved_at) "
        f"SELECT 'long_wait', {'false' if postgres else '0'}, "
        f"'RESOLVED'{'::alertstatus' if postgres else ''}, 'frontdesk', "
        f"issued_at, id, issued_at FROM ticket WHERE status = 'WAITING'",
    ]
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            # psycopg reads % as a placeholder even without parameters.
            connection.exec_driver_sql(statement.replace("%", "%%") if postgres else statement)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if postgres:
            # What autovacuum does to a table of this age: statistics and a visibility map.
            connection.exec_driver_sql("VACUUM ANALYZE")
            connection.exec_driver_sql("CHECKPOINT")
        else:
            # A running office checkpoints as it goes; without this the first measured commits
            # would copy the whole fill from the WAL, and reads would search a huge WAL index.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    os.sync()  # nor should the fill's writeback land in the measured fsyncs
    return time.perf_counter() - started


# --- databases --------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_databases(sizes: list[int]) -> Iterator[dict[int, str]]:
    with tempfile.TemporaryDirectory(prefix="frontdesk-history-") as tmp:
        yield {size: f"sqlite:///{tmp}/history_{size}.db" for size in sizes}


@contextlib.contextmanager
def postgres_databases(sizes: list[int], url: str | None) -> Iterator[dict[int, str]]:
    with contextlib.ExitStack() as stack:
        if url is None:
            from _server import postgres

            url = stack.enter_context(postgres())
        base = make_url(url)
        names = {size: f"{base.database}_history_{size}" for size in sizes}
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in names.values():
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield {
                size: base.set(database=name).render_as_string(hide_password=False)
                for size, name in names.items()
            }
        finally:
            with admin.connect() as connection:
                for name in names.values():
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


# --- the measurement --------------------------------------------------------------------------


class Office:
    """One database with its history, and the desks' rotation through today's work."""

    def __init__(self, url: str, settings: Settings):
        self.db = Database(url)
        self.core = Core(settings=settings, db=self.db, listeners=[RecordingBroadcaster()])
        self.samples: dict[str, list[float]] = {op: [] for op in OPERATIONS}
        served = [
            s.code for s in settings.services if any(s.code in d.services for d in settings.desks)
        ]
        self.services = itertools.cycle(served)
        self.desks = {
            code: itertools.cycle([d.number for d in settings.desks if code in d.services])
            for code in served
        }
        self.clerks = {d.number: Actor(f"clerk-{d.number}", "clerk") for d in settings.desks}

    def warm_up(self) -> None:
        for _ in range(STANDING_QUEUE):
            tickets.issue_ticket(self.core, KIOSK, service=next(self.services), language="pl")
        for _ in range(5):
            self.step(record=False)
        self.core.listeners[0] = RecordingBroadcaster()

    def step(self, record: bool = True) -> None:
        service = next(self.services)
        desk = next(self.desks[service])
        clerk = self.clerks[desk]
        ms = {}
        ms["issue_ticket"], _ = timed(
            lambda: tickets.issue_ticket(self.core, KIOSK, service=service, language="pl")
        )
        ms["call_next"], called = timed(lambda: tickets.call_next(self.core, clerk, desk))
        ms["snapshot"], _ = timed(self.snapshot)
        if called is not None:
            ms["finish"], _ = timed(lambda: tickets.finish(self.core, clerk, called["id"]))
        if record:
            for op, value in ms.items():
                self.samples[op].append(value)
        if len(self.core.listeners[0].events) > 10_000:
            self.core.listeners[0] = RecordingBroadcaster()

    def snapshot(self) -> dict:
        with self.core.reading() as session:
            return views.snapshot(self.core, session, "supervisor")


def measure(label: str, urls: dict[int, str], settings: Settings, args) -> dict[int, Office]:
    today = rules.office_day(utcnow(), settings.office.zone)
    offices = {}
    for size, url in urls.items():
        migrate.upgrade(url)
        seconds = fill_history(url, settings, size, today)
        print(f"{label}: {size:>9,} past tickets filled in {seconds:6.1f} s", flush=True)
        offices[size] = Office(url, settings)
        offices[size].warm_up()
    deadline = time.monotonic() + args.time_limit
    batch = 20
    gc.collect()
    for _ in range(0, args.actions, batch):
        if time.monotonic() > deadline:
            print(f"{label}: time limit reached, stopping early", flush=True)
            break
        for office in offices.values():
            for _ in range(batch):
                office.step()
    for office in offices.values():
        office.db.dispose()
    return offices


def report(label: str, offices: dict[int, Office]) -> None:
    sizes = sorted(offices)
    print(f"\n{label}, service layer, latency in ms:")
    for size in sizes:
        print(f" {size:>9,} past tickets")
        for op in OPERATIONS:
            print(f"  {op:<14}{percentiles(offices[size].samples[op])}")
    p99 = {
        (size, op): statistics.quantiles(offices[size].samples[op], n=100)[98]
        for size in sizes
        for op in OPERATIONS
    }
    head = "".join(f"{f'p99 @ {size:,}':>16}" for size in sizes)
    print(f"\n  {'operation':<14}{head}{f'p99 {sizes[-1]:,}/0':>16}")
    for op in OPERATIONS:
        row = "".join(f"{p99[size, op]:16.2f}" for size in sizes)
        ratio = p99[sizes[-1], op] / p99[sizes[0], op]
        print(f"  {op:<14}{row}{ratio:16.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,100000,1000000")
    parser.add_argument("--actions", type=int, default=600, help="measured steps per size")
    parser.add_argument("--postgres", help="PostgreSQL URL whose server gets the databases")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--time-limit", type=float, default=900, help="seconds per database")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    settings = bench_settings()
    targets = [("SQLite (WAL, BEGIN IMMEDIATE)", lambda: sqlite_databases(sizes))]
    if not args.no_postgres:
        targets.append(("PostgreSQL", lambda: postgres_databases(sizes, args.postgres)))
    for label, databases in targets:
        with databases() as urls:
            report(label, measure(label, urls, settings, args))


if __name__ == "__main__":
    main()
