"""The sender: empties the outbox through the office's SMTP server, beside the request handlers
and never in their way (a thread, which under gevent is a greenlet).

A message is claimed for a lease, sent, then marked sent. A crash before the send leaves it
due; a crash after the send but before the mark sends it again once the lease lapses, with
the same Message-ID, so the visitor's mail program can tell it is the same message. An SMTP
server that is down is tried again with a doubling backoff; supervisors hear when sending
starts failing and when it works again (mail.status)."""

from __future__ import annotations

import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import formatdate

from flask import Flask, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from frontdesk.events import MAIL_QUEUED, Event
from frontdesk.queue.model import OutboxMessage
from frontdesk.services import contact

INTERVAL_SECONDS = 5
BATCH = 20


def lease_seconds(timeout: float) -> float:
    # Connect, send and quit may each take up to the timeout; a lease shorter than that
    # would let a second sender take a message the first is still sending.
    return 3 * timeout + 5


class MailSender:
    def __init__(self, app: Flask, interval: float = INTERVAL_SECONDS):
        self.app = app
        self.core = app.extensions["frontdesk"]
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        # Until told otherwise, sending is assumed to work: the first failure is news.
        self.failing = False

    def start(self) -> None:
        if not self.core.settings.mail.host:
            return
        self.core.listeners.append(self)
        self._thread = threading.Thread(target=self._run, name="frontdesk-mail", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self in self.core.listeners:
            self.core.listeners.remove(self)

    def publish(self, events: list[Event]) -> None:
        """A listener of the unit of work: a committed change queued a message, so look now
        rather than at the next tick."""
        if any(e.name == MAIL_QUEUED for e in events):
            self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.send_due()
            except Exception:
                # The database restarting, say: the outbox keeps everything, try again later.
                self.app.logger.exception("sending mail failed; trying again shortly")
            self._wake.wait(self.interval)
            self._wake.clear()

    def send_due(self) -> int:
        """Send what is due now; how many went out."""
        settings = self.core.settings.mail
        sent = 0
        while not self._stop.is_set():
            batch = contact.claim_due(self.core, BATCH, lease_seconds(settings.timeout_seconds))
            if not batch:
                break
            try:
                with self._connect() as smtp:
                    for message in batch:
                        self._send_one(smtp, message)
                        sent += 1
                        batch = batch[1:]
            except (smtplib.SMTPException, OSError) as exc:
                error = describe(exc)
                # The server is out of reach: the whole batch waits, none is lost.
                for message in batch:
                    contact.mark_failed(self.core, message.id, error)
                self._verdict(ok=False, error=error)
                break
        if sent and self.failing:
            self._verdict(ok=True, error=None)
        return sent

    def _send_one(self, smtp: smtplib.SMTP, message: OutboxMessage) -> None:
        try:
            smtp.send_message(self.compose(message))
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            permanent = _permanent(exc)
            if not permanent:
                raise
            contact.mark_failed(self.core, message.id, describe(exc), permanent=True)
            return
        contact.mark_sent(self.core, message.id)

    def compose(self, message: OutboxMessage) -> EmailMessage:
        settings = self.core.settings
        service = settings.service(message.params.get("service", ""))
        with self.app.app_context(), force_locale(message.language):
            service_name = service.names.get(message.language) if service else ""
            subject = subject_of(message.kind, message.params)
            body = render_template(
                f"mail/{message.kind}.txt",
                office=settings.office.name,
                service_name=service_name,
                **message.params,
            )
        mail = EmailMessage()
        mail["Subject"] = subject
        mail["From"] = settings.mail.sender
        mail["To"] = message.recipient
        mail["Date"] = formatdate(message.created_at.timestamp(), localtime=False)
        mail["Message-ID"] = message.message_id
        mail["Content-Language"] = message.language
        # Nobody reads replies to a queue number: say so to mail servers too.
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(body)
        return mail

    def _connect(self) -> smtplib.SMTP:
        mail = self.core.settings.mail
        context = ssl.create_default_context()
        if mail.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                mail.host, mail.port, timeout=mail.timeout_seconds, context=context
            )
        else:
            smtp = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout_seconds)
            if mail.security == "starttls":
                smtp.starttls(context=context)
        password = mail.password()
        if mail.user and password:
            smtp.login(mail.user, password)
        return smtp

    def _verdict(self, ok: bool, error: str | None) -> None:
        if ok == (not self.failing):
            return
        self.failing = not ok
        contact.report_mail_status(self.core, ok, error)


def subject_of(kind: str, params: dict) -> str:
    number = params.get("number", "")
    if kind == contact.TICKET:
        return _("Your ticket %(number)s", number=number)
    if kind == contact.NEAR:
        return _("%(number)s: your turn is near", number=number)
    if kind == contact.CALLED:
        return _("%(number)s: please come to desk %(desk)s", number=number, desk=params["desk"])
    return _("%(number)s: a summary of your visit", number=number)


def describe(exc: BaseException) -> str:
    """What went wrong, for supervisors and the log: the kind and the server's code, never the
    server's text, which may quote the address."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({c for c, _text in exc.recipients.values()})
        code = codes[0] if codes else None
    return type(exc).__name__ + (f" {code}" if code else "")


def _permanent(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= c < 600 for c, _text in exc.recipients.values())
    code = getattr(exc, "smtp_code", 0) or 0
    return 500 <= code < 600
