# Shared test configuration. The plugins start throwaway PostgreSQL and Redis
# servers for tests that ask for them (fixtures postgres_url,
# fresh_postgres_database, redis_url); see tests/support/.
pytest_plugins = ["tests.support.postgres", "tests.support.redis"]
