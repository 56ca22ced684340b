"""The display's spoken calls as short sound clips, made once at install time with Debian's
offline synthesiser (espeak-ng) and sox, so a call is heard with no internet and no speech
voice in the browser.

    scripts/make-audio.sh [--out DIR] [--force]

A call is said from pieces: the words of the catalogue's phrase ("Numer", "stanowisko"), the
ticket's letter, and numbers built from 1-19, tens and hundreds ("sto" + "siedemnaście"). The
manifest tells the page which pieces exist and in which order the phrase puts them.
Nothing here needs a server or a database: scripts/make-audio.sh runs it at install time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

from babel.support import NullTranslations, Translations

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "frontdesk" / "translations"
OUT = Path(__file__).resolve().parent / "static" / "display" / "audio"
MANIFEST = "manifest.json"


def N_(message: str) -> str:  # noqa: N802 (pybabel's keyword for a string marked, not translated)
    return message


# TRANSLATORS: spoken by the hall display, e.g. "Number A 17, desk 5". Keep both placeholders;
# the words around them are recorded as separate sound clips.
CALL_PHRASE = N_("Number %(number)s, desk %(desk)s")

# espeak-ng's voice, and the BCP 47 tag a browser's own voice is looked up by.
VOICES = {"pl": "pl", "uk": "uk", "en": "en-gb"}
SPEECH_LOCALES = {"pl": "pl-PL", "uk": "uk-UA", "en": "en-GB"}
# Every number from 1 to 999 is said as at most three of these.
NUMBERS = [*range(1, 20), *range(20, 100, 10), *range(100, 1000, 100)]
# The Latin ticket letters as Ukrainian speakers name them (school and maths usage); the
# Ukrainian voice would otherwise switch to English for them.
UKRAINIAN_LETTERS = {
    "A": "а", "B": "бе", "C": "це", "D": "де", "E": "е", "F": "еф", "G": "ге", "H": "аш",
    "I": "і", "J": "йот", "K": "ка", "L": "ель", "M": "ем", "N": "ен", "O": "о", "P": "пе",
    "Q": "ку", "R": "ер", "S": "ес", "T": "те", "U": "у", "V": "ве", "W": "дубль-ве",
    "X": "ікс", "Y": "ігрек", "Z": "зет",
}  # fmt: skip
PLACEHOLDER = re.compile(r"\{(number|desk)\}")
# Raised with the clips' layout or sound, so installed clips are made again.
FORMAT = 1


def phrase(language: str) -> str:
    """The catalogue's phrase with {number} and {desk} left to fill in."""
    if language == "en":
        translations: NullTranslations = NullTranslations()
    else:
        translations = Translations.load(str(CATALOGUES), [language])
    return translations.gettext(CALL_PHRASE) % {"number": "{number}", "desk": "{desk}"}


def phrase_parts(text: str) -> list[str]:
    """["word:0", "number", "word:1", "desk"]: the order of the spoken pieces."""
    parts, words = [], 0
    for index, piece in enumerate(PLACEHOLDER.split(text)):
        if index % 2:
            parts.append(piece)
        elif spoken(piece):
            parts.append(f"word:{words}")
            words += 1
    return parts


def spoken(text: str) -> str:
    return text.strip().strip(string.punctuation + "–—…„”«» ").strip()


def clips(language: str) -> dict[str, str]:
    """File stem → SSML to say, for one language."""
    words = [spoken(p) for i, p in enumerate(PLACEHOLDER.split(phrase(language))) if not i % 2]
    found = {f"word-{i}": word for i, word in enumerate(w for w in words if w)}
    for letter in string.ascii_uppercase:
        found[f"letter-{letter.lower()}"] = (
            UKRAINIAN_LETTERS[letter]
            if language == "uk"
            else f'<say-as interpret-as="characters">{letter}</say-as>'
        )
    found |= {f"n-{n}": str(n) for n in NUMBERS}
    return found


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def _say(voice: str, ssml: str, target: Path) -> None:
    raw = target.with_suffix(".wav")
    _run("espeak-ng", "-m", "-v", voice, "-s", "150", "-w", str(raw), f"<speak>{ssml}</speak>")
    # Trim espeak's silences, keep a breath at the end so pieces do not run together.
    _run(
        "sox", str(raw), "-r", "22050", "-c", "1", str(target),
        "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse",
        "pad", "0", "0.08",
    )  # fmt: skip
    raw.unlink()


def _chime(target: Path) -> None:
    # Two soft falling tones (a "ding-dong"), faded in and out: heard across a hall without
    # startling anyone.
    _run(
        "sox", "-n", "-r", "22050", "-c", "1", str(target),
        "synth", "0.45", "sine", "784", "sine", "587",
        "fade", "q", "0.02", "0.45", "0.3", "gain", "-6",
    )  # fmt: skip


def _fingerprint(languages: list[str]) -> str:
    version = subprocess.run(
        ["espeak-ng", "--version"], capture_output=True, text=True, check=True
    ).stdout
    data = json.dumps([FORMAT, version, {lang: clips(lang) for lang in languages}])
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def build(out: Path = OUT, languages: list[str] | None = None, force: bool = False) -> bool:
    """Make the clips and their manifest; False when they were already up to date."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"{', '.join(missing)} not found: apt-get install espeak-ng sox")
    languages = languages or list(VOICES)
    fingerprint = _fingerprint(languages)
    manifest_path = out / MANIFEST
    current = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if not force and current.get("fingerprint") == fingerprint:
        return False
    out.mkdir(parents=True, exist_ok=True)
    _chime(out / "chime.ogg")
    manifest: dict = {"fingerprint": fingerprint, "chime": "chime.ogg", "languages": {}}
    for language in languages:
        folder = out / language
        folder.mkdir(exist_ok=True)
        made = clips(language)
        for stem, ssml in made.items():
            _say(VOICES[language], ssml, folder / f"{stem}.ogg")
        manifest["languages"][language] = {
            "phrase": phrase_parts(phrase(language)),
            "clips": sorted(made),
        }
    # Written last: a build that stopped half-way is not mistaken for a finished one.
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--force", action="store_true", help="make the clips even if current")
    args = parser.parse_args(argv)
    made = build(args.out, force=args.force)
    print(f"{'made' if made else 'up to date:'} display sound clips in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
