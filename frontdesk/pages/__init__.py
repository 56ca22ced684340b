"""Pages every surface shares: the start page, staff sign-in, and the visitor's phone page."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from frontdesk.pages import routes  # noqa: E402, F401
