from flask import current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from desk import bp
from frontdesk import phrasebook
from frontdesk.auth import STAFF, current_actor
from frontdesk.pages.routes import require_staff_page
from frontdesk.settings import Settings


@bp.get("/desk")
def console():
    refusal = require_staff_page(*STAFF)
    if refusal is not None:
        return refusal
    settings = current_app.extensions["frontdesk"].settings
    ui = str(get_locale())[:2]
    return render_template(
        "desk/console.html",
        settings=settings,
        # Read on each visit (cached while the file is unchanged): the office's edits show on
        # the next reload, without a restart.
        phrases=phrasebook.load(settings.phrasebook_path()).as_json(ui),
        clerk=current_actor(),
        config=_console_config(settings, ui),
    )


def _console_config(settings: Settings, ui: str) -> dict:
    """What desk.js needs to describe a visitor, in the clerk's language."""
    return {
        "me": current_actor().name,
        "default_language": settings.office.default_language,
        "reinstate_minutes": settings.reinstate_minutes,
        "recall_limit": settings.recall_limit,
        "desks": {
            d.number: {"name": d.name, "features": list(d.features), "services": list(d.services)}
            for d in settings.desks
        },
        "services": {
            s.code: {"letter": s.letter, "name": s.names.get(ui), "names": s.names.model_dump()}
            for s in settings.services
        },
        "needs": {
            n.id: {
                "name": n.names.get(ui),
                "feature": n.feature,
                "instructions": n.instructions.get(ui) if n.instructions else None,
                "without_feature": n.without_feature.get(ui) if n.without_feature else None,
            }
            for n in settings.needs
        },
        "priorities": {
            p.id: {"name": p.names.get(ui), "rule": p.explanation.get(ui), "verify": p.verify}
            for p in settings.priorities
        },
        "break_reasons": {r.id: r.names.get(ui) for r in settings.break_reasons},
        "features": {
            "step_free": _("step-free access"),
            "induction_loop": _("induction loop"),
            "low_counter": _("low counter"),
            "sign_language": _("sign-language interpreter"),
        },
        "languages": {"pl": "Polski", "uk": "Українська", "en": "English"},
        "text": {
            "nobody_waiting": _("Nobody is waiting for this desk."),
            "closed": _("Closed"),
            "open_by": _("Open: {clerk}"),
            "paused": _("On a break ({reason}) since {time}"),
            "taken": _("Open for {clerk}: you cannot use it until it is closed."),
            "statuses": {"called": _("Called"), "serving": _("Being served")},
            "priority_statuses": {
                "declared": _("to verify"),
                "verified": _("verified"),
                "rejected": _("rejected"),
            },
            "minutes": _("{n} min"),
            "waited": _("waiting {n} min"),
            "sent_here": _("sent to this desk"),
            "lacks": _("This desk lacks: {features}. No desk that has it is working now."),
            "lacks_generic": _("Ask the visitor what would help, or call a supervisor."),
            "recalls": _("({n} of {limit})"),
            "reinstate": _("Reinstate"),
            "no_show_at": _("absent since {time}"),
            "transferred": _("Tell the visitor:"),
            "queue_jump_logged": _("Logged. Say it calmly, and show the rules:"),
            "priority_rules": _("Who goes earlier, and by how much:"),
            "desks_open": _("Desks working: {n}"),
        },
    }
