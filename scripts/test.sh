#!/usr/bin/env bash
# `make test` / CI: install what is needed, lint, then run pytest.
# Arguments go to pytest, e.g. scripts/test.sh tests/unit -x
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/install-test-deps.sh"

export FRONTDESK_CHROMIUM="${FRONTDESK_CHROMIUM:-/usr/bin/chromium}"

.venv/bin/ruff format --check --quiet .
.venv/bin/ruff check --quiet .

# The live-connection suites once more in a process patched for gevent, as the servers run
# them (tests/gevent_run.py). Only for a full run: arguments select tests of the main run.
GEVENT_SUITES=(
    tests/integration/test_sockets.py
    tests/integration/test_api.py
    tests/integration/test_ticket_printing.py
)

rc=0
.venv/bin/python -m pytest "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
    # pytest's "no tests collected": a wrong path or a broken collection must
    # not look like a green run.
    echo "error: pytest collected no tests (exit 5); treating as failure" >&2
fi
if [ "$#" -eq 0 ]; then
    echo "== the live-connection suites under gevent =="
    .venv/bin/python tests/gevent_run.py -p no:cacheprovider "${GEVENT_SUITES[@]}" || rc=$?
fi
exit "$rc"
