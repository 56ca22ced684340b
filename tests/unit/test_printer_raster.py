"""The raster ticket: every alphabet drawn by Pillow, and the image read back from the very
bytes a printer is sent (what `frontdesk ticket preview` shows)."""

from __future__ import annotations

from PIL import ImageChops

from frontdesk.settings import parse
from printer import TicketPrintout, render
from printer.raster import draw_ticket, images_in
from tests.support.core import SMALL_OFFICE

PRINTOUT = TicketPrintout(
    office_name="Urząd Dzielnicy Wola",
    number="A017",
    service_name="Реєстрація місця проживання",
    issued_at="2026-11-28 09:14",
    lines=("Людей перед Вами: 4", "Zażółć gęślą jaźń"),
    status_url="https://kolejka.example.gov.pl/t/abc",
    qr_caption="Стежте за чергою",
    footer="Keep this ticket.",
)


def test_the_image_read_back_from_the_bytes_is_the_image_drawn():
    sent = render(PRINTOUT, mode="raster")

    printed = images_in(sent)

    drawn = draw_ticket(PRINTOUT)
    assert printed is not None and printed.size == drawn.size
    assert ImageChops.difference(printed.convert("L"), drawn.convert("L")).getbbox() is None
    assert sent.startswith(b"\x1b@") and sent.endswith(b"\x1dV\x00")


def test_the_raster_ticket_carries_no_code_page_text():
    sent = render(PRINTOUT, mode="raster")

    assert b"A017" not in sent and b"\x1bt" not in sent


def test_a_narrow_printer_gets_a_narrow_ticket():
    assert images_in(render(PRINTOUT, mode="raster", width=384)).width == 384


def test_a_loopback_public_url_is_warned_about_and_a_real_one_is_not():
    loopback = parse(
        SMALL_OFFICE | {"office": SMALL_OFFICE["office"] | {"public_url": "http://127.0.0.1:8000"}}
    )
    real = parse(
        SMALL_OFFICE
        | {"office": SMALL_OFFICE["office"] | {"public_url": "https://kolejka.example.gov.pl"}}
    )

    [warning] = loopback.reach_warnings()
    assert warning.startswith("office.public_url:") and "phones" in warning
    assert real.reach_warnings() == []
