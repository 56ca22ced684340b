"""The queries a ticket action runs never walk past days: read from the databases' own plans.

The statements are captured while the real services run (issue, call next, call out of order,
start, finish, no-show, transfer, alerts, the supervisor's snapshot, the sweeps), with a
listener attached so the live summary is built too. Each is then explained with the parameters
it ran with, on a database built by the migrations and holding many past office days:

- SQLite (no ANALYZE, as in production): every access to ``ticket`` is a SEARCH whose
  constraints include ``office_day``, or goes by primary key, or through an index that holds
  only live tickets; ``alert`` is never scanned.
- PostgreSQL (realistic row counts, ANALYZE): no Seq Scan on ``ticket`` or ``alert``; every
  index used on ``ticket`` is searched on ``office_day`` (or by key, or is a live-only index).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, event, insert, inspect
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from frontdesk import migrate
from frontdesk.db import Database
from frontdesk.events import RecordingBroadcaster
from frontdesk.queue.model import Alert, AlertStatus, AuditEvent, Ticket, TicketStatus
from frontdesk.services import alerts, tickets, views
from frontdesk.services.core import Actor, Core
from tests.support.core import CLERK, KIOSK, SUPERVISOR, FakeClock, office_settings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAST_DAYS = 60
# A partial index holding only waiting tickets not yet flagged: small whatever the history.
LIVE_ONLY = {"ix_ticket_long_wait"}
# Leads with status: through it, a search for called or served tickets meets only those (at
# most one per desk), never the finished ones of past days.
HELD_INDEX = "ix_ticket_held"
HELD = {"CALLED", "SERVING"}
PAST_STATUSES = {s.name for s in TicketStatus} - HELD
KEYS = {"ticket_pkey", "sqlite_autoindex_ticket_1"}


def seed_history(url: str, per_day: int, alerts_per_day: int) -> None:
    """Past office days: mostly done, some no-show, cancelled, and a few left waiting (already
    flagged by the long-wait sweep), with their log entries and resolved alerts."""
    rng = random.Random(5)
    statuses = [TicketStatus.DONE] * 90 + [TicketStatus.NO_SHOW] * 6 + [TicketStatus.CANCELLED] * 3
    statuses += [TicketStatus.WAITING]
    engine = create_engine(url)
    with engine.begin() as connection:
        for back in range(PAST_DAYS, 0, -1):
            day = NOW.date() - timedelta(days=back)
            opens = datetime(day.year, day.month, day.day, 7, tzinfo=UTC)
            rows, log, raised = [], [], []
            for seq in range(1, per_day + 1):
                letter, service = rng.choice((("A", "ids"), ("B", "cars")))
                status = rng.choice(statuses)
                issued = opens + timedelta(seconds=seq * 15)
                called = issued + timedelta(minutes=10) if status is TicketStatus.DONE else None
                rows.append(
                    {
                        "id": f"{day:%Y%m%d}-{letter}{seq}",
                        "office_day": day,
                        "seq": seq,
                        "number": f"{letter}{seq:03d}",
                        "service": service,
                        "issued_service": service,
                        "language": "pl",
                        "needs": [],
                        "status": status,
                        "issued_at": issued,
                        "effective_at": issued,
                        "desk": 1 if called else None,
                        "called_at": called,
                        "started_at": called,
                        "finished_at": called + timedelta(minutes=5) if called else None,
                        "recalls": 0,
                        "long_wait_alerted": status is TicketStatus.WAITING,
                    }
                )
                log.append(
                    {
                        "at": issued,
                        "office_day": day,
                        "kind": "ticket.issued",
                        "actor": "kiosk:hall",
                        "ticket_id": rows[-1]["id"],
                        "service": service,
                        "data": {},
                    }
                )
            for n in range(alerts_per_day):
                raised.append(
                    {
                        "kind": "long_wait",
                        "silent": False,
                        "status": AlertStatus.RESOLVED,
                        "raised_by": "frontdesk",
                        "raised_at": opens + timedelta(minutes=n),
                        "resolved_at": opens + timedelta(minutes=n + 5),
                    }
                )
            connection.execute(insert(Ticket.__table__), rows)
            connection.execute(insert(AuditEvent.__table__), log)
            if raised:
                connection.execute(insert(Alert.__table__), raised)
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def hot_path_statements(url: str) -> list[tuple[str, object]]:
    """Every statement the services send while a small day runs, with its parameters."""
    clock = FakeClock(NOW)
    db = Database(url)
    core = Core(settings=office_settings(), db=db, clock=clock, listeners=[RecordingBroadcaster()])
    seen: dict[str, object] = {}

    @event.listens_for(db.engine, "before_cursor_execute")
    def capture(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        if not executemany:
            seen.setdefault(statement, parameters)

    try:
        issued = [
            tickets.issue_ticket(core, KIOSK, service=service, language="pl", priority=prio)
            for service, prio in [
                ("ids", None),
                ("cars", None),
                ("ids", "card"),
                ("ids", None),
                ("cars", None),
                ("ids", None),
                ("cash", None),
            ]
        ]
        tickets.verify_priority(core, CLERK, issued[2]["id"], accepted=True)
        clock.advance(minutes=2)
        first = tickets.call_next(core, CLERK, 1)
        tickets.start(core, CLERK, first["id"])
        tickets.finish(core, CLERK, first["id"])
        listed = tickets.call_next(core, Actor("ola", "clerk"), 3)
        tickets.no_show(core, Actor("ola", "clerk"), listed["id"])
        tickets.reinstate(core, Actor("ola", "clerk"), listed["id"])
        waiting = [v for v in issued if v["id"] not in (first["id"], listed["id"])]
        tickets.transfer(core, CLERK, waiting[0]["id"], desk=2)
        tickets.transfer(core, CLERK, waiting[1]["id"], service="ids")
        tickets.call_ticket(core, Actor("ewa", "clerk"), waiting[2]["id"], 2, "appointment")
        tickets.finish(core, Actor("ewa", "clerk"), waiting[2]["id"])
        tickets.call_next(core, Actor("ewa", "clerk"), 2)
        alert = alerts.raise_alert(core, CLERK, desk=1, kind="aggression")
        alerts.acknowledge(core, SUPERVISOR, alert["id"])
        clock.advance(minutes=60)
        alerts.raise_long_wait_alerts(core)
        alerts.escalate_due(core)
        with core.reading() as session:
            views.snapshot(core, session, "supervisor")
            views.snapshot(core, session, "display")
    finally:
        db.dispose()
    return list(seen.items())


def touches(statement: str, table: str) -> bool:
    words = statement.lower().replace("\n", " ").split()
    return any(w in (table, f'"{table}"') for w in words) and words[0] in (
        "select",
        "update",
        "delete",
        "with",
    )


def held_only(params) -> bool:
    """The statement looks tickets up only by the statuses of a desk's current visitor."""
    values = params.values() if isinstance(params, dict) else params
    statuses = {v for v in values if isinstance(v, str) and v in TicketStatus.__members__}
    return bool(statuses) and statuses <= HELD


def sqlite_violations(url: str, statements) -> list[str]:
    engine = create_engine(url)
    problems = []
    with engine.connect() as connection:
        for statement, params in statements:
            if not (touches(statement, "ticket") or touches(statement, "alert")):
                continue
            plan = [
                row[3]
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            ]
            for step in plan:
                words = step.split()
                if len(words) < 2 or words[0] not in ("SCAN", "SEARCH"):
                    continue
                table = words[1]
                if table == "alert" and words[0] == "SCAN":
                    problems.append(f"{step}\n    in {statement}")
                if table != "ticket":
                    continue
                ok = words[0] == "SEARCH" and (
                    "office_day=" in step
                    or any(f"INDEX {name} " in f"{step} " for name in LIVE_ONLY | KEYS)
                    or (f"INDEX {HELD_INDEX} (status=" in step and held_only(params))
                )
                if not ok:
                    problems.append(f"{step}\n    in {statement}")
    engine.dispose()
    return problems


def plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def postgres_violations(url: str, statements) -> list[str]:
    engine = create_engine(url)
    problems = []
    with engine.connect() as connection:
        ticket_indexes = set(
            connection.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'ticket'"
            ).scalars()
        )
        for statement, params in statements:
            if not (touches(statement, "ticket") or touches(statement, "alert")):
                continue
            explained = connection.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) {statement}", params
            ).scalar_one()
            for node in plan_nodes(explained[0]["Plan"]):
                kind, index = node["Node Type"], node.get("Index Name")
                if kind == "Seq Scan" and node.get("Relation Name") in ("ticket", "alert"):
                    problems.append(f"Seq Scan on {node['Relation Name']}\n    in {statement}")
                if index not in ticket_indexes:
                    continue
                condition = node.get("Index Cond", "")
                ok = (
                    "office_day" in condition
                    or index in LIVE_ONLY
                    or (index in KEYS and condition)
                    or (
                        index == HELD_INDEX
                        and "status" in condition
                        and not any(status in condition for status in PAST_STATUSES)
                    )
                )
                if not ok:
                    problems.append(f"{kind} using {index} ({condition})\n    in {statement}")
            connection.rollback()
    engine.dispose()
    return problems


def check(url: str, per_day: int, violations) -> None:
    migrate.upgrade(url)
    seed_history(url, per_day=per_day, alerts_per_day=per_day // 20)
    statements = hot_path_statements(url)
    assert len([s for s, _ in statements if touches(s, "ticket")]) >= 10
    problems = violations(url, statements)
    assert not problems, "hot-path queries walk past days:\n" + "\n".join(problems)


def test_hot_path_queries_search_today_only_on_sqlite(sqlite_url):
    check(sqlite_url, per_day=100, violations=sqlite_violations)


@pytest.mark.postgres
def test_hot_path_queries_search_today_only_on_postgresql(fresh_postgres_database):
    check(fresh_postgres_database, per_day=1000, violations=postgres_violations)


def index_shapes(engine) -> dict[str, set]:
    found = {}
    for table in SQLModel.metadata.sorted_tables:
        found[table.name] = {
            (i["name"], tuple(i["column_names"]), bool(i.get("unique")))
            for i in inspect(engine).get_indexes(table.name)
        }
    return found


def model_index_shapes(url: str) -> dict[str, set]:
    db = Database(url)
    db.create_all()
    try:
        return index_shapes(db.engine)
    finally:
        db.dispose()


def check_indexes(migrated_url: str, model_url: str) -> None:
    migrate.upgrade(migrated_url)
    engine = create_engine(migrated_url)
    try:
        assert index_shapes(engine) == model_index_shapes(model_url)
    finally:
        engine.dispose()


def test_migrations_build_the_models_indexes_on_sqlite(tmp_path):
    check_indexes(f"sqlite:///{tmp_path / 'migrated.db'}", f"sqlite:///{tmp_path / 'model.db'}")


@pytest.mark.postgres
def test_migrations_build_the_models_indexes_on_postgresql(fresh_postgres_database):
    migrated = make_url(fresh_postgres_database)
    model = migrated.set(database=f"{migrated.database}_model")
    admin = create_engine(migrated, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{model.database}"')
    try:
        check_indexes(fresh_postgres_database, model.render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{model.database}" WITH (FORCE)')
        admin.dispose()
