#!/usr/bin/env bash
# The supervisor tablet's two alert sounds, made offline with sox and committed (small WAVs):
# a two-tone chime for a new alert, and a louder, harsher rising siren for an escalated one, so
# the two are told apart across a room without looking. Rerun after changing a recipe.
#   scripts/make-alert-sounds.sh
set -euo pipefail
OUT="$(dirname "${BASH_SOURCE[0]}")/../supervisor/static/supervisor/sounds"
mkdir -p "$OUT"
# -D: no dither noise, so the same recipe gives the same bytes.
sox -D -n -r 16000 -c 1 -b 16 "$OUT/alert.wav" \
    synth 0.18 sine 880 fade q 0.01 0.18 0.05 pad 0 0.06 : \
    synth 0.28 sine 1320 fade q 0.01 0.28 0.12 gain -6
pulse="synth 0.35 square 700-1400 fade 0.01 0.35 0.03"
# shellcheck disable=SC2086
sox -D -n -r 16000 -c 1 -b 16 "$OUT/escalated.wav" $pulse : $pulse : $pulse gain -2.5
