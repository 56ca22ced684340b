from flask import current_app, render_template

from desk import bp
from frontdesk.auth import STAFF
from frontdesk.pages.routes import require_staff_page


@bp.get("/desk")
def console():
    refusal = require_staff_page(*STAFF)
    if refusal is not None:
        return refusal
    return render_template(
        "desk/console.html", settings=current_app.extensions["frontdesk"].settings
    )
