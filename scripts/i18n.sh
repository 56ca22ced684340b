#!/usr/bin/env bash
# Translation catalogues in frontdesk/translations. Subcommands run in the order given:
#   scripts/i18n.sh extract update   after adding or changing strings; then translate the
#                                    new empty msgstr "" entries in {pl,uk}/LC_MESSAGES/messages.po
#   scripts/i18n.sh compile          .po → .mo (bootstrap.sh does this too; .mo are git-ignored)
# Every step is idempotent: with no source change, rerunning it changes no file.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIR=frontdesk/translations
POT="$DIR/messages.pot"
LANGS=(pl uk)  # en is the source language (the msgids), so it has no catalogue
PYBABEL=.venv/bin/pybabel
HEADER="# frontdesk translation template; regenerate with scripts/i18n.sh extract."
TMP="$(mktemp)"
trap 'rm -f "$TMP"' EXIT

# A .pot without the lines that change on every run (header comments, creation date).
content() { sed -e '/^#\( \|$\)/d' -e '/^"POT-Creation-Date:/d' "$1"; }

extract() {
    # babel.cfg says which files; _() gettext ngettext N_ are pybabel's default keywords.
    # tests/unit/test_translations.py extracts with the same keywords: keep them in step.
    # No source locations (#: file:line), so moving code does not churn the catalogues.
    quiet "$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext --add-comments=TRANSLATORS: \
        --no-location --sort-output --project=frontdesk \
        --version="$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml)" \
        --header-comment="$HEADER" -o "$TMP" .
    if [ ! -f "$POT" ] || ! cmp -s <(content "$TMP") <(content "$POT"); then
        cp "$TMP" "$POT"
        echo "updated $POT"
    fi
}

update() {
    local lang po
    for lang in "${LANGS[@]}"; do
        po="$DIR/$lang/LC_MESSAGES/messages.po"
        if [ ! -f "$po" ]; then  # a new language: start its catalogue from the template
            quiet "$PYBABEL" init -i "$POT" -d "$DIR" -l "$lang"
        fi
        # No fuzzy matching: a changed msgid comes back empty, not with a guessed
        # translation. Entries gone from the sources are dropped (git history keeps them).
        quiet "$PYBABEL" update -i "$POT" -d "$DIR" -l "$lang" --no-fuzzy-matching \
            --ignore-obsolete
        # "N of M messages translated": what is left for a translator.
        "$PYBABEL" compile -i "$po" -o /dev/null -l "$lang" --statistics 2>&1 | grep -v '^compiling'
    done
}

compile() { "$PYBABEL" compile -d "$DIR" --statistics; }

[ "$#" -gt 0 ] || { sed -n '2,6p' "$ROOT/scripts/i18n.sh" >&2; exit 2; }
for step in "$@"; do
    case "$step" in
        extract | update | compile) "$step" ;;
        *) echo "unknown subcommand: $step (extract, update, compile)" >&2; exit 2 ;;
    esac
done
