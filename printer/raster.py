"""The ticket as one raster image (Pillow), sent with ESC/POS `GS v 0`.

Printers differ in which code pages they hold and how they are set up; an image prints the
same everywhere, so Polish and Ukrainian come out right on any ESC/POS printer. The reverse,
`images_in`, reads the images back out of the bytes: `frontdesk ticket preview` shows what
the printer was really sent.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

# 72 mm of print on 80 mm paper at 203 dpi; 58 mm paper prints 384 dots.
DEFAULT_WIDTH = 576
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
GS_V0 = b"\x1dv0"


class FontMissing(RuntimeError):
    """No TTF with Latin Extended and Cyrillic was found (Debian: fonts-dejavu-core)."""


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    raise FontMissing(
        f"{name} not found in {', '.join(map(str, FONT_DIRS))}: install fonts-dejavu-core"
    )


def draw_ticket(printout, width: int = DEFAULT_WIDTH) -> Image.Image:
    """Lay the ticket out top to bottom, centred, on a white strip `width` dots wide."""
    scale = width / DEFAULT_WIDTH
    rows: list[Image.Image] = []

    def text(value: str, size: int, bold: bool = False) -> None:
        font = _font(BOLD if bold else REGULAR, round(size * scale))
        # Wrap by measured width, not characters: Cyrillic and Latin glyphs differ.
        chars = max(8, int(width / (font.getlength("n") or 1)))
        lines = []
        for paragraph in value.splitlines() or [""]:
            lines += textwrap.wrap(paragraph, chars) or [""]
            while any(font.getlength(line) > width - 8 for line in lines[-1:]) and chars > 8:
                chars -= 2
                lines = lines[:-1] + textwrap.wrap(paragraph, chars)
        for line in lines:
            box = font.getbbox(line or " ")
            row = Image.new("1", (width, box[3] + round(6 * scale)), 1)
            ImageDraw.Draw(row).text(
                ((width - font.getlength(line)) / 2, 0), line, font=font, fill=0
            )
            rows.append(row)

    def gap(dots: int) -> None:
        rows.append(Image.new("1", (width, round(dots * scale)), 1))

    text(printout.office_name, 26, bold=True)
    gap(10)
    text(printout.number, 150, bold=True)
    gap(6)
    text(printout.service_name, 30, bold=True)
    text(printout.issued_at, 24)
    gap(12)
    for line in printout.lines:
        text(line, 26)
    if printout.status_url:
        gap(14)
        code = qrcode.QRCode(border=2, box_size=max(2, round(7 * scale)))
        code.add_data(printout.status_url)
        qr = code.make_image().get_image().convert("1")
        row = Image.new("1", (width, qr.height), 1)
        row.paste(qr, ((width - qr.width) // 2, 0))
        rows.append(row)
        text(printout.qr_caption, 22)
    gap(12)
    text(printout.footer, 22)
    gap(20)
    strip = Image.new("1", (width, sum(r.height for r in rows)), 1)
    y = 0
    for row in rows:
        strip.paste(row, (0, y))
        y += row.height
    return strip


def raster_bytes(image: Image.Image) -> bytes:
    """`GS v 0` in bands of at most 255 rows: some printers' buffers take no more at once."""
    image = image.convert("1")
    width_bytes = (image.width + 7) // 8
    out = bytearray()
    for top in range(0, image.height, 255):
        band = image.crop((0, top, width_bytes * 8, min(image.height, top + 255)))
        # PIL's "1" mode packs 1 for white; ESC/POS wants 1 for a black dot.
        data = bytes(b ^ 0xFF for b in band.tobytes())
        out += GS_V0 + bytes([0, width_bytes % 256, width_bytes // 256])
        out += bytes([band.height % 256, band.height // 256]) + data
    return bytes(out)


def images_in(data: bytes) -> Image.Image | None:
    """The raster images found in ESC/POS bytes, stacked as the paper shows them."""
    bands: list[Image.Image] = []
    at = data.find(GS_V0)
    while at != -1 and at + 8 <= len(data):
        xl, xh, yl, yh = data[at + 4 : at + 8]
        width_bytes, height = xl + 256 * xh, yl + 256 * yh
        start = at + 8
        body = data[start : start + width_bytes * height]
        if len(body) < width_bytes * height:
            break
        inverted = bytes(b ^ 0xFF for b in body)
        bands.append(Image.frombytes("1", (width_bytes * 8, height), inverted))
        at = data.find(GS_V0, start + len(body))
    if not bands:
        return None
    sheet = Image.new("1", (max(b.width for b in bands), sum(b.height for b in bands)), 1)
    y = 0
    for band in bands:
        sheet.paste(band, (0, y))
        y += band.height
    return sheet


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
