"""The clerk's desk console."""

from flask import Blueprint

bp = Blueprint(
    "desk",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/desk",
)

from desk import routes  # noqa: E402, F401
