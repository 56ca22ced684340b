"""`frontdesk db upgrade` builds the same schema as the models, on SQLite and PostgreSQL, and the
event log it builds refuses changes."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import frontdesk.queue.model  # noqa: F401  (registers the tables)
from frontdesk import migrate


def upgraded(url: str):
    migrate.upgrade(url)
    return create_engine(url)


def check_schema_and_guard(url: str) -> None:
    engine = upgraded(url)
    try:
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set(SQLModel.metadata.tables)
        for table in SQLModel.metadata.sorted_tables:
            columns = {c["name"] for c in inspect(engine).get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
        with engine.connect() as connection:
            connection.exec_driver_sql(
                "INSERT INTO auditevent (at, office_day, kind, actor, data) "
                "VALUES ('2026-03-02 08:00:00', '2026-03-02', 'test', 'test', '{}')"
            )
            connection.commit()
            with pytest.raises(Exception, match="append-only"):
                connection.exec_driver_sql("DELETE FROM auditevent")
    finally:
        engine.dispose()


def test_migrations_build_the_models_schema_on_sqlite(sqlite_url):
    check_schema_and_guard(sqlite_url)


@pytest.mark.postgres
def test_migrations_build_the_models_schema_on_postgresql(fresh_postgres_database):
    check_schema_and_guard(fresh_postgres_database)


def test_upgrading_twice_changes_nothing(sqlite_url):
    upgraded(sqlite_url).dispose()
    check_schema_and_guard(sqlite_url)
