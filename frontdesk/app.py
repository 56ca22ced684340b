"""create_app(): settings → core → extensions → blueprints. Nothing is built at import time."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, redirect, url_for
from flask_babel import get_locale
from flask_socketio import SocketIO

from frontdesk import auth, green, i18n, security
from frontdesk.db import Database
from frontdesk.extensions import babel, login_manager
from frontdesk.live import LiveSummaries, Snapshots
from frontdesk.printing import TicketPrinting
from frontdesk.services.core import Core
from frontdesk.settings import Settings, load
from frontdesk.sockets import FrontdeskNamespace, SocketIOBroadcaster

TRANSLATIONS = Path(__file__).parent / "translations"


def create_app(
    settings: Settings | None = None,
    *,
    core: Core | None = None,
    dev_secret: bool = False,
    **config,
) -> Flask:
    """`dev_secret`: without FRONTDESK_SECRET_KEY, keep a made-up key in the instance folder
    (the demo); otherwise a missing key stops start-up (security.MissingSecretKey)."""
    app = Flask(__name__, instance_relative_config=True)
    settings = settings or (core.settings if core else load())
    app.config.update(
        SECRET_KEY=security.secret_key(app, config.pop("SECRET_KEY", None), dev=dev_secret),
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

    core = core or Core(
        settings=settings, db=Database(settings.database_url, settings.database_pool_size)
    )
    app.extensions["frontdesk"] = core

    babel.init_app(app, locale_selector=i18n.select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    login_manager.init_app(app)
    login_manager.user_loader(auth.load_user)
    login_manager.login_view = "pages.login"
    # One Socket.IO server per app (not a module global), so tests can run several apps.
    socketio = SocketIO(
        app, async_mode=green.async_mode(), message_queue=settings.message_queue_url
    )
    socketio.on_namespace(FrontdeskNamespace("/"))
    broadcaster = SocketIOBroadcaster(socketio)
    live = LiveSummaries(core, socketio, broadcaster)
    snapshots = Snapshots(core)
    # The cache is cleared before the events go out: a screen connecting in between gets a
    # fresh picture rather than an old one without the event it missed.
    core.listeners += [snapshots, broadcaster, live]
    app.extensions["frontdesk.live"] = live
    app.extensions["frontdesk.snapshots"] = snapshots
    if settings.printer.backend != "none":
        printing = TicketPrinting(app, core)
        printing.start()
        core.listeners.append(printing)
        app.extensions["frontdesk.printing"] = printing
    security.init_app(app, settings)
    security.register_converters(app)
    _register_blueprints(app)
    app.extensions["frontdesk.limiter"] = security.init_limiter(app, settings.message_queue_url)
    app.wsgi_app = security.ServerHeader(app.wsgi_app)

    @app.get("/")
    def index():
        return redirect(url_for("pages.home"))

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
