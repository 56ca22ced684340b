"""One error shape for the API: {"error": {"code", "message"}}, message in the caller's language.
Domain errors become 4xx here, once; no traceback ever reaches a client."""

from __future__ import annotations

from flask import current_app, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from frontdesk.api import bp
from frontdesk.api.messages import message
from frontdesk.auth import Forbidden
from frontdesk.queue.errors import DomainError


def error_response(status: int, code: str, params: dict | None = None, **extra):
    body = {"error": {"code": code, "message": message(code, params), **extra}}
    return jsonify(body), status


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    return error_response(exc.status, exc.code, exc.params)


@bp.errorhandler(Forbidden)
def forbidden(exc: Forbidden):
    if exc.authenticated:
        return error_response(403, "forbidden")
    return error_response(401, "unauthorized")


@bp.errorhandler(ValidationError)
def invalid_body(exc: ValidationError):
    fields = [".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()]
    return error_response(400, "invalid_input", {"field": ", ".join(fields)}, fields=fields)


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    # Routing errors (no such path, wrong method) never reach a blueprint's own handlers,
    # so this one is app-wide and answers JSON only under the API's prefix.
    if not request.path.startswith(f"{bp.url_prefix}/"):
        return exc
    code = {
        404: "not_found",
        405: "method_not_allowed",
        401: "unauthorized",
        413: "too_large",
        429: "rate_limited",
    }.get(exc.code, "bad_json" if exc.code == 400 else "invalid_input")
    return error_response(exc.code or 400, code)


@bp.errorhandler(Exception)
def unexpected(exc: Exception):
    # This handler also matches HTTP errors raised inside API views (Exception is their base).
    if isinstance(exc, HTTPException):
        return http_error(exc)
    current_app.logger.exception("unhandled error in the API")
    return error_response(500, "server_error")
