"""The touchscreen kiosk where visitors take a ticket."""

from flask import Blueprint

bp = Blueprint(
    "kiosk",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/kiosk",
)

from kiosk import routes  # noqa: E402, F401
