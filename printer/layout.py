"""Turn a ticket into the raw ESC/POS bytes a receipt printer understands.

The core hands over a fully translated, fully formatted `TicketPrintout`; this module only
decides where things go on the paper. python-escpos builds the bytes through its `Dummy`
printer, which records the commands instead of sending them, so rendering needs no printer
and the same bytes can go to any backend.
"""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass

from ._escpos import BaseProfile, Dummy, Encoder, NotSupported
from .raster import DEFAULT_WIDTH, draw_ticket, raster_bytes

# Size of one QR module in dots (GS ( k function 167 accepts 1-16). 6 gives a code of about
# 25 mm for a typical status URL on a 203 dpi printer: big enough for any phone camera.
QR_MODULE_SIZE = 6

# Column count used to wrap text when the profile does not say how wide its font A is.
# 32 columns is the narrowest common paper (58 mm), so wrapping never overflows a line.
_FALLBACK_COLUMNS = 32

# Typographic characters with no decomposition to a plain letter; used only when no code
# page of the profile can print them, so a ticket shows "Lodz" rather than "?od?".
_ASCII_FALLBACK = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "‘": "'",
        "’": "'",
        "‚": ",",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
    }
)


@dataclass(frozen=True)
class TicketPrintout:
    """Everything printed on a ticket, already translated and formatted by the core."""

    office_name: str
    number: str  # "A017"
    service_name: str  # already in the visitor's language
    issued_at: str  # already formatted local time, e.g. "2026-11-26 09:14"
    lines: tuple[str, ...]  # translated detail lines, e.g. ("People ahead: 4",)
    status_url: str  # encoded as a QR code
    qr_caption: str  # e.g. "Follow your place in the queue"
    footer: str  # e.g. "Numbers are called in order. Keep this ticket."


def render(
    printout: TicketPrintout,
    profile: str = "default",
    *,
    mode: str = "text",
    width: int = DEFAULT_WIDTH,
) -> bytes:
    """Return the ESC/POS bytes for one ticket, ending with a paper cut.

    `mode` "raster" sends the whole ticket as one image `width` dots wide, which prints
    every alphabet on any printer; "text" sends text in the printer's code pages (quicker,
    but only as right as the printer's code page table). `profile` names a python-escpos
    printer profile ("default" is the Epson code page table); it decides which code pages
    text may be switched to and which cut exists.
    """
    try:
        p = Dummy(profile=profile)
    except KeyError:
        raise ValueError(f"unknown python-escpos printer profile {profile!r}") from None
    if mode == "raster":
        p.hw("INIT")
        p._raw(raster_bytes(draw_ticket(printout, width)))
        p.cut()
        return p.output
    if mode != "text":
        raise ValueError(f"unknown print mode {mode!r}: use raster or text")
    columns = _columns(p.profile)

    def paragraph(text: str) -> None:
        # Wrap ourselves at word boundaries: the printer would break mid-word at the margin.
        for line in textwrap.wrap(_printable(text, p.magic.encoder), columns) or [""]:
            p.textln(line)

    # ESC @ clears whatever a previous, possibly half-sent job left behind (size, bold...).
    p.hw("INIT")
    p.set(align="center", bold=True)
    paragraph(printout.office_name)
    p.ln()
    # Double width and height, bold: the number is what the visitor compares with the screen.
    p.set(align="center", bold=True, double_width=True, double_height=True)
    p.textln(_printable(printout.number, p.magic.encoder))
    p.set(normal_textsize=True, bold=True)
    p.ln()
    paragraph(printout.service_name)
    p.set(bold=False)
    paragraph(printout.issued_at)
    p.ln()
    for line in printout.lines:
        paragraph(line)
    if printout.status_url:
        p.ln()
        # native=True: the printer draws the code itself (GS ( k), so the URL travels as
        # text and no raster image is needed. Centring comes from ESC a 1 set above; the
        # library's own `center` flag is not implemented for native codes.
        p.qr(printout.status_url, size=QR_MODULE_SIZE, native=True)
        p.ln()
        paragraph(printout.qr_caption)
    p.ln()
    paragraph(printout.footer)
    p.cut()
    return p.output


def _columns(printer_profile: BaseProfile) -> int:
    """Characters per line in font A, from the profile when it knows."""
    try:
        return int(printer_profile.get_columns(0))
    except (KeyError, NotSupported):  # the profile lists no fonts, or no font A
        return _FALLBACK_COLUMNS


def _printable(text: str, encoder: Encoder) -> str:
    """Replace characters that no code page of the profile has with a plain look-alike.

    python-escpos would print "?" for them. Everything the profile can print is left alone,
    so the library still picks the code page (ESC t n) for each run of text.
    """
    out: list[str] = []
    for char in text:
        if char.isascii() or any(encoder.can_encode(page, char) for page in encoder.codepages):
            out.append(char)
            continue
        folded = unicodedata.normalize("NFKD", char.translate(_ASCII_FALLBACK))
        out.append("".join(c for c in folded if not unicodedata.combining(c)) or "?")
    return "".join(out)
