from flask import current_app, render_template

from frontdesk.auth import SUPERVISORS
from frontdesk.pages.routes import require_staff_page
from supervisor import bp


@bp.get("/supervisor")
def board():
    refusal = require_staff_page(*SUPERVISORS)
    if refusal is not None:
        return refusal
    return render_template(
        "supervisor/board.html", settings=current_app.extensions["frontdesk"].settings
    )
