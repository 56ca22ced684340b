"""Run pytest in a process patched for gevent, as `frontdesk serve` and gunicorn's gevent worker
run the app: `python tests/gevent_run.py [pytest args]`. The patch must come before pytest and
everything it imports, hence a launcher rather than a fixture."""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

import pytest  # noqa: E402

if __name__ == "__main__":
    sys.exit(pytest.main(sys.argv[1:]))
