"""create_app(): settings → core → extensions → blueprints. Nothing is built at import time."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, redirect, url_for
from flask_babel import get_locale
from flask_socketio import SocketIO

from frontdesk import auth, i18n
from frontdesk.db import Database
from frontdesk.extensions import babel, login_manager
from frontdesk.printing import TicketPrinting
from frontdesk.services.core import Core
from frontdesk.settings import Settings, load
from frontdesk.sockets import FrontdeskNamespace, SocketIOBroadcaster

TRANSLATIONS = Path(__file__).parent / "translations"


def create_app(settings: Settings | None = None, *, core: Core | None = None, **config) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    settings = settings or (core.settings if core else load())
    app.config.update(
        SECRET_KEY=os.environ.get("FRONTDESK_SECRET_KEY") or _instance_secret(app),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.office.public_url.startswith("https://"),
        REMEMBER_COOKIE_SAMESITE="Lax",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        BABEL_DEFAULT_LOCALE=settings.office.default_language,
        BABEL_DEFAULT_TIMEZONE=settings.office.timezone,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config)

    core = core or Core(settings=settings, db=Database(settings.database_url))
    app.extensions["frontdesk"] = core

    babel.init_app(app, locale_selector=i18n.select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    login_manager.init_app(app)
    login_manager.user_loader(auth.load_user)
    login_manager.login_view = "pages.login"
    # One Socket.IO server per app (not a module global), so tests can run several apps.
    socketio = SocketIO(app, async_mode="threading", message_queue=settings.message_queue_url)
    socketio.on_namespace(FrontdeskNamespace("/"))
    core.listeners.append(SocketIOBroadcaster(socketio))
    if settings.printer.backend != "none":
        printing = TicketPrinting(app, core)
        printing.start()
        core.listeners.append(printing)
        app.extensions["frontdesk.printing"] = printing
    _register_blueprints(app)

    @app.get("/")
    def index():
        return redirect(url_for("pages.home"))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    return app


def _register_blueprints(app: Flask) -> None:
    from desk import bp as desk_bp
    from display import bp as display_bp
    from frontdesk.api import bp as api_bp
    from frontdesk.pages import bp as pages_bp
    from kiosk import bp as kiosk_bp
    from supervisor import bp as supervisor_bp

    for blueprint in (api_bp, pages_bp, kiosk_bp, display_bp, desk_bp, supervisor_bp):
        app.register_blueprint(blueprint)


def _instance_secret(app: Flask) -> str:
    """A random secret kept in the instance folder, so sessions survive restarts without a
    secret in the repository. Set FRONTDESK_SECRET_KEY when several processes serve."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
