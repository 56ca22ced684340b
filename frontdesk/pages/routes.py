from __future__ import annotations

import io
from datetime import timedelta

import qrcode
import qrcode.image.svg
from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _

from frontdesk.auth import DEVICE_COOKIE, current_actor, sign_in, sign_out
from frontdesk.i18n import LANGUAGE_COOKIE
from frontdesk.pages import bp
from frontdesk.queue import rules
from frontdesk.queue.model import Ticket
from frontdesk.security import safe_next
from frontdesk.services import staff, views


def core():
    return current_app.extensions["frontdesk"]


@bp.get("/start")
def home():
    return render_template("pages/home.html", settings=core().settings)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        actor = staff.authenticate(
            core(), request.form.get("username", ""), request.form.get("password", "")
        )
        if actor is not None:
            sign_in(actor)
            return redirect(_next())
        flash(_("Wrong user name or password."), "error")
        return render_template("pages/login.html"), 401
    return render_template("pages/login.html")


@bp.post("/logout")
def logout():
    sign_out()
    return redirect(url_for("pages.login"))


def _next() -> str:
    return safe_next(request.args.get("next"), url_for("pages.home"))


@bp.get("/language/<code>")
def choose_language(code: str):
    response = redirect(_next())
    if code in core().settings.office.languages:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=3600 * 24 * 365, samesite="Lax")
    return response


@bp.get("/t/<ticket_id:ticket_id>")
def ticket_page(ticket_id: str):
    """The visitor's phone page: their place, live. The unguessable id is the key."""
    with core().reading() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            abort(404)
        view = views.ticket_view(core(), session, ticket)
    settings = core().settings
    service = settings.service(ticket.service)
    reinstate_until = None
    if ticket.no_show_at is not None:
        until = ticket.no_show_at + timedelta(minutes=settings.reinstate_minutes)
        if until > core().clock():
            reinstate_until = rules.local_time(until, settings.office.zone).strftime("%H:%M")
    # The page speaks the language the visitor chose at the kiosk, unless they pick another.
    language = request.args.get("lang") or ticket.language
    if language not in core().settings.office.languages:
        language = ticket.language
    with force_locale(language):
        return render_template(
            "pages/ticket.html",
            ticket=view,
            service=service,
            lang=language,
            languages=settings.office.languages,
            timezone=settings.office.timezone,
            reinstate_minutes=settings.reinstate_minutes,
            reinstate_until=reinstate_until,
        )


@bp.get("/t/<ticket_id:ticket_id>/qr.svg")
def ticket_qr(ticket_id: str):
    url = views.status_url(core().settings, ticket_id)
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


def pair_device(endpoint: str, *roles: str):
    """Open a kiosk or display page once with ?token=…: the token moves into a secure cookie
    and the address is cleaned, so it is not left in history or on screen."""
    token = request.args.get("token")
    if token:
        actor = staff.token_actor(core(), token)
        if actor is None or actor.role not in roles:
            return render_template("pages/unpaired.html", bad_token=True), 403
        response = make_response(redirect(url_for(endpoint)))
        response.set_cookie(
            DEVICE_COOKIE,
            token,
            max_age=3600 * 24 * 365,
            httponly=True,
            samesite="Strict",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        return response
    actor = current_actor()
    if actor is None or actor.role not in roles:
        return render_template("pages/unpaired.html", bad_token=False), 401
    return None


def require_staff_page(*roles: str):
    actor = current_actor()
    if actor is None:
        return redirect(url_for("pages.login", next=request.path))
    if actor.role not in roles:
        return render_template("pages/forbidden.html"), 403
    return None
