from flask import current_app, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from display import bp
from display.audio import CALL_PHRASE, SPEECH_LOCALES
from frontdesk.auth import VIEWERS, current_actor
from frontdesk.pages.routes import pair_device


@bp.get("/display")
def board():
    refusal = pair_device("display.board", *VIEWERS)
    if refusal is not None:
        return refusal
    settings = current_app.extensions["frontdesk"].settings
    actor = current_actor()
    bound = settings.display_services(actor.name) if actor.role == "display" else None
    services = [s for s in settings.services if bound is None or s.code in bound]
    ui = str(get_locale())
    phrases = {}
    for language in settings.office.languages:
        # The spoken call in each language, from the catalogues like every other phrase; the
        # language only picks what is said, it is never shown.
        with force_locale(language):
            phrases[language] = call_phrase()
    config = {
        "services": [s.code for s in services] if bound is not None else None,
        "office_language": settings.office.default_language,
        "timezone": settings.office.timezone,
        "phrases": phrases,
        "speech_locales": SPEECH_LOCALES,
        "audio": url_for("display.static", filename="display/audio/"),
        "text": {
            "recall": _("Repeated call"),
            "connected": _("Connected"),
            "offline": _("Connection lost, reconnecting"),
        },
    }
    return render_template(
        "display/board.html",
        settings=settings,
        services=services,
        service_names={s.code: s.names.get(ui) for s in services},
        config=config,
    )


def call_phrase() -> str:
    """The spoken call with {number} and {desk} to fill in (display.audio cuts it in clips)."""
    return _(CALL_PHRASE, number="{number}", desk="{desk}")
