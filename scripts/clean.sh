#!/usr/bin/env bash
# `make clean`: remove caches and build output. Keeps .venv, node_modules and
# var/ (the demo database); delete those by hand for a truly fresh start.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rm -rf .pytest_cache .ruff_cache .hypothesis build dist ./*.egg-info
# Generated files inside the tree, but not inside the venv or node_modules.
find . \( -path ./.venv -o -path ./node_modules \) -prune -o -name __pycache__ -type d -print0 |
    xargs -0r rm -rf
find . \( -path ./.venv -o -path ./node_modules \) -prune -o -name '*.mo' -type f -print0 |
    xargs -0r rm -f
