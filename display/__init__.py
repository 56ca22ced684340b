"""The hall display: called numbers and their desks, live. Numbers only, never names."""

from flask import Blueprint

bp = Blueprint(
    "display",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/display",
)

from display import routes  # noqa: E402, F401
