"""Web hardening, in one place: cross-site request checks (CSRF), rate limits, safe redirects,
security headers, strict path parameters and the secret key. docs/api.md ("What protects
what") describes the effect; this module is the one place that enforces it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.exceptions import Forbidden, TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, IntegerConverter

csrf = CSRFProtect()

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRFToken"
# The database's integer columns are 32-bit on PostgreSQL: a larger id cannot exist.
MAX_ID = 2**31 - 1
# Far above any real request (the largest is an alert note); a deeper or bigger body is refused
# before anything parses it.
MAX_BODY_BYTES = 64 * 1024
LOGIN_ENDPOINTS = frozenset({"api.login", "pages.login"})


class MissingSecretKey(RuntimeError):
    """The server would sign session cookies with a key nobody chose."""


class CrossSiteRefused(Forbidden):
    """A cookie-authenticated write that did not come from one of our own pages."""


# Path parameters


class TicketIdConverter(BaseConverter):
    """Ticket ids are url-safe tokens (frontdesk.queue.model.new_ticket_id); anything else is a
    404 before the database sees it: PostgreSQL refuses NUL bytes, and huge ids are pointless."""

    regex = r"[A-Za-z0-9_-]{1,32}"


class IdConverter(IntegerConverter):
    """A non-negative integer that fits the database's integer columns."""

    def __init__(self, url_map, **kwargs):
        super().__init__(url_map, max=MAX_ID, **kwargs)


def register_converters(app: Flask) -> None:
    app.url_map.converters["ticket_id"] = TicketIdConverter
    app.url_map.converters["id"] = IdConverter


# Secret key


def secret_key(app: Flask, configured: str | None, *, dev: bool) -> str:
    secret = configured or os.environ.get("FRONTDESK_SECRET_KEY")
    if secret:
        return secret
    if dev:
        return _instance_secret(app)
    raise MissingSecretKey(
        "FRONTDESK_SECRET_KEY is not set. It signs the staff session cookies and must be the "
        "same for every server process; set it to a long random value, e.g. "
        "FRONTDESK_SECRET_KEY=$(openssl rand -hex 32), in the service's environment "
        "(only `frontdesk demo` makes one up by itself)."
    )


def _instance_secret(app: Flask) -> str:
    """The demo's key, kept in the instance folder so demo sessions survive a restart."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


# Safe redirects


def safe_next(target: str | None, fallback: str) -> str:
    """`target` if it is a path on this site, else `fallback`. Browsers drop tabs and line
    breaks and read a backslash as a slash, so `/\\t/evil.example` or `/\\evil.example` would
    lead off-site: anything but a plain local path is refused rather than repaired."""
    if not target or len(target) > 2000:
        return fallback
    # Checked as given and decoded once more, for whatever decodes it again on the way.
    for form in (target, unquote(target)):
        if not form.startswith("/") or form[1:2] == "/" or "\\" in form:
            return fallback
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in form):
            return fallback
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return fallback
    return target


# Cross-site request checks


def _bearer() -> bool:
    # A bearer request authenticates with its header only (auth._find_actor ignores cookies
    # then), so a page elsewhere cannot make a browser send it.
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def _own_origins() -> set[str]:
    public = urlsplit(current_app.extensions["frontdesk"].settings.office.public_url)
    return {f"{request.scheme}://{request.host}", f"{public.scheme}://{public.netloc}"}


def _foreign() -> bool:
    """True when the browser says the request comes from another origin. Another port or a
    subdomain of the same host is "same-site", and refused like any other site."""
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        return True
    origin = request.headers.get("Origin")
    return origin is not None and origin not in _own_origins()


def guard_writes() -> None:
    """Every write that does not carry a bearer token must come from one of our pages: no
    foreign Origin (or Sec-Fetch-Site), and the page's CSRF token whenever the browser holds
    cookies (a session, a paired device, or the pre-login session that carries the token)."""
    if request.method not in UNSAFE_METHODS or _bearer():
        return
    if _foreign():
        raise CrossSiteRefused()
    # The JSON sign-in needs no token: a browser sends JSON across origins only after a CORS
    # preflight this server never grants, and the Origin check above covers the rest.
    if request.endpoint == "api.login":
        return
    if request.cookies or request.endpoint in LOGIN_ENDPOINTS:
        try:
            csrf.protect()
        except CSRFError:
            raise CrossSiteRefused() from None


def csrf_token() -> str:
    return generate_csrf()


# Rate limits


def _limits():
    return current_app.extensions["frontdesk"].settings.limits


def _login_key() -> str:
    username = request.form.get("username", "")
    if not username and request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("username"), str):
            username = body["username"]
    return f"{get_remote_address()}|{username[:80].lower()}"


def _issuer_key() -> str:
    from frontdesk.auth import current_actor

    actor = current_actor()
    return f"{actor.role}:{actor.name}" if actor else get_remote_address()


def _failed(response: Response) -> bool:
    return response.status_code == 401


# endpoint → (which limit, whose budget, count only failures, methods)
ROUTE_LIMITS: dict[str, tuple[str, Callable[[], str], bool, list[str] | None]] = {
    "api.login": ("login", _login_key, True, None),
    "pages.login": ("login", _login_key, True, ["POST"]),
    "api.issue": ("ticket_issue", _issuer_key, False, None),
    "api.ticket": ("ticket_lookup", get_remote_address, False, None),
    "api.cancel": ("ticket_lookup", get_remote_address, False, None),
    "api.get_contact": ("ticket_lookup", get_remote_address, False, None),
    "api.set_contact": ("ticket_lookup", get_remote_address, False, None),
    "api.remove_contact": ("ticket_lookup", get_remote_address, False, None),
    "pages.ticket_page": ("ticket_lookup", get_remote_address, False, None),
}


def _limit_value(name: str) -> Callable[[], str]:
    return lambda: getattr(_limits(), name)


def init_limiter(app: Flask, message_queue_url: str | None) -> Limiter:
    """One limiter per app (tests run several). Counters live in memory, or in Redis when
    several processes serve (the message queue's server)."""
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=message_queue_url or "memory://",
        key_prefix="frontdesk",
        headers_enabled=True,
        # A limiter that cannot reach Redis must not take the office down with it.
        swallow_errors=True,
    )
    limiter.init_app(app)
    # Shared per limit: the JSON and the form sign-in spend one budget, and so do all lookups.
    for endpoint, (name, key, failures_only, methods) in ROUTE_LIMITS.items():
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = limiter.shared_limit(
            _limit_value(name),
            scope=name,
            key_func=key,
            methods=methods,
            deduct_when=_failed if failures_only else None,
        )(view)
    return limiter


def allow_lookup(key: str | None = None) -> bool:
    """Spend one ticket look-up from the caller's budget; False once it is spent. For lookups
    outside HTTP routes (a Socket.IO `follow`): HTTP routes are limited by the decorator."""
    from limits import parse_many

    limiter: Limiter = current_app.extensions["frontdesk.limiter"]
    who = key or get_remote_address()
    return all(
        limiter.limiter.hit(item, "frontdesk", "ticket_lookup", who)
        for item in parse_many(_limits().ticket_lookup)
    )


# Errors: JSON under the API, a page elsewhere, always in the caller's language


def _api_request() -> bool:
    return request.path.startswith("/api/")


def cross_site_refused(exc: CrossSiteRefused):
    from frontdesk.api.errors import error_response

    if _api_request():
        return error_response(403, "csrf_failed")
    if request.endpoint == "pages.login":
        # The login form's token lapses with the session: a fresh form is the way on.
        flash(_("The sign-in form had expired. Please sign in again."), "error")
        return render_template("pages/login.html"), 403
    return render_template(
        "pages/refused.html", message=_("This request did not come from a frontdesk page.")
    ), 403


def too_many_requests(exc: TooManyRequests):
    from frontdesk.api.errors import error_response

    if _api_request():
        response, status = error_response(429, "rate_limited")
    elif request.endpoint == "pages.login":
        flash(_("Too many attempts. Please wait a few minutes and try again."), "error")
        response, status = Response(render_template("pages/login.html")), 429
    else:
        body = render_template(
            "pages/refused.html", message=_("Too many requests. Please wait a moment.")
        )
        response, status = Response(body), 429
    # Flask-Limiter adds Retry-After to this response (headers_enabled).
    return response, status


# Headers


def _content_security_policy() -> str:
    # Socket.IO connects to this host over ws(s):, which older browsers do not count as 'self'.
    host = request.host
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' ws://{host} wss://{host}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    return response


class ServerHeader:
    """A `Server` header without versions on every answer, Socket.IO's included: Werkzeug's
    server would otherwise announce its own and Python's. gunicorn always sends its own
    versionless one, so under gunicorn the app sends none (no second header)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        gunicorn = environ.get("SERVER_SOFTWARE", "").startswith("gunicorn")

        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "server"]
            if not gunicorn:
                headers.append(("Server", "frontdesk"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def init_app(app: Flask, settings) -> None:
    """Everything but the limiter, which wraps views and so comes after the blueprints."""
    # Flask's own default is None (unlimited), so setdefault would not do.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # Checked by guard_writes, only where a cookie could be abused; the token lives as long
    # as the session (a desk page stays open all day).
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("WTF_CSRF_HEADERS", [CSRF_HEADER])
    # The Origin check is ours and also knows office.public_url behind a proxy.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)
    if settings.proxy_hops:
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(guard_writes)
    app.after_request(security_headers)
    app.register_error_handler(CrossSiteRefused, cross_site_refused)
    app.register_error_handler(TooManyRequests, too_many_requests)
    app.jinja_env.globals["csrf_token"] = csrf_token
