#!/usr/bin/env bash
# `make run`: set up, migrate the demo database, start the demo server.
# Extra arguments go to `frontdesk demo`.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$ROOT/scripts/bootstrap.sh"
export FRONTDESK_CONFIG="${FRONTDESK_CONFIG:-$ROOT/config.toml}"
.venv/bin/frontdesk db upgrade
exec .venv/bin/frontdesk demo "$@"
