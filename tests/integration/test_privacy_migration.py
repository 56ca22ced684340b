"""Migration 0007 takes the needs and priorities that older versions copied into the event log
out of it, and leaves the log append-only again."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from frontdesk import migrate

OLD_ENTRIES = [
    (
        "ticket.issued",
        {"number": "A001", "language": "uk", "needs": ["hearing"], "priority": "card"},
    ),
    ("priority.verified", {"priority": "card", "unchecked": True}),
    ("ticket.called", {"number": "A001"}),
]


def check_the_log_is_cleaned(url: str) -> None:
    migrate.upgrade(url, "0006")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for kind, data in OLD_ENTRIES:
                connection.execute(
                    text(
                        "INSERT INTO auditevent (at, office_day, kind, actor, data) "
                        "VALUES ('2026-03-02 08:00:00', '2026-03-02', :kind, 'test', :data)"
                    ),
                    {"kind": kind, "data": json.dumps(data)},
                )
        migrate.upgrade(url)
        with engine.connect() as connection:
            found = connection.execute(text("SELECT kind, data FROM auditevent ORDER BY id")).all()
            assert [(k, d if isinstance(d, dict) else json.loads(d)) for k, d in found] == [
                ("ticket.issued", {"number": "A001", "language": "uk"}),
                ("priority.verified", {"unchecked": True}),
                ("ticket.called", {"number": "A001"}),
            ]
            with pytest.raises(Exception, match="append-only"):
                connection.execute(text("UPDATE auditevent SET kind = 'x'"))
    finally:
        engine.dispose()


def test_the_upgrade_takes_personal_data_out_of_the_log_on_sqlite(sqlite_url):
    check_the_log_is_cleaned(sqlite_url)


@pytest.mark.postgres
def test_the_upgrade_takes_personal_data_out_of_the_log_on_postgresql(fresh_postgres_database):
    check_the_log_is_cleaned(fresh_postgres_database)
