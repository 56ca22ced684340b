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

rc=0
.venv/bin/python -m pytest "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
    # pytest's "no tests collected": a wrong path or a broken collection must
    # not look like a green run.
    echo "error: pytest collected no tests (exit 5); treating as failure" >&2
fi
exit "$rc"
