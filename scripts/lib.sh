# Shared helpers for the scripts in this directory. Sourced, never executed.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1  # config.toml's relative paths (var/...) are relative to the repo top

# Run a command with its output hidden; show the output only if it fails, so
# success stays quiet but a failure is still explained.
quiet() {
    local log rc=0
    log="$(mktemp)"
    "$@" >"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        cat "$log" >&2
        echo "error: '$*' failed (exit $rc)" >&2
    fi
    rm -f "$log"
    return "$rc"
}

# apt-get needs root; on a developer laptop we are not, in CI containers we are
# (and there is often no sudo there).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the given Debian packages, but only those not installed yet, so the
# common case (everything present) costs one dpkg-query per package.
apt_ensure() {
    local pkg missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q ' installed$' || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    echo "Installing Debian packages: ${missing[*]} (once; takes a few minutes)" >&2
    quiet as_root apt-get update
    quiet as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}
