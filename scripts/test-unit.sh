#!/usr/bin/env bash
# `make test-unit`: lint and the unit tests, needing only the venv (no apt, no servers, no
# browser). Arguments go to pytest, e.g. scripts/test-unit.sh -x -k numbering
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FRONTDESK_NO_APT=1 "$ROOT/scripts/bootstrap.sh"

.venv/bin/ruff format --check --quiet .
.venv/bin/ruff check --quiet .

rc=0
.venv/bin/python -m pytest tests/unit "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
    echo "error: pytest collected no tests (exit 5); treating as failure" >&2
fi
exit "$rc"
