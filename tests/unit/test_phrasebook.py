"""The clerks' phrasebook: the shipped one is whole, and a broken one is reported by key."""

from __future__ import annotations

import pytest

from frontdesk import phrasebook
from frontdesk.settings import DEFAULT_PHRASEBOOK, ConfigError


def test_the_shipped_phrasebook_has_every_situation_in_every_language():
    book = phrasebook.load(DEFAULT_PHRASEBOOK)
    ids = [p.id for p in book.phrases]
    for situation in ("queue_jump", "long_wait", "refusal", "insult", "closing", "transfer"):
        assert situation in ids
    for phrase in book.phrases:
        for language in ("pl", "uk", "en"):
            assert phrase.text.get(language).strip() and phrase.title.get(language).strip()
    # The transfer phrase is filled in by the console with the visitor's place.
    transfer = next(p for p in book.phrases if p.id == "transfer")
    for language in ("pl", "uk", "en"):
        assert "{position}" in transfer.text.get(language)
        assert "{place}" in transfer.text.get(language)


def test_an_edited_phrasebook_is_read_again_and_a_broken_one_named(tmp_path):
    path = tmp_path / "phrases.toml"
    path.write_text(DEFAULT_PHRASEBOOK.read_text(encoding="utf-8"), encoding="utf-8")
    assert phrasebook.load(path).phrases[0].id == "queue_jump"
    path.write_text('[[phrases]]\nid = "queue_jump"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as broken:
        phrasebook.load(path)
    assert any("phrases.0.title" in problem for problem in broken.value.problems)
