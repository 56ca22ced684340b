"""The Polish and Ukrainian catalogues: complete, consistent with the sources, and loadable.

English is the source language (the msgids), so it has no catalogue. After adding or
changing a user-facing string, run `scripts/i18n.sh extract update` and translate the new
empty entries in frontdesk/translations/{pl,uk}/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, render_template_string
from flask_babel import Babel, force_locale, gettext

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "frontdesk" / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGUAGES = ("pl", "uk")
# Both languages have three forms: 1 / 2-4 (but not 12-14) / the rest.
NPLURALS = {"pl": 3, "uk": 3}
FIX = (
    "Run `scripts/i18n.sh extract update`, then translate the new entries in "
    "frontdesk/translations/{pl,uk}/LC_MESSAGES/messages.po."
)

# printf-style conversions as Python's % operator reads them; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _messages(catalog: Catalog) -> dict:
    """(msgctxt, msgid) -> message, without the header entry."""
    return {(m.context, m.id): m for m in catalog if m.id}


def _placeholders(text: str) -> Counter[str]:
    return Counter(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) != "%%")


def _label(message) -> str:
    return repr(message.id if isinstance(message.id, str) else message.id[0])


@pytest.fixture(scope="module")
def template() -> dict:
    return _messages(_read(POT))


@pytest.fixture(scope="module", params=LANGUAGES)
def catalog(request) -> Catalog:
    return _read(TRANSLATIONS / request.param / "LC_MESSAGES" / "messages.po")


def test_catalogue_headers_name_the_language_and_its_plural_forms(catalog):
    language = str(catalog.locale)
    assert language in LANGUAGES
    assert catalog.num_plurals == NPLURALS[language]
    assert catalog.language_team == "frontdesk"
    assert catalog.charset.lower() == "utf-8"


def test_every_message_in_the_template_is_translated(template, catalog):
    translations = _messages(catalog)
    problems = []
    for key, source in template.items():
        message = translations.get(key)
        if message is None:
            problems.append(f"missing: {_label(source)}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {_label(source)}")
        elif isinstance(source.id, tuple):
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            if len(forms) != catalog.num_plurals or not all(forms):
                problems.append(f"plural forms incomplete: {_label(source)}")
        elif not message.string:
            problems.append(f"untranslated: {_label(source)}")
    stale = sorted(_label(translations[key]) for key in translations.keys() - template.keys())
    problems += [f"not in messages.pot any more: {label}" for label in stale]
    assert not problems, f"{catalog.locale}: " + "; ".join(problems) + f"\n{FIX}"


def test_translations_keep_the_placeholders_of_the_source(template, catalog):
    problems = []
    for key, message in _messages(catalog).items():
        if key not in template or not message.string:
            continue  # reported by the completeness test
        if isinstance(message.id, tuple):
            # Every plural form is used for some n (21 in Ukrainian takes the singular form),
            # so each one carries the placeholders of the plural msgid.
            pairs = [(message.id[1], form) for form in message.string]
        else:
            pairs = [(message.id, message.string)]
        for source, translation in pairs:
            if _placeholders(source) != _placeholders(translation):
                problems.append(
                    f"{source!r}: expects {sorted(_placeholders(source).elements())}, "
                    f"{translation!r} has {sorted(_placeholders(translation).elements())}"
                )
    assert not problems, f"{catalog.locale}:\n" + "\n".join(problems)


def test_template_lists_exactly_the_strings_in_the_sources(template, tmp_path):
    # The same configuration and keywords as scripts/i18n.sh extract.
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
         "-k", "lazy_gettext", "--no-location", "-o", str(fresh), str(ROOT)]
    )  # fmt: skip
    extracted = _messages(_read(fresh))
    added = sorted(_label(extracted[key]) for key in extracted.keys() - template.keys())
    removed = sorted(_label(template[key]) for key in template.keys() - extracted.keys())
    assert not (added or removed), (
        "frontdesk/translations/messages.pot is out of date with the sources.\n"
        f"New in the sources: {', '.join(added) or '-'}\n"
        f"Gone from the sources: {', '.join(removed) or '-'}\n{FIX}"
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Flask:
    """A bare Flask-Babel app reading a freshly compiled copy of the catalogues: the .mo files
    are git-ignored, so the test does not count on them existing or being current."""
    directory = tmp_path_factory.mktemp("translations")
    shutil.copytree(TRANSLATIONS, directory, dirs_exist_ok=True)
    for po in directory.glob("*/LC_MESSAGES/messages.po"):
        catalog = _read(po)
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)
    app = Flask(__name__)
    app.config.update(BABEL_TRANSLATION_DIRECTORIES=str(directory), BABEL_DEFAULT_LOCALE="en")
    Babel(app)
    return app


def test_each_language_renders_its_own_text(app):
    rendered = {}
    with app.test_request_context():
        for language in ("en", *LANGUAGES):
            with force_locale(language):
                rendered[language] = (
                    gettext("Take a ticket"),
                    render_template_string('{{ _("Take a ticket") }}'),
                    gettext("People ahead of you: %(count)s", count=7),
                )
    assert rendered["en"] == ("Take a ticket", "Take a ticket", "People ahead of you: 7")
    for language in LANGUAGES:
        python, jinja, formatted = rendered[language]
        assert python == jinja != "Take a ticket", language
        assert "7" in formatted and "%(" not in formatted and formatted != rendered["en"][2]
    assert rendered["pl"][0] != rendered["uk"][0]
