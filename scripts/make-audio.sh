#!/usr/bin/env bash
# The hall display's sound clips (display/audio.py): spoken numbers, letters and the words of
# the call in every language, made offline with espeak-ng and sox. Quick when they are current.
#   scripts/make-audio.sh [--out DIR] [--force]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

.venv/bin/python -c 'import sys; from display.audio import main; sys.exit(main(sys.argv[1:]))' "$@"
