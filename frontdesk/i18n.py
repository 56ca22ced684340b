"""Language choice: the visitor's explicit pick first, then the browser's Accept-Language."""

from __future__ import annotations

from flask import current_app, request

LANGUAGE_COOKIE = "frontdesk_lang"


def languages() -> tuple[str, ...]:
    return current_app.extensions["frontdesk"].settings.office.languages


def select_locale() -> str:
    chosen = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages():
        return chosen
    default = current_app.extensions["frontdesk"].settings.office.default_language
    return request.accept_languages.best_match(languages()) or default
