from flask import current_app, render_template

from display import bp
from frontdesk.auth import VIEWERS
from frontdesk.pages.routes import pair_device


@bp.get("/display")
def board():
    refusal = pair_device("display.board", *VIEWERS)
    if refusal is not None:
        return refusal
    return render_template(
        "display/board.html", settings=current_app.extensions["frontdesk"].settings
    )
