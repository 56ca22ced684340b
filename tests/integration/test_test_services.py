"""The test-service fixtures (tests/support/) start working servers."""

import redis
from sqlalchemy import create_engine, text


def _scalar(url: str, query: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(query)).scalar_one()
    finally:
        engine.dispose()  # close pooled connections: filterwarnings=error


def test_postgres_url_is_a_working_postgresql_15(postgres_url):
    assert postgres_url.startswith("postgresql+psycopg://")
    assert _scalar(postgres_url, "select version()").startswith("PostgreSQL 15")
    assert _scalar(postgres_url, "select current_database()") == "frontdesk_test"


def test_fresh_postgres_database_is_isolated(postgres_url, fresh_postgres_database):
    assert fresh_postgres_database != postgres_url
    engine = create_engine(fresh_postgres_database)
    try:
        with engine.begin() as conn:
            conn.execute(text("create table marker (id int)"))
    finally:
        engine.dispose()
    # The table exists only in the fresh database, not in the shared one.
    has_marker = "select count(*) from information_schema.tables where table_name = 'marker'"
    assert _scalar(fresh_postgres_database, has_marker) == 1
    assert _scalar(postgres_url, has_marker) == 0


def test_fresh_postgres_database_is_new_each_time(fresh_postgres_database):
    # Runs after the test above: a table made there must not be visible here.
    has_marker = "select count(*) from information_schema.tables where table_name = 'marker'"
    assert _scalar(fresh_postgres_database, has_marker) == 0


def test_redis_url_answers_ping(redis_url):
    with redis.Redis.from_url(redis_url) as client:
        assert client.ping()
        client.set("frontdesk:test", "ok")
        assert client.get("frontdesk:test") == b"ok"
