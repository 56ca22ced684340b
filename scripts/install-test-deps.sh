#!/usr/bin/env bash
# Everything the test suite needs beyond the Python packages: PostgreSQL and
# Redis servers (started per test session by tests/support/), Chromium for the
# browser tests, a font so pages render, and axe-core for accessibility checks.
# Installs only what is missing, so a second run takes well under a second.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

apt_ensure postgresql redis-server chromium fonts-dejavu-core espeak-ng sox libsox-fmt-base

# npm ci gives exactly the versions in package-lock.json. Rerun it when the
# lock file changed since the last install (npm writes node_modules/.package-lock.json).
if [ ! -d node_modules/axe-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    command -v npm >/dev/null || { echo "error: npm not found; install Node.js and npm" >&2; exit 1; }
    quiet npm ci --no-audit --no-fund
fi
