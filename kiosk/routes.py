from flask import current_app, render_template

from frontdesk.auth import ISSUERS
from frontdesk.pages.routes import pair_device
from kiosk import bp


@bp.get("/kiosk")
def start():
    refusal = pair_device("kiosk.start", *ISSUERS)
    if refusal is not None:
        return refusal
    return render_template(
        "kiosk/start.html", settings=current_app.extensions["frontdesk"].settings
    )
