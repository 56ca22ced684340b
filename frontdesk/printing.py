"""Prints the tickets the kiosk issues: an after-commit listener feeding the printer's queue."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from frontdesk import events as ev
from frontdesk.queue import rules
from frontdesk.services.core import Core
from printer import PrinterStatus, PrintQueue, TicketPrintout, make_printer, render


class TicketPrinting:
    """Listens for issued tickets that asked to be printed and queues them for the printer;
    reports the printer's state to staff and kiosks as `printer.status`."""

    def __init__(self, app: Flask, core: Core):
        self.app = app
        self.core = core
        config = core.settings.printer
        device = make_printer(
            config.backend,
            path=config.path,
            host=config.host,
            port=config.port,
            timeout=config.timeout_seconds,
        )
        self.queue = PrintQueue(device, on_status=self._report)
        self.last_status: PrinterStatus | None = None

    def start(self) -> None:
        self.queue.start()

    def close(self) -> None:
        self.queue.close()

    def publish(self, events: list[ev.Event]) -> None:
        for event in events:
            if event.name == ev.TICKET_ISSUED and event.meta.get("print"):
                self.queue.submit(event.payload["id"], self.render(event.payload))

    def render(self, ticket: dict) -> bytes:
        settings = self.core.settings
        service = settings.service(ticket["service"])
        language = ticket["language"]
        issued_utc = datetime.fromisoformat(ticket["issued_at"].replace("Z", "+00:00"))
        issued = rules.local_time(issued_utc, settings.office.zone)
        with self.app.app_context(), force_locale(language):
            lines = [
                _("Position in the queue: %(position)s", position=ticket["position"]),
                _("People ahead of you: %(count)s", count=ticket["people_ahead"]),
            ]
            low, high = ticket.get("eta_range") or (None, None)
            if high:
                lines.append(_("Estimated wait: %(low)s–%(high)s min", low=low, high=high))
            elif ticket["eta_minutes"] is not None:
                lines.append(
                    _("Estimated wait: about %(minutes)s min", minutes=ticket["eta_minutes"])
                )
            if service.what_to_bring is not None:
                lines.append(
                    _("Bring: %(documents)s", documents=service.what_to_bring.get(language))
                )
            printout = TicketPrintout(
                office_name=settings.office.name,
                number=ticket["number"],
                service_name=service.names.get(language),
                issued_at=issued.strftime("%Y-%m-%d %H:%M"),
                lines=tuple(lines),
                status_url=ticket["status_url"],
                qr_caption=_("Follow your place in the queue on your phone"),
                footer=_("Numbers are called in order of arrival. Please keep this ticket."),
            )
        config = settings.printer
        return render(printout, mode=config.mode, width=config.width_dots)

    @staticmethod
    def test_ticket(app: Flask, core: Core) -> bytes:
        """A sample ticket with a line in every office language, to check the printer."""
        settings = core.settings
        samples = {
            "pl": "Zażółć gęślą jaźń",
            "uk": "Їжак ґедзь: щастя є",
            "en": "The quick brown fox",
        }
        with app.app_context():
            printout = TicketPrintout(
                office_name=settings.office.name,
                number="A000",
                service_name="Test",
                issued_at=rules.local_time(core.clock(), settings.office.zone).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                lines=tuple(samples[lang] for lang in settings.office.languages),
                status_url=settings.office.public_url,
                qr_caption=settings.office.public_url,
                footer="frontdesk printer test",
            )
        config = settings.printer
        return render(printout, mode=config.mode, width=config.width_dots)

    def status_payload(self) -> dict | None:
        status = self.last_status
        if status is None:
            return None
        return {
            "online": status.online,
            "message": status.message,
            "pending": status.pending,
            "failed_job": status.failed_job_id,
        }

    def _report(self, status: PrinterStatus) -> None:
        self.last_status = status
        self.core.publish(
            [ev.Event(ev.PRINTER_STATUS, self.status_payload(), (ev.STAFF, ev.KIOSKS))]
        )
