"""The ticket layout, checked by reading the bytes back the way an ESC/POS printer would.

`_interpret` is a small printer model for the commands `render` uses. It decodes text with
the code page selected by the last ESC t n, using the Epson numbering of the "default"
python-escpos profile, so the tests check what would come out on paper, not just that
some bytes are present.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printer import TicketPrintout, render

REPO_ROOT = Path(__file__).resolve().parents[2]
ESC, GS, LF = 0x1B, 0x1D, 0x0A

# ESC t n -> Python codec, as in the Epson code page table (python-escpos "default" profile).
EPSON_CODE_PAGES = {
    0: "cp437",
    2: "cp850",
    15: "iso8859_7",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    34: "cp855",
    44: "cp1125",
    45: "cp1250",
    46: "cp1251",
}
DOUBLE_SIZE = 0x30  # ESC ! bits 4 and 5: double height and double width

POLISH = TicketPrintout(
    office_name="Urząd Miasta Łódź",
    number="A017",
    service_name="Meldunki i dowody",
    issued_at="2026-11-26 09:14",
    lines=("Osób przed Tobą: 4", "Szacowany czas oczekiwania: około 20 min"),
    status_url="https://kolejka.example.pl/t/A017?k=Zx9-_q",
    qr_caption="Śledź swoje miejsce w kolejce",
    footer="Numery są wywoływane po kolei. Zachowaj ten bilet. Zażółć gęślą jaźń.",
)

UKRAINIAN = TicketPrintout(
    office_name="Центр обслуговування громадян",
    number="B003",
    service_name="Реєстрація місця проживання та ID-картки",
    issued_at="2026-11-26 09:14",
    lines=("Людей перед вами: 4", "Орієнтовний час очікування: близько 20 хв"),
    status_url="https://kolejka.example.pl/t/B003?lang=uk",
    qr_caption="Стежте за своїм місцем у черзі",
    footer="Номери викликаються по черзі. Збережіть цей квиток. Ґанок, їжа, м'ята.",
)


@dataclass
class Line:
    text: str
    double_size: bool
    bold: bool


@dataclass
class Paper:
    lines: list[Line] = field(default_factory=list)
    code_pages: list[int] = field(default_factory=list)  # every ESC t n, in order
    qr_data: list[bytes] = field(default_factory=list)  # GS ( k fn 80 payloads
    qr_printed: int = 0  # GS ( k fn 81
    qr_module_size: int | None = None
    cut: bool = False

    def texts(self) -> list[str]:
        return [line.text for line in self.lines if line.text]


def _interpret(data: bytes, code_pages: dict[int, str] = EPSON_CODE_PAGES) -> Paper:
    paper = Paper()
    page, mode, bold = 0, 0, False
    text: list[str] = []
    style: tuple[bool, bool] | None = None  # style of the first character on the line
    i = 0
    while i < len(data):
        byte = data[i]
        assert not paper.cut, f"bytes after the cut at {i}: {data[i:]!r}"
        if byte == ESC:
            cmd, arg = data[i + 1], data[i + 2] if i + 2 < len(data) else None
            if cmd == ord("@"):
                page, mode, bold = 0, 0, False
                i += 2
                continue
            assert arg is not None, f"truncated ESC command at {i}"
            if cmd == ord("E"):
                bold = bool(arg & 1)
            elif cmd == ord("!"):
                mode, bold = arg, bool(arg & 0x08)
            elif cmd == ord("a"):
                pass  # alignment does not change what is printed
            elif cmd == ord("t"):
                page = arg
                paper.code_pages.append(arg)
            elif cmd == ord("d"):
                text.append("\n" * arg)  # print and feed: blank lines before the cut
            else:
                raise AssertionError(f"unexpected ESC {chr(cmd)!r} at {i}")
            i += 3
        elif byte == GS:
            cmd = data[i + 1]
            if cmd == ord("V"):
                assert data[i + 2] in (0, 1), "GS V with an unexpected cut mode"
                paper.cut = True
                i += 3
            elif data[i + 1 : i + 3] == b"(k":
                length = data[i + 3] | data[i + 4] << 8
                body = data[i + 5 : i + 5 + length]
                assert body[:1] == b"1", "GS ( k for a symbol other than QR"
                fn = body[1]
                if fn == 67:
                    paper.qr_module_size = body[2]
                elif fn == 80:
                    assert body[2:3] == b"0"
                    paper.qr_data.append(body[3:])
                elif fn == 81:
                    paper.qr_printed += 1
                i += 5 + length
            else:
                raise AssertionError(f"unexpected GS {chr(cmd)!r} at {i}")
        elif byte == LF:
            double_size, was_bold = style or (False, False)
            paper.lines.append(Line("".join(text).strip("\n"), double_size, was_bold))
            text, style = [], None
            i += 1
        else:
            assert byte >= 0x20, f"unexpected control byte {byte:#x} at {i}"
            assert page in code_pages, f"text in code page {page}, unknown to the test"
            text.append(bytes([byte]).decode(code_pages[page]))
            if style is None:
                style = (mode & DOUBLE_SIZE == DOUBLE_SIZE, bold)
            i += 1
    return paper


def _expected_texts(printout: TicketPrintout) -> list[str]:
    return [
        printout.office_name,
        printout.number,
        printout.service_name,
        printout.issued_at,
        *printout.lines,
        printout.qr_caption,
    ]


@pytest.mark.parametrize("printout", [POLISH, UKRAINIAN], ids=["pl", "uk"])
def test_every_text_comes_out_readable_in_order(printout: TicketPrintout) -> None:
    paper = _interpret(render(printout))

    texts = paper.texts()
    # Short fields fit on one line; the footer may be wrapped at word boundaries.
    assert texts[: len(_expected_texts(printout))] == _expected_texts(printout)
    assert " ".join(texts[len(_expected_texts(printout)) :]) == printout.footer
    assert "?" not in "".join(texts[:-1])


@pytest.mark.parametrize("printout", [POLISH, UKRAINIAN], ids=["pl", "uk"])
def test_only_the_number_is_double_size_and_bold(printout: TicketPrintout) -> None:
    data = render(printout)
    paper = _interpret(data)

    assert [line.text for line in paper.lines if line.double_size] == [printout.number]
    assert [line.bold for line in paper.lines if line.double_size] == [True]
    # In raw terms: ESC ! 0x30, then only style commands (ESC E 1, ESC a 1), then the number.
    size_at = data.index(b"\x1b!\x30")
    assert data[size_at + 3 :].startswith(b"\x1bE\x01\x1ba\x01" + printout.number.encode() + b"\n")


@pytest.mark.parametrize("printout", [POLISH, UKRAINIAN], ids=["pl", "uk"])
def test_qr_code_is_printed_natively_with_the_exact_status_url(printout: TicketPrintout) -> None:
    data = render(printout)
    paper = _interpret(data)

    assert paper.qr_data == [printout.status_url.encode("utf-8")]
    assert paper.qr_printed == 1
    assert paper.qr_module_size == 6
    # GS ( k pL pH "1" "P" "0" <url>: the store command carries the URL verbatim.
    url = printout.status_url.encode()
    store = b"\x1d(k" + (len(url) + 3).to_bytes(2, "little") + b"1P0" + url
    assert store in data


@pytest.mark.parametrize("printout", [POLISH, UKRAINIAN], ids=["pl", "uk"])
def test_ticket_starts_with_a_reset_and_ends_with_feed_and_full_cut(
    printout: TicketPrintout,
) -> None:
    data = render(printout)

    assert data.startswith(b"\x1b@")  # ESC @ clears modes left by an earlier job
    assert data.endswith(b"\x1bd\x06\x1dV\x00")  # ESC d 6 (feed past the cutter), GS V 0
    assert _interpret(data).cut


def test_polish_is_sent_in_cp852() -> None:
    data = render(POLISH)

    # python-escpos starts in CP437 (ESC t 0) for the leading ASCII "Urz", switches to
    # CP852 (ESC t 18) at "ą" and stays there: CP852 has every Polish letter.
    assert _interpret(data).code_pages == [0, 18]
    assert b"\x1bt\x00Urz\x1bt\x12" + "ąd Miasta Łódź".encode("cp852") in data
    assert "Osób przed Tobą: 4".encode("cp852") in data
    assert "Zażółć gęślą jaźń.".encode("cp852") in data


def test_ukrainian_is_sent_in_cp866_then_cp855_then_cp1125() -> None:
    data = render(UKRAINIAN)

    # python-escpos tries code pages in the order of their ESC t numbers *as strings*
    # ("17" < "34" < "44"), preferring pages already used, and switches only at a letter
    # the current page lacks. CP866 (ESC t 17) has no Ukrainian "і" or "ґ"; CP855 (ESC t
    # 34) has "і" but no "ґ"; CP1125 (ESC t 44, the Ukrainian DOS page) has all of them.
    for letter, pages in {"і": ("cp866",), "ґ": ("cp866", "cp855")}.items():
        for page in pages:
            with pytest.raises(UnicodeEncodeError):
                letter.encode(page)
    assert _interpret(data).code_pages == [17, 34, 44]
    assert b"\x1bt\x11" + "Центр обслуговування громадян".encode("cp866") in data
    assert "Реєстрац".encode("cp866") + b"\x1bt\x22" + "ія місця".encode("cp855") in data
    assert "Орієнтовний час очікування".encode("cp855") in data
    assert b"\x1bt\x2c" + "Ґанок, їжа".encode("cp1125") in data


def test_letters_a_profile_cannot_print_fall_back_to_plain_letters() -> None:
    # The TM-T88III profile has no Central European page (its ESC t 18 is CP862, Hebrew).
    tm_t88iii = {0: "cp437", 2: "cp850", 16: "cp1252", 17: "cp866", 18: "cp862"}
    paper = _interpret(render(POLISH, profile="TM-T88III"), tm_t88iii)

    assert paper.texts()[0] == "Urzad Miasta Lódz"  # "ó" exists in CP437; the rest folds
    assert "?" not in "".join(paper.texts())


def test_unknown_profile_is_rejected() -> None:
    with pytest.raises(ValueError, match="no-such-printer"):
        render(POLISH, profile="no-such-printer")


def test_long_lines_wrap_at_word_boundaries_within_the_paper_width() -> None:
    long_line = "Proszę przygotować dowód osobisty oraz wypełniony wniosek o wydanie dokumentu"
    printout = replace(POLISH, lines=(long_line,))

    texts = _interpret(render(printout)).texts()
    wrapped = texts[texts.index(printout.issued_at) + 1 : texts.index(printout.qr_caption)]
    assert len(wrapped) > 1
    assert all(len(line) <= 42 for line in wrapped)  # font A columns, "default" profile
    assert " ".join(wrapped) == long_line


LETTERS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;!()-'"
    "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"
    "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяАБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯ"
)


@settings(max_examples=75, deadline=None)
@given(footer=st.text(alphabet=LETTERS, max_size=120))
def test_any_polish_ukrainian_or_english_footer_reads_back(footer: str) -> None:
    printout = replace(POLISH, footer=footer)

    texts = _interpret(render(printout)).texts()
    printed = texts[texts.index(printout.qr_caption) + 1 :]
    # Wrapping may move whitespace and split over-long words; the characters stay.
    assert "".join("".join(printed).split()) == "".join(footer.split())


def test_importing_the_adapter_has_no_side_effects_and_no_core_dependency(tmp_path: Path) -> None:
    # A fresh interpreter, since python-escpos does its set-up once per process.
    probe = (
        "import logging, sys, printer\n"
        "assert logging.getLogger().handlers == [], logging.getLogger().handlers\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "assert not loaded & {'flask', 'flask_socketio', 'frontdesk', 'sqlmodel'}, loaded\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []  # python-escpos's mkdtemp() went into a scratch dir
