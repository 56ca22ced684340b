# Fixtures live in tests/support, one module per kind of resource; they are shared by the
# unit, integration and browser tests.
pytest_plugins = [
    "tests.support.core",
    "tests.support.web",
    "tests.support.postgres",
    "tests.support.redis",
]
