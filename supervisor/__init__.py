"""The supervisor's tablet: alerts, desks and queues, live."""

from flask import Blueprint

bp = Blueprint(
    "supervisor",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/supervisor",
)

from supervisor import routes  # noqa: E402, F401
