#!/usr/bin/env bash
# Make the checkout runnable: venv, editable install, compiled translations, var/.
# Idempotent and quick when nothing changed (no pip run at all in that case).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON="${PYTHON:-python3}"

# Debian's python3 ships without ensurepip; "python3 -m venv" then fails.
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -c 'import ensurepip' 2>/dev/null && command -v dpkg-query >/dev/null; then
        apt_ensure python3-venv
    fi
    rm -rf .venv  # a half-created venv from an earlier failed attempt
    "$PYTHON" -m venv .venv
fi

# Reinstall only when something pip cares about changed: the dependency list in
# pyproject.toml, or the set of top-level packages (a flat-layout editable
# install maps package names at install time, so a new package needs a rerun).
stamp=.venv/.frontdesk-bootstrap
want="$( { cat pyproject.toml; ls -d ./*/__init__.py 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)"
if [ ! -x .venv/bin/frontdesk ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    quiet .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
    echo "$want" >"$stamp"
fi

# Flask-Babel reads .mo files; compile when a .po is newer than its .mo.
# There may be no catalogues at all yet, which is fine.
while IFS= read -r po; do
    if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then
        quiet .venv/bin/pybabel compile -d frontdesk/translations
        break
    fi
done < <(find frontdesk/translations -name '*.po' 2>/dev/null)

# The display's spoken calls: clips made here, offline, so the hall hears calls without the
# internet or a browser voice (display/audio.py).
# FRONTDESK_NO_APT=1 (make test-unit): the venv only, no system packages.
if [ "${FRONTDESK_NO_APT:-}" != 1 ] && command -v dpkg-query >/dev/null; then
    apt_ensure espeak-ng sox libsox-fmt-base
fi
if command -v espeak-ng >/dev/null && command -v sox >/dev/null; then
    quiet scripts/make-audio.sh
else
    echo "warning: espeak-ng or sox missing; the hall display will only chime" >&2
fi

mkdir -p var
