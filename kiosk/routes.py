from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from markupsafe import Markup

from frontdesk.auth import ISSUERS
from frontdesk.pages.routes import pair_device
from frontdesk.queue import rules
from frontdesk.services import views
from frontdesk.settings import WEEKDAYS, Settings
from kiosk import bp

LANGUAGE_NAMES = {"pl": "Polski", "uk": "Українська", "en": "English"}


@bp.get("/kiosk")
def start():
    refusal = pair_device("kiosk.start", *ISSUERS)
    if refusal is not None:
        return refusal
    core = current_app.extensions["frontdesk"]
    settings = core.settings
    with core.reading() as session:
        services = views.services_overview(core, session)
    now = core.clock()
    printing = current_app.extensions.get("frontdesk.printing")
    # Every language is on the page at once: switching is instant and nothing reloads, so a
    # visitor's half-made choices survive a change of language and nothing else does.
    panels = {}
    texts = {}
    for language in settings.office.languages:
        with force_locale(language):
            texts[language] = _client_texts()
            panels[language] = Markup(
                render_template(
                    "kiosk/panel.html",
                    lang=language,
                    settings=settings,
                    services=services,
                    reopens=_reopens(settings, now),
                )
            )
    data = {
        "default_language": settings.office.default_language,
        "idle_seconds": settings.kiosk.idle_seconds,
        "warning_seconds": settings.kiosk.warning_seconds,
        "ticket_seconds": settings.kiosk.ticket_seconds,
        "has_needs": bool(settings.needs),
        "has_priorities": bool(settings.priorities),
        "services": services,
        "bring": {
            s.code: s.what_to_bring.model_dump() for s in settings.services if s.what_to_bring
        },
        "printer": printing.status_payload() if printing is not None else None,
        "texts": texts,
    }
    return render_template(
        "kiosk/start.html",
        lang=settings.office.default_language,
        settings=settings,
        language_names=LANGUAGE_NAMES,
        panels=panels,
        data=data,
    )


def _client_texts() -> dict[str, str]:
    """Sentences the kiosk's script fills in; {n}, {low}, {high}, {s} are its placeholders."""
    return {
        "title": _("Take a ticket"),
        "waiting": _("Waiting: {n}"),
        "eta_range": _("Wait: about {low}–{high} min"),
        "eta_about": _("Wait: about {n} min"),
        "eta_none": _("Wait: no queue"),
        "eta_unknown": _("Wait: cannot be estimated yet"),
        "ticket_eta_range": _("about {low}–{high} minutes"),
        "ticket_eta_about": _("about {n} minutes"),
        "ticket_eta_none": _("you are next"),
        "ticket_eta_unknown": _("cannot be estimated yet"),
        "idle": _("Are you still there? This screen starts over in {s} s."),
        "closing": _("This screen starts over in {s} s."),
        "retrying": _("The connection was lost. Trying again…"),
        "offline": _(
            "The ticket system cannot be reached right now. Please ask at the information "
            "desk. This screen will try again by itself."
        ),
        "closed": _("No more tickets are issued for this matter now."),
        "full": _("Today's tickets for this matter have run out."),
        "rate_limited": _(
            "Too many tickets were taken here in a short time. Please wait a moment."
        ),
        "error": _("Something went wrong. Please try again or ask at the information desk."),
        "printer_down": _(
            "The printer is not working right now. Please write down your number or scan the "
            "QR code with your phone."
        ),
        "printing": _("Your ticket is being printed."),
        "still_here": _("I am still here"),
        "bring": _("Bring: {s}"),
    }


def _reopens(settings: Settings, now: datetime) -> str:
    """When a closed service issues tickets again, in words for the visitor: the office's
    next opening (a quota or last-ticket time ends a service's day, not its week)."""
    office = settings.office
    local = rules.local_time(now, office.zone)
    if not office.enforce_hours or not office.hours:
        return _("Please come back on the next working day.")
    for days in range(8):
        day = (local + timedelta(days=days)).date()
        hours = office.hours.get(WEEKDAYS[day.weekday()])
        if hours is None:
            continue
        if days == 0:
            # Today only if the doors have not opened yet; after that the day's quota or
            # last-ticket time is what closed it.
            if local.time() < hours.opens:
                return _("Tickets from %(time)s today.", time=hours.opens.strftime("%H:%M"))
            continue
        return _(
            "Tickets again on %(day)s from %(time)s.",
            day=format_date(day, "EEEE d MMMM"),
            time=hours.opens.strftime("%H:%M"),
        )
    return _("Please come back on the next working day.")
