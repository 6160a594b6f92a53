"""Refused actions: one error type for the API and the pages, and one place that answers it.

A service raises `Refused(code, message, status)` when an action cannot be done (wrong state, not
theirs, bad input); the view does not catch it. The handler answers the API's error shape
`{"error": CODE, "message": TEXT}` for JSON clients and the error page for browsers, and the unit of
work rolls the request back, so a refused action stores nothing.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Flask, jsonify, render_template, request
from flask_babel import force_locale, gettext
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError

from crm.platform.extensions import db
from crm.platform.security.bounds import optional_id

T = TypeVar("T")
HTTP_ERRORS = {404: "not_found", 405: "method_not_allowed", 500: "server_error"}  # Werkzeug's own are unstyled
CITIZEN_LANGUAGES = ("hi", "en", "pa", "ur")  # Delhi's four (the portal's catalogs)
CITIZEN_COOKIE = "sampark_lang"  # set by the portal and the facility finder when a citizen chooses a language
CITIZEN_PATHS = ("/portal", "/facilities")


class Refused(Exception):
    """An action that cannot be done; `code` for programs, `message` for people, HTTP `status`."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def load(model: type[T], ident, what: str | None = None) -> T:
    """The row of `model` with id `ident`, or Refused 404 naming what was missing."""
    name = what or model.__name__.lower()
    number = optional_id(ident)
    found = db.session.get(model, number) if number is not None else None
    if found is None:
        raise Refused("not_found", f"There is no {name} {ident}.", 404)
    return found


def wants_json() -> bool:
    """API and FHIR calls and clients that asked for JSON get JSON errors; browsers get a page."""
    best = request.accept_mimetypes.best or ""
    return request.path.startswith(("/api/", "/fhir/")) or best == "application/json" or best.endswith("+json")


def citizen_language() -> str | None:
    """The language of a citizen who is not on a portal page (an unknown address, the finder): the one they chose
    on the portal or the finder, else their browser's among Delhi's four on a citizen's path; None for staff."""
    if current_user.is_authenticated:
        return None
    chosen = request.cookies.get(CITIZEN_COOKIE)
    if chosen in CITIZEN_LANGUAGES:
        return chosen
    if request.path.startswith(CITIZEN_PATHS):
        return request.accept_languages.best_match(CITIZEN_LANGUAGES, default="hi")
    return None


def answer(code: str, message: str, status: int, message_hi: str | None = None):
    """The one shape of a refusal: JSON for the API, the error page for people (the portal's, on the portal)."""
    if wants_json():
        return jsonify(error=code, message=message), status
    if request.path.startswith("/portal"):
        return render_template("portal/error.html", status=status, message=message), status
    return render_template("error.html", status=status, message=message, message_hi=message_hi), status


def _http_message(status: int) -> str:
    """What an unknown address (404), a page opened the wrong way (405) or our own failure (500) means, in the
    current language."""
    if status == 404:
        return gettext("There is no page at this address. Check the address, or go back.")
    if status == 405:
        return gettext("This page cannot be opened that way. Go back and use its buttons.")
    return gettext("Something went wrong on our side. Please try again in a minute; if it is urgent, call the helpline.")


def _http_error(exc: HTTPException):
    code = exc.code if exc.code in HTTP_ERRORS else 500
    lang = None if wants_json() or request.path.startswith("/portal") else citizen_language()
    if lang is not None:  # a citizen outside the portal: the portal's page, in their language
        with force_locale(lang):
            back = "/facilities" if request.path.startswith("/facilities") else None
            response = render_template("portal/error.html", status=code, message=_http_message(code), back=back), code
    else:
        with force_locale("hi"):  # staff pages say it in English and Hindi; the portal in the citizen's language
            hindi = _http_message(code)
        response = answer(HTTP_ERRORS[code], _http_message(code), code, message_hi=hindi)
    if code == 405:  # the methods the address does take, as Werkzeug would have said
        response = response[0], 405, {"Allow": ", ".join(exc.valid_methods or ())}
    return response


def init_app(app: Flask) -> None:
    """Answer every Refused raised by a view, a phone system that failed (502, readable), and unknown addresses."""
    from crm.platform.phone import PhoneFailed

    app.register_error_handler(Refused, lambda exc: answer(exc.code, exc.message, exc.status))
    app.register_error_handler(PhoneFailed, lambda exc: answer("phone_failed", exc.message, 502))
    for status in (404, 405):
        app.register_error_handler(status, _http_error)
    app.register_error_handler(InternalServerError, _http_error)  # an unhandled exception arrives as one of these
