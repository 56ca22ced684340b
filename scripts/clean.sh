#!/usr/bin/env bash
# `make clean`: remove caches and build output. Keeps .venv, node_modules and
# var/ (the demo database); delete those by hand for a truly fresh start.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rm -rf .pytest_cache .ruff_cache .hypothesis build dist ./*.egg-info
find . -path ./.venv -prune -o -path ./node_modules -prune -o \
    \( -name __pycache__ -type d -exec rm -rf {} + \) -o \( -name '*.mo' -type f -delete \)
