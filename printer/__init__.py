"""Ticket printer adapter: ESC/POS layout, printer backends and a background print queue.

An edge adapter: it knows nothing of Flask or the `frontdesk` core. The core renders a
`TicketPrintout` it has already translated and formatted, and submits the bytes to a
`PrintQueue`, which reports `PrinterStatus` changes back through a callback.
"""

from .backends import (
    FilePrinter,
    NetworkPrinter,
    NullPrinter,
    PrinterUnavailable,
    TicketPrinter,
    make_printer,
)
from .layout import TicketPrintout, render
from .queue import PrinterStatus, PrintQueue, StatusCallback

__all__ = [
    "FilePrinter",
    "NetworkPrinter",
    "NullPrinter",
    "PrintQueue",
    "PrinterStatus",
    "PrinterUnavailable",
    "StatusCallback",
    "TicketPrinter",
    "TicketPrintout",
    "make_printer",
    "render",
]
