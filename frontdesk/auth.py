"""Who is asking: a staff session (Flask-Login), a bearer token, or a paired device's cookie.
Role checks live here, in one place, for HTTP routes and socket events alike."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request, session
from flask_login import UserMixin, current_user, login_user, logout_user

from frontdesk.services import staff
from frontdesk.services.core import Actor

DEVICE_COOKIE = "frontdesk_device"
SESSION_MARK = "frontdesk_session"

STAFF = ("clerk", "supervisor", "admin")
SUPERVISORS = ("supervisor", "admin")
ISSUERS = ("kiosk", *STAFF)
VIEWERS = ("display", *STAFF)
# Who may answer an alert ("on my way"): security joins once an alert is escalated.
RESPONDERS = (*SUPERVISORS, "security")
# Who may open an incident report at all; which ones each may read is services/incidents.py.
INCIDENT_READERS = (*STAFF, "security")


class StaffUser(UserMixin):
    def __init__(self, actor: Actor):
        self.actor = actor

    def get_id(self) -> str:
        return self.actor.name


def load_user(username: str) -> StaffUser | None:
    mark = session.get(SESSION_MARK)
    if not (isinstance(mark, list) and len(mark) == 2):
        return None
    started, password = mark
    if not isinstance(started, int) or not isinstance(password, str):
        return None
    core = current_app.extensions["frontdesk"]
    actor = staff.session_actor(core, username, staff.SessionMark(started, password))
    return StaffUser(actor) if actor else None


def sign_in(actor: Actor) -> None:
    mark = staff.start_session(current_app.extensions["frontdesk"], actor)
    # Whatever the browser held before (a pre-login CSRF token included) is not carried over.
    session.clear()
    login_user(StaffUser(actor))
    session[SESSION_MARK] = [mark.started, mark.password]


def sign_out() -> None:
    """Ends this account's sessions everywhere, not only this cookie (staff.end_sessions)."""
    if current_user.is_authenticated:
        staff.end_sessions(current_app.extensions["frontdesk"], current_user.actor)
    logout_user()
    session.clear()


def current_actor() -> Actor | None:
    if "actor" not in g:
        g.actor = _find_actor()
    return g.actor


def _find_actor() -> Actor | None:
    core = current_app.extensions["frontdesk"]
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        # A wrong token is an error, not a fallback to the cookie: the caller meant it.
        return staff.token_actor(core, header[7:].strip())
    if current_user.is_authenticated:
        return current_user.actor
    device = request.cookies.get(DEVICE_COOKIE)
    return staff.token_actor(core, device) if device else None


class Forbidden(Exception):
    """Raised when the caller is missing (401) or lacks the role (403)."""

    def __init__(self, authenticated: bool):
        self.authenticated = authenticated


def require(*roles: str) -> Actor:
    actor = current_actor()
    if actor is None or actor.role not in roles:
        raise Forbidden(authenticated=actor is not None)
    return actor


def requires(*roles: str) -> Callable:
    """Route decorator: the view receives the checked actor as `actor`."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            return view(*args, actor=require(*roles), **kwargs)

        return wrapped

    return decorate
